/**
 * Benchmark: VM power-on to marker through LabBoot (DHCP + TFTP) vs through dnsmasq 2.90 (DHCP +
 * TFTP) serving the same files, same VM, same HTTP server, measured side by side in one run with
 * the two servers alternating. Goal (issue 7): LabBoot ≤ 1.1× dnsmasq.
 * Run as root: `npx tsx test/bench/pxe-boot.ts [rounds=2] [bios|uefi|both=both]`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDnsmasqConf } from '../helpers/netns/dnsmasq-conf';
import { NetnsLab } from '../helpers/netns/netns-lab';
import {
  SERVER_IP,
  VM_MAC,
  buildLan,
  prepareFiles,
  routerConfig,
  type LabFiles,
} from '../e2e/pxe/lab';
import type { LabServerArgs } from '../e2e/pxe/lab-server';
import { bootVm, type Firmware } from '../e2e/pxe/qemu';

type Server = 'labboot' | 'dnsmasq';

const rounds = Math.max(1, Math.min(10, Number(process.argv[2] ?? 2)));
const which = process.argv[3] ?? 'both';
const firmwares: Firmware[] =
  which === 'bios' ? ['bios'] : which === 'uefi' ? ['uefi'] : ['bios', 'uefi'];
const targets = { bios: 'lpxelinux.0', uefiX64: 'bootx64.efi' };

function dnsmasqConfig(dir: string, files: LabFiles): string {
  const conf = join(dir, 'dnsmasq-srv.conf');
  writeDnsmasqConf(conf, join(dir, 'srv.leases'), [
    'enable-tftp',
    `tftp-root=${files.tftpRoot}`,
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    'dhcp-authoritative',
    'dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,1h',
    'dhcp-boot=tag:efi64,bootx64.efi',
    'dhcp-boot=tag:!efi64,lpxelinux.0',
  ]);
  writeFileSync(join(dir, 'srv.leases'), '');
  return conf;
}

async function once(
  work: string,
  files: LabFiles,
  server: Server,
  firmware: Firmware,
  n: number,
): Promise<number> {
  const lab = new NetnsLab('bn');
  const dir = join(work, `${server}-${firmware}-${n}`);
  mkdirSync(dir, { recursive: true });
  try {
    const net = buildLan(lab);
    const router = routerConfig(dir, false);
    lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
    const args: LabServerArgs = {
      mode: 'full',
      interfaceName: net.srvIf,
      address: SERVER_IP,
      prefixLength: 24,
      mac: lab.macOf(net.srv, net.srvIf),
      targets,
      range: { first: '10.77.0.50', last: '10.77.0.60' },
      root: files.tftpRoot,
      httpPort: 80,
      dbFile: join(dir, 'labboot.sqlite'),
      probeMs: 0,
      dhcpAndTftp: server === 'labboot',
    };
    const srv = lab.run(net.srv, process.execPath, [
      '--import',
      'tsx',
      'test/e2e/pxe/lab-server.ts',
      JSON.stringify(args),
    ]);
    const ready = await srv.waitFor(/^(READY|ERROR)/, 60_000);
    if (!ready.startsWith('READY')) throw new Error(`lab server: ${ready} ${srv.stderr()}`);
    if (server === 'dnsmasq') {
      lab.run(net.srv, 'dnsmasq', [
        '-k',
        `--conf-file=${dnsmasqConfig(dir, files)}`,
        '--log-facility=-',
      ]);
      await new Promise((r) => setTimeout(r, 500));
    }
    const boot = await bootVm(lab, {
      firmware,
      ns: net.lan,
      tap: net.tap,
      mac: VM_MAC,
      work: dir,
      timeoutMs: 180_000,
      serverLog: () => `${srv.stdout()}\n${srv.stderr()}`,
    });
    if (boot.sha256 !== files.squashSha256)
      throw new Error(`${server} ${firmware}: wrong squashfs digest`);
    process.stdout.write(
      `  ${server} ${firmware} milestones (s): ${Object.entries(boot.milestones)
        .map(([k, v]) => `${k}=${(v / 1000).toFixed(1)}`)
        .join(' ')}\n`,
    );
    return boot.markerMs;
  } finally {
    await lab.dispose();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('Run as root (network namespaces, tap devices).');
  const work = mkdtempSync(join(tmpdir(), 'labboot-bench-pxe-'));
  try {
    const files = await prepareFiles(work, false);
    const times: Record<string, number[]> = {};
    for (let n = 0; n < rounds; n++) {
      for (const firmware of firmwares) {
        // Alternate which server goes first so load drift on the shared machine hits both alike.
        const order: Server[] = n % 2 === 0 ? ['labboot', 'dnsmasq'] : ['dnsmasq', 'labboot'];
        for (const server of order) {
          const ms = await once(work, files, server, firmware, n);
          (times[`${server}-${firmware}`] ??= []).push(ms);
          process.stdout.write(
            `round ${n + 1} ${firmware} ${server}: ${(ms / 1000).toFixed(1)} s\n`,
          );
        }
      }
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      const m = Math.floor(s.length / 2);
      return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
    };
    for (const firmware of firmwares) {
      const l = median(times[`labboot-${firmware}`] ?? []);
      const d = median(times[`dnsmasq-${firmware}`] ?? []);
      process.stdout.write(
        `${firmware}: power-on to marker, median of ${rounds}: LabBoot ${(l / 1000).toFixed(1)} s, dnsmasq ${(d / 1000).toFixed(1)} s, ratio ${(l / d).toFixed(2)}x (goal <= 1.10x)\n`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

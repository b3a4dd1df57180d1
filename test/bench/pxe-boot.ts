/**
 * Benchmark: VM power-on to marker through the real `labboot serve` (DHCP + TFTP + HTTP, the
 * bundled CLI users run, on a store filled by `labboot sync`) vs through dnsmasq 2.90 for DHCP +
 * TFTP. dnsmasq hands out what LabBoot would (iPXE → LabBoot's boot.ipxe URL, UEFI → bootx64.efi,
 * BIOS → lpxelinux.0) and serves over TFTP the very bytes LabBoot served in its own rounds (the
 * bootloaders and generated configs, fetched from a `labboot serve --dhcp off` over TFTP); the
 * kernel, initrd and squashfs come from LabBoot's HTTP in both. Same store, same VM, same network;
 * the two servers alternate each round. Goal (issue 7): LabBoot ≤ 1.1× dnsmasq.
 * Run as root: `npx tsx test/bench/pxe-boot.ts [rounds=2] [bios|uefi|both=both]`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeDnsmasqConf } from '../helpers/netns/dnsmasq-conf';
import { NetnsLab, type LabProcess } from '../helpers/netns/netns-lab';
import { SERVER_IP, VM_MAC, buildLan, routerConfig } from '../e2e/pxe/lab';
import { bootVm, type Firmware } from '../e2e/pxe/qemu';
import { startServe } from '../e2e/pxe/serve-process';
import { syncLabStore } from '../e2e/pxe/store-image';
import { assertQuietMachine } from './load-guard';

type Server = 'labboot' | 'dnsmasq';

const rounds = Math.max(1, Math.min(10, Number(process.argv[2] ?? 2)));
const which = process.argv[3] ?? 'both';
const firmwares: Firmware[] =
  which === 'bios' ? ['bios'] : which === 'uefi' ? ['uefi'] : ['bios', 'uefi'];
const IMAGE = 'ubuntu/jammy/amd64';
const RANGE = ['10.77.0.50', '10.77.0.60'] as const;
/** LabBoot's TFTP port while dnsmasq holds 69 in the dnsmasq rounds. */
const LABBOOT_SIDE_TFTP_PORT = 1069;

/** TFTP names and sizes LabBoot served per firmware in its rounds: what dnsmasq must serve too. */
const servedOverTftp = new Map<Firmware, Map<string, number>>();

interface TftpEvent {
  protocol: string;
  file?: string;
  outcome?: string;
  bytes?: number;
}

/** tftpFilesOf reads the files a `labboot --json serve` sent, from its NDJSON event lines. */
function tftpFilesOf(stdout: string): [string, number][] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as TftpEvent)
    .filter((e) => e.protocol === 'tftp' && e.outcome === 'complete' && e.file !== undefined)
    .map((e) => [(e.file ?? '').replace(/^\/+/, ''), e.bytes ?? 0]);
}

/**
 * dnsmasqConfig mirrors LabBoot's full-mode boot choices (`defaultTargets`): iPXE gets LabBoot's
 * script URL, UEFI x64 the shim, BIOS lpxelinux.0; TFTP from `tftpRoot`.
 */
function dnsmasqConfig(dir: string, tftpRoot: string): string {
  const conf = join(dir, 'dnsmasq-srv.conf');
  writeDnsmasqConf(conf, join(dir, 'srv.leases'), [
    'enable-tftp',
    `tftp-root=${tftpRoot}`,
    'dhcp-authoritative',
    `dhcp-range=${RANGE[0]},${RANGE[1]},255.255.255.0,1h`,
    'dhcp-userclass=set:ipxe,iPXE',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
    `dhcp-boot=tag:ipxe,http://${SERVER_IP}:5248/boot.ipxe`,
    'dhcp-boot=tag:!ipxe,tag:efi64,bootx64.efi',
    'dhcp-boot=tag:!ipxe,tag:!efi64,lpxelinux.0',
  ]);
  writeFileSync(join(dir, 'srv.leases'), '');
  return conf;
}

/**
 * copyServedFiles fetches each file from LabBoot's TFTP inside `ns` into `root`, byte for byte, and
 * checks it has the size LabBoot sent during its boot.
 */
function copyServedFiles(ns: string, files: ReadonlyMap<string, number>, root: string): void {
  for (const [name, bytes] of files) {
    const out = join(root, name);
    mkdirSync(dirname(out), { recursive: true });
    // GRUB's module lists that a store lacks are answered empty; curl cannot fetch an empty file.
    if (bytes === 0) {
      writeFileSync(out, '');
      continue;
    }
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        ns,
        'curl',
        '-sSf',
        '--max-time',
        '30',
        '-o',
        out,
        `tftp://${SERVER_IP}:${LABBOOT_SIDE_TFTP_PORT}/${name}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    if (statSync(out).size !== bytes)
      throw new Error(
        `${name}: LabBoot sent ${bytes} bytes in its boot, ${statSync(out).size} now`,
      );
  }
}

async function once(
  work: string,
  dataDir: string,
  squashSha256: string,
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
    let serve: LabProcess;
    if (server === 'labboot') {
      serve = await startServe(
        lab,
        net.srv,
        dataDir,
        ['--interface', net.srvIf, '--dhcp', 'full', '--range', RANGE.join('-'), '--boot', IMAGE],
        { json: true },
      );
    } else {
      const names = servedOverTftp.get(firmware);
      if (names === undefined)
        throw new Error(`no LabBoot ${firmware} round ran before the dnsmasq one`);
      serve = await startServe(lab, net.srv, dataDir, [
        '--address',
        SERVER_IP,
        '--dhcp',
        'off',
        '--tftp-port',
        String(LABBOOT_SIDE_TFTP_PORT),
        '--boot',
        IMAGE,
      ]);
      const tftpRoot = join(dir, 'tftp');
      mkdirSync(tftpRoot, { recursive: true });
      copyServedFiles(net.srv, names, tftpRoot);
      const dnsmasq = lab.run(net.srv, 'dnsmasq', [
        '-k',
        `--conf-file=${dnsmasqConfig(dir, tftpRoot)}`,
        '--log-facility=-',
      ]);
      await new Promise((r) => setTimeout(r, 500));
      if (dnsmasq.child.exitCode !== null) throw new Error(`dnsmasq: ${dnsmasq.stderr()}`);
    }
    const boot = await bootVm(lab, {
      firmware,
      ns: net.lan,
      tap: net.tap,
      mac: VM_MAC,
      work: dir,
      timeoutMs: 180_000,
      serverLog: () => `${serve.stdout()}\n${serve.stderr()}`,
    });
    if (boot.sha256 !== squashSha256)
      throw new Error(`${server} ${firmware}: wrong squashfs digest`);
    if (server === 'labboot') {
      const files = servedOverTftp.get(firmware) ?? new Map<string, number>();
      for (const [name, bytes] of tftpFilesOf(serve.stdout())) files.set(name, bytes);
      servedOverTftp.set(firmware, files);
    }
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

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

async function main(): Promise<void> {
  assertQuietMachine();
  if (process.getuid?.() !== 0) throw new Error('Run as root (network namespaces, tap devices).');
  const work = mkdtempSync(join(tmpdir(), 'labboot-bench-pxe-'));
  try {
    const dataDir = join(work, 'data');
    const squashfs = await syncLabStore(work, dataDir);
    const times: Record<string, number[]> = {};
    for (let n = 0; n < rounds; n++) {
      for (const firmware of firmwares) {
        // Alternate which server goes first so load drift on the shared machine hits both alike;
        // LabBoot goes first in round 1, so dnsmasq knows which files LabBoot serves.
        const order: Server[] = n % 2 === 0 ? ['labboot', 'dnsmasq'] : ['dnsmasq', 'labboot'];
        for (const server of order) {
          const ms = await once(work, dataDir, squashfs.sha256, server, firmware, n);
          (times[`${server}-${firmware}`] ??= []).push(ms);
          process.stdout.write(
            `round ${n + 1} ${firmware} ${server}: ${(ms / 1000).toFixed(1)} s\n`,
          );
        }
      }
    }
    for (const firmware of firmwares) {
      process.stdout.write(
        `${firmware}: dnsmasq served LabBoot's TFTP files ${[...(servedOverTftp.get(firmware)?.keys() ?? [])].join(', ') || '(none: all over HTTP)'}\n`,
      );
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

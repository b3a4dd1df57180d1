/**
 * Benchmark: VM power-on to marker per boot variant through the real `labboot serve` (DHCP + TFTP +
 * HTTP, the bundled CLI users run, on a store filled by `labboot sync`) vs through dnsmasq 2.90 for
 * DHCP + TFTP. dnsmasq hands out what LabBoot would (iPXE → LabBoot's boot.ipxe URL, UEFI PXE →
 * bootx64.efi, UEFI HTTP Boot → LabBoot's bootx64.efi URL with `HTTPClient`, BIOS → lpxelinux.0)
 * and serves over TFTP the very bytes LabBoot served in its own rounds (the bootloaders and
 * generated configs, fetched from a `labboot serve --dhcp off` over TFTP); the kernel, initrd and
 * squashfs come from LabBoot's HTTP in both. Same store, same VM, same network; the two servers
 * alternate each round. Variants dnsmasq cannot serve the same way (proxyDHCP beside the router)
 * run through LabBoot only, and the output says so. Goals: LabBoot ≤ 1.1× dnsmasq; UEFI beside the
 * router ≤ 1.3× BIOS beside the router.
 * Run as root: `npx tsx test/bench/pxe-boot.ts [rounds=2] [all|VARIANT,VARIANT…]`, variants:
 * bios-full, uefi-full, uefi-http-full, uefi-sb-full, bios-proxy, uefi-proxy.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, type LabProcess } from '../helpers/netns/netns-lab';
import { VM_MAC, buildLan, routerConfig } from '../e2e/pxe/lab';
import { bootVm, type Firmware } from '../e2e/pxe/qemu';
import { startServe } from '../e2e/pxe/serve-process';
import { syncLabStore, type LabGrub } from '../e2e/pxe/store-image';
import { startDnsmasqBeside, tftpFilesOf } from './dnsmasq-pxe';
import { assertQuietMachine } from './load-guard';

type Server = 'labboot' | 'dnsmasq';

/** One way a machine boots: its firmware, the DHCP mode, the store's GRUB, and dnsmasq's part. */
interface Variant {
  readonly name: string;
  readonly firmware: Firmware;
  readonly mode: 'full' | 'proxy';
  readonly grub: LabGrub;
  /** Why dnsmasq is not compared, when it is not. */
  readonly noDnsmasq?: string;
}

const VARIANTS: readonly Variant[] = [
  { name: 'bios-full', firmware: 'bios', mode: 'full', grub: 'http' },
  { name: 'uefi-full', firmware: 'uefi', mode: 'full', grub: 'http' },
  { name: 'uefi-http-full', firmware: 'uefi-http', mode: 'full', grub: 'http' },
  { name: 'uefi-sb-full', firmware: 'uefi-sb', mode: 'full', grub: 'signed' },
  {
    name: 'bios-proxy',
    firmware: 'bios',
    mode: 'proxy',
    grub: 'http',
    noDnsmasq:
      'the dnsmasq rounds here run full DHCP; beside a router this is the reference for the UEFI time',
  },
  {
    name: 'uefi-proxy',
    firmware: 'uefi-http',
    mode: 'proxy',
    grub: 'http',
    noDnsmasq:
      "dnsmasq's proxyDHCP knows only PXEClient requests (no HTTPClient anywhere in dnsmasq 2.90), so it cannot offer the HTTP Boot URI beside a router",
  },
];

const rounds = Math.max(1, Math.min(10, Number(process.argv[2] ?? 2)));
const which = process.argv[3] ?? 'all';
const variants =
  which === 'all' ? VARIANTS : VARIANTS.filter((v) => which.split(',').includes(v.name));
if (variants.length === 0)
  throw new Error(`no variant named ${which}; use all or ${VARIANTS.map((v) => v.name).join(',')}`);
const IMAGE = 'ubuntu/jammy/amd64';
const RANGE = ['10.77.0.50', '10.77.0.60'] as const;

/** TFTP names and sizes LabBoot served per variant in its rounds: what dnsmasq must serve too. */
const servedOverTftp = new Map<string, Map<string, number>>();

async function once(
  work: string,
  store: { dataDir: string; squashSha256: string },
  server: Server,
  v: Variant,
  n: number,
): Promise<number> {
  const lab = new NetnsLab('bn');
  const dir = join(work, `${server}-${v.name}-${n}`);
  mkdirSync(dir, { recursive: true });
  try {
    const net = buildLan(lab);
    // Beside a router (proxy variants) the router hands out the addresses; else it only sends RAs.
    const router = routerConfig(dir, v.mode === 'proxy');
    lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
    let serve: LabProcess;
    if (server === 'labboot') {
      serve = await startServe(
        lab,
        net.srv,
        store.dataDir,
        [
          '--interface',
          net.srvIf,
          '--dhcp',
          v.mode,
          ...(v.mode === 'full' ? ['--range', RANGE.join('-')] : []),
          '--boot',
          IMAGE,
        ],
        { json: true },
      );
    } else {
      const names = servedOverTftp.get(v.name);
      if (names === undefined)
        throw new Error(`no LabBoot ${v.name} round ran before the dnsmasq one`);
      serve = (await startDnsmasqBeside(lab, net.srv, store.dataDir, dir, IMAGE, names, RANGE))
        .labboot;
    }
    const boot = await bootVm(lab, {
      firmware: v.firmware,
      ns: net.lan,
      tap: net.tap,
      mac: VM_MAC,
      work: dir,
      timeoutMs: 240_000,
      serverLog: () => `${serve.stdout()}\n${serve.stderr()}`,
    });
    if (boot.sha256 !== store.squashSha256)
      throw new Error(`${server} ${v.name}: wrong squashfs digest`);
    if (v.firmware === 'uefi-sb' && !boot.secureBoot)
      throw new Error(`${server} ${v.name}: the kernel did not report Secure Boot on`);
    if (server === 'labboot') {
      const files = servedOverTftp.get(v.name) ?? new Map<string, number>();
      for (const [name, bytes] of tftpFilesOf(serve.stdout())) files.set(name, bytes);
      servedOverTftp.set(v.name, files);
    }
    process.stdout.write(
      `  ${server} ${v.name} milestones (s): ${Object.entries(boot.milestones)
        .map(([k, ms]) => `${k}=${(ms / 1000).toFixed(1)}`)
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

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  assertQuietMachine();
  if (process.getuid?.() !== 0) throw new Error('Run as root (network namespaces, tap devices).');
  const work = mkdtempSync(join(tmpdir(), 'labboot-bench-pxe-'));
  try {
    // One store per GRUB the chosen variants need (the Secure Boot one carries Debian's signed GRUB).
    const stores = new Map<LabGrub, { dataDir: string; squashSha256: string }>();
    for (const grub of new Set(variants.map((v) => v.grub))) {
      const dataDir = join(work, `data-${grub}`);
      const squashfs = await syncLabStore(work, dataDir, grub);
      stores.set(grub, { dataDir, squashSha256: squashfs.sha256 });
    }
    const times: Record<string, number[]> = {};
    for (let n = 0; n < rounds; n++) {
      for (const v of variants) {
        const store = stores.get(v.grub);
        if (store === undefined) throw new Error(`no store for ${v.name}`);
        // Alternate which server goes first so load drift on the shared machine hits both alike;
        // LabBoot goes first in round 1, so dnsmasq knows which files LabBoot serves.
        const both: Server[] = n % 2 === 0 ? ['labboot', 'dnsmasq'] : ['dnsmasq', 'labboot'];
        for (const server of v.noDnsmasq === undefined ? both : (['labboot'] as const)) {
          const ms = await once(work, store, server, v, n);
          (times[`${server}-${v.name}`] ??= []).push(ms);
          process.stdout.write(`round ${n + 1} ${v.name} ${server}: ${seconds(ms)}\n`);
        }
      }
    }
    for (const v of variants) {
      const l = median(times[`labboot-${v.name}`] ?? []);
      if (v.noDnsmasq !== undefined) {
        process.stdout.write(
          `${v.name}: power-on to marker, median of ${rounds}: LabBoot ${seconds(l)}; dnsmasq not compared: ${v.noDnsmasq}\n`,
        );
        continue;
      }
      process.stdout.write(
        `${v.name}: dnsmasq served LabBoot's TFTP files ${[...(servedOverTftp.get(v.name)?.keys() ?? [])].join(', ') || '(none: all over HTTP)'}\n`,
      );
      const d = median(times[`dnsmasq-${v.name}`] ?? []);
      process.stdout.write(
        `${v.name}: power-on to marker, median of ${rounds}: LabBoot ${seconds(l)}, dnsmasq ${seconds(d)}, ratio ${(l / d).toFixed(2)}x (goal <= 1.10x)\n`,
      );
    }
    const uefiProxy = times['labboot-uefi-proxy'];
    const biosProxy = times['labboot-bios-proxy'];
    if (uefiProxy !== undefined && biosProxy !== undefined) {
      const u = median(uefiProxy);
      const b = median(biosProxy);
      process.stdout.write(
        `beside a router: UEFI by HTTP Boot ${seconds(u)}, BIOS ${seconds(b)}, ratio ${(u / b).toFixed(2)}x (goal <= 1.30x)\n`,
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

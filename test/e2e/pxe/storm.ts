/**
 * Many PXE clients at once on one lab LAN: BIOS (SeaBIOS + iPXE ROM, e1000) and UEFI (OVMF PXE,
 * virtio-net) VMs spawned in one tight loop, each timed from its spawn to the marker on its serial
 * console; then the checks a storm needs: every MAC's boot-log timeline is its own (no TFTP or HTTP
 * row from its address carries another MAC), and the event-loop delay summary `labboot serve`
 * prints when it stops. Shared by the 5-client e2e test and the many-clients benchmark.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLab } from '../../helpers/netns/netns-lab';
import { runBundledCli } from '../../helpers/run-bundled-cli';
import { bootVm } from './qemu';

/**
 * The firmware a storm client boots with: BIOS iPXE ROM, OVMF's own PXE (arch 7), or OVMF's HTTP
 * Boot (arch 16), the UEFI road beside a home router.
 */
export type StormFirmware = 'bios' | 'uefi' | 'uefi-http';

/** One VM of a storm. */
export interface StormClient {
  readonly mac: string;
  readonly firmware: StormFirmware;
  readonly tap: string;
}

/** What one client's boot came to. */
export interface ClientBoot {
  readonly client: StormClient;
  /** When its QEMU was spawned (epoch milliseconds). */
  readonly spawnedAt: number;
  /** Spawn to marker, when it got there. */
  readonly ms?: number;
  /** Spawn to the first sight of each boot stage on its console (qemu.ts), in milliseconds. */
  readonly milestones?: Readonly<Record<string, number>>;
  /** The first line of why it did not. */
  readonly error?: string;
  /** Why it did not, with the tails of its serial console and the server's log. */
  readonly errorDetail?: string;
}

/**
 * Guest RAM per firmware: 256 MiB is enough for iPXE; GRUB under OVMF runs out of memory loading
 * the kernel with 256 MiB, so UEFI machines get 512.
 */
export const STORM_MEMORY_MIB: Readonly<Record<StormFirmware, number>> = {
  bios: 256,
  uefi: 512,
  'uefi-http': 512,
};

const hex = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * stormClients gives each tap a client with MAC `52:54:00:77:GROUP:NN`, BIOS and UEFI alternating
 * (BIOS first, so an odd count has one BIOS more); `uefi` says how the UEFI ones boot.
 */
export function stormClients(
  taps: readonly string[],
  group: number,
  uefi: 'uefi' | 'uefi-http' = 'uefi',
): StormClient[] {
  return taps.map((tap, i) => ({
    mac: `52:54:00:77:${hex(group)}:${hex(i + 1)}`,
    firmware: i % 2 === 0 ? 'bios' : uefi,
    tap,
  }));
}

/** How the storm's VMs run. */
export interface BootTogetherOptions {
  /** Folder under which each client gets its own (serial log, OVMF vars, command line). */
  readonly work: string;
  /** Per-VM limit, from its spawn. */
  readonly timeoutMs: number;
  readonly serverLog?: () => string;
}

/**
 * bootTogether spawns every client's QEMU in one synchronous loop (bootVm spawns before its first
 * await), so all are powered on within milliseconds, then waits for each one's marker, failure or
 * timeout. Every VM is stopped by bootVm itself, whatever happens.
 */
export async function bootTogether(
  lab: NetnsLab,
  ns: string,
  clients: readonly StormClient[],
  o: BootTogetherOptions,
): Promise<ClientBoot[]> {
  // Folders first, so the spawn loop does nothing else.
  const dirs = clients.map((c) => join(o.work, c.mac.replaceAll(':', '')));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const spawned: number[] = [];
  const runs = clients.map((c, i) => {
    spawned.push(Date.now());
    return bootVm(lab, {
      firmware: c.firmware,
      ns,
      tap: c.tap,
      mac: c.mac,
      work: dirs[i]!,
      timeoutMs: o.timeoutMs,
      memoryMiB: STORM_MEMORY_MIB[c.firmware],
      serverLog: o.serverLog,
    });
  });
  const settled = await Promise.allSettled(runs);
  return settled.map((s, i): ClientBoot => {
    const client = clients[i]!;
    if (s.status === 'fulfilled')
      return {
        client,
        spawnedAt: s.value.startedAt,
        ms: s.value.markerMs,
        milestones: s.value.milestones,
      };
    const why = s.reason instanceof Error ? s.reason.message : String(s.reason);
    return { client, spawnedAt: spawned[i]!, error: why.split('\n')[0] ?? why, errorDetail: why };
  });
}

/** spawnSpreadMs is how far apart the first and last VM were powered on. */
export function spawnSpreadMs(boots: readonly ClientBoot[]): number {
  const at = boots.map((b) => b.spawnedAt);
  return at.length === 0 ? 0 : Math.max(...at) - Math.min(...at);
}

/**
 * clientLines prints one line per client: MAC, firmware and seconds (or why it failed), then the
 * seconds at which each boot stage showed on its console.
 */
export function clientLines(boots: readonly ClientBoot[], indent = '  '): string {
  const stages = (b: ClientBoot): string =>
    Object.entries(b.milestones ?? {})
      .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}`)
      .join(', ');
  return boots
    .map(
      (b) =>
        `${indent}${b.client.mac} ${b.client.firmware.padEnd(9)} ${
          b.ms === undefined
            ? `FAILED: ${b.error ?? 'unknown'}`
            : `${(b.ms / 1000).toFixed(1)} s (${stages(b)})`
        }\n`,
    )
    .join('');
}

/** One boot-log row as `labboot --json log` prints it. */
export interface LogRow {
  readonly at: number;
  readonly mac: string | null;
  readonly clientIp: string | null;
  readonly protocol: string;
  readonly stage: string;
  readonly detail: string;
}

interface LogLine {
  at: string;
  mac?: string | null;
  clientIp?: string | null;
  protocol: string;
  stage: string;
  detail: string;
}

/** readBootLog reads the whole stored boot log of `dataDir` through the bundled `labboot log`. */
export async function readBootLog(dataDir: string): Promise<LogRow[]> {
  const r = await runBundledCli(['--data', dataDir, '--json', 'log', '--limit', '100000'], 60_000);
  if (r.status !== 0) throw new Error(`labboot log failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine)
    .map((l) => ({
      at: Date.parse(l.at),
      mac: l.mac ?? null,
      clientIp: l.clientIp ?? null,
      protocol: l.protocol,
      stage: l.stage,
      detail: l.detail,
    }));
}

/** What the boot log shows for a storm's clients. */
export interface TimelineVerdict {
  /** MACs whose timeline is whole and their own. */
  readonly own: readonly string[];
  /** The address DHCP gave each MAC that got one. */
  readonly addresses: ReadonlyMap<string, string>;
  /** Everything wrong, one sentence each. */
  readonly faults: readonly string[];
}

const isAddress = (ip: string | null): ip is string => ip !== null && ip !== '0.0.0.0';

/**
 * checkTimelines judges the rows written since the storm began. Each MAC needs an address (from
 * its DHCP steps, or `leased`) and a DHCP step first, then its kernel and initrd over HTTP (TFTP
 * steps allowed between), all carrying its MAC; no two MACs may share an address; and every TFTP
 * or HTTP row from a client's address must carry that client's MAC (none another's, none
 * unattributed).
 */
export function checkTimelines(
  rows: readonly LogRow[],
  macs: readonly string[],
  sinceMs: number,
  /**
   * Who really holds which address, when another server leased them (a router's lease file, in
   * proxy mode): LabBoot sees only REQUESTs there, and a machine the router NAKs asked last.
   */
  leased?: ReadonlyMap<string, string>,
): TimelineVerdict {
  const recent = rows.filter((r) => r.at >= sinceMs);
  const faultsOf = new Map<string, string[]>(macs.map((m) => [m, []]));
  const fault = (mac: string, why: string): void => void faultsOf.get(mac)?.push(why);
  const addresses = new Map<string, string>();
  const byIp = new Map<string, string>();
  for (const mac of macs) {
    const ip =
      leased === undefined
        ? recent
            .filter((r) => r.mac === mac && r.protocol === 'dhcp')
            .map((r) => r.clientIp)
            .findLast(isAddress)
        : leased.get(mac);
    if (ip === undefined) continue;
    addresses.set(mac, ip);
    const other = byIp.get(ip);
    if (other !== undefined) fault(mac, `${mac} and ${other} both got ${ip}.`);
    byIp.set(ip, mac);
  }
  for (const r of recent) {
    if (r.protocol === 'dhcp' || r.clientIp === null) continue;
    const owner = byIp.get(r.clientIp);
    if (owner !== undefined && r.mac !== owner)
      fault(
        owner,
        `${r.protocol} ${r.stage} "${r.detail}" from ${r.clientIp} (${owner}) is attributed to ${r.mac ?? 'no MAC'}.`,
      );
  }
  for (const mac of macs) {
    const mine = recent.filter((r) => r.mac === mac);
    const steps = mine.map((r) => `${r.protocol}:${r.stage}`).join(' ');
    const sent = (file: string): boolean =>
      mine.some((r) => r.protocol === 'http' && r.stage === 'http-sent' && r.detail.includes(file));
    if (!addresses.has(mac))
      fault(
        mac,
        `${mac} has no ${leased === undefined ? 'DHCP step with an address' : 'lease from the router'}: ${steps}.`,
      );
    else if (mine[0]?.protocol !== 'dhcp') fault(mac, `${mac} does not start with DHCP: ${steps}.`);
    else if (!sent('boot-kernel') || !sent('boot-initrd'))
      fault(mac, `${mac} has no kernel and initrd over HTTP in its timeline: ${steps}.`);
  }
  return {
    own: macs.filter((m) => faultsOf.get(m)?.length === 0),
    addresses,
    faults: [...faultsOf.values()].flat(),
  };
}

/** The event-loop delay summary `labboot serve` writes to stderr when it stops. */
export interface LoopDelaySummary {
  readonly line: string;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly bootEvents: number;
  readonly writes: number;
  /** Samples at ≤1, ≤5, ≤20, ≤50 and >50 ms. */
  readonly histogram: readonly [number, number, number, number, number];
}

const summaryPattern =
  /event loop delay over (\d+) s: p50 ([\d.]+) ms, p99 ([\d.]+) ms, max ([\d.]+) ms; boot events (\d+) in (\d+) writes; histogram <=1ms (\d+), <=5ms (\d+), <=20ms (\d+), <=50ms (\d+), >50ms (\d+)/;

/** parseLoopDelaySummary finds the summary line in serve's stderr; undefined when there is none. */
export function parseLoopDelaySummary(stderr: string): LoopDelaySummary | undefined {
  const m = summaryPattern.exec(stderr);
  if (m === null) return undefined;
  const n = (i: number): number => Number(m[i]);
  return {
    line: m[0],
    seconds: n(1),
    p50Ms: n(2),
    p99Ms: n(3),
    maxMs: n(4),
    bootEvents: n(5),
    writes: n(6),
    histogram: [n(7), n(8), n(9), n(10), n(11)],
  };
}

/**
 * fetchedMs is, per client, its spawn to the end of the last of its kernel and initrd downloads,
 * read from the server's boot log by the address the client had (from `addressOf`): what the issue
 * times ("load the bootloader and fetch kernel + initrd"), without the guest kernel's own boot,
 * which under TCG is CPU the server cannot help. Only rows between the client's spawn and its
 * marker (or `untilMs` after spawn) count, so an address used by an earlier client is not mixed in.
 */
export function fetchedMs(
  rows: readonly LogRow[],
  boots: readonly ClientBoot[],
  addressOf: ReadonlyMap<string, string>,
  untilMs: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of boots) {
    const ip = addressOf.get(b.client.mac);
    if (ip === undefined) continue;
    const end = b.spawnedAt + (b.ms ?? untilMs);
    const done = (file: string): number | undefined =>
      rows.find(
        (r) =>
          r.clientIp === ip &&
          r.at >= b.spawnedAt &&
          r.at <= end &&
          r.protocol === 'http' &&
          r.stage === 'http-sent' &&
          r.detail.includes(file),
      )?.at;
    const kernel = done('boot-kernel');
    const initrd = done('boot-initrd');
    if (kernel !== undefined && initrd !== undefined)
      out.set(b.client.mac, Math.max(kernel, initrd) - b.spawnedAt);
  }
  return out;
}

/** dnsmasqAddresses reads MAC → address from a dnsmasq lease file (`expiry mac ip host id`). */
export function dnsmasqAddresses(leases: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of leases.split('\n')) {
    const [, mac, ip] = line.trim().split(/\s+/);
    if (mac !== undefined && ip !== undefined) out.set(mac.toLowerCase(), ip);
  }
  return out;
}

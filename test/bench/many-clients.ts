/**
 * Benchmark: many PXE clients powered on in the same second. For each server — the bundled
 * `labboot serve --dhcp full` on a store filled by `labboot sync`, and dnsmasq for DHCP + TFTP
 * serving the very files LabBoot served (dnsmasq-pxe.ts; kernel and initrd from LabBoot's HTTP in
 * both; no ping check, as LabBoot has none) — one client boots alone per firmware (the baseline),
 * then N clients (BIOS iPXE ROM and OVMF PXE, half and half) are spawned in one tight loop on one
 * LAN bridge. Each client's time is its spawn to the marker of a marker-only initramfs on its
 * serial console. Prints per-client
 * times, median and max, max/single (goal <= 3x), how many booted, the labboot/dnsmasq ratio of
 * the storm's median and max, serve's event-loop delay summary, and whether every MAC's boot-log
 * timeline is its own. The servers alternate order per round (LabBoot first in round 1, so
 * dnsmasq knows which files to serve). `--proxy` runs LabBoot beside a home router handing the
 * addresses (UEFI machines boot by HTTP Boot there); dnsmasq is not compared then, since its
 * proxyDHCP cannot offer HTTP Boot. The router is dnsmasq as it comes, so before offering a new
 * address it pings it and handles no other DHCP for up to 3 s: with many machines at once, some
 * give up before the router answers them, whatever LabBoot does. `--router-no-ping` turns that
 * check off, to see LabBoot's side alone.
 * Run as root after `npx electron-vite build`:
 * `npx tsx test/bench/many-clients.ts [clients=20] [rounds=1] [--proxy [--router-no-ping]]
 * [--loaded]`; `--loaded` reports even when other work loads the machine (figures are then upper
 * bounds).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, type LabProcess } from '../helpers/netns/netns-lab';
import { buildLan, clientTaps, routerConfig } from '../e2e/pxe/lab';
import { buildMarkerOnlyInitramfs } from '../e2e/pxe/payloads';
import { startServe } from '../e2e/pxe/serve-process';
import { syncLabStore } from '../e2e/pxe/store-image';
import {
  bootTogether,
  checkTimelines,
  clientLines,
  dnsmasqAddresses,
  fetchedMs,
  parseLoopDelaySummary,
  readBootLog,
  spawnSpreadMs,
  stormClients,
  type ClientBoot,
  type StormFirmware,
} from '../e2e/pxe/storm';
import { boundedCount, median, pairedRatio, roundOrder } from './bench-stats';
import { startDnsmasqBeside, tftpFilesOf } from './dnsmasq-pxe';
import { assertQuietMachine, quietMachineVerdict } from './load-guard';
import { refuseWithoutBundle } from './served-image';

type Server = 'labboot' | 'dnsmasq';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const clients = boundedCount(positional[0], 20, 1, 40);
const rounds = boundedCount(positional[1], 1, 1, 5);
const proxy = process.argv.includes('--proxy');
const loaded = process.argv.includes('--loaded');
const routerNoPing = process.argv.includes('--router-no-ping');
const IMAGE = 'ubuntu/jammy/amd64';
const RANGE = ['10.77.0.100', '10.77.0.179'] as const;
/** Per VM, from its spawn: TCG on a loaded 2-core machine is slow, but a stuck client must end. */
const SINGLE_TIMEOUT_MS = 300_000;
const STORM_TIMEOUT_MS = 600_000;
/** MAC groups: the baseline clients and the storm's clients, the same in every round and server. */
const SINGLE_GROUP = 0x40;
const STORM_GROUP = 0x41;
const uefiRoad = proxy ? 'uefi-http' : 'uefi';

/** TFTP names and sizes LabBoot served: what dnsmasq must serve too. */
const servedOverTftp = new Map<string, number>();

/** What one server's turn in a round measured. */
interface Turn {
  readonly single: ReadonlyMap<StormFirmware, number>;
  readonly storm: readonly ClientBoot[];
  /** Spawn to kernel + initrd fetched: the lone client per firmware, and each storm client. */
  readonly singleFetched: ReadonlyMap<StormFirmware, number>;
  readonly stormFetched: ReadonlyMap<string, number>;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const ratio = (x: number): string => `${x.toFixed(2)}x`;

/** A running server: LabBoot (the server, or HTTP only beside dnsmasq) and dnsmasq if any. */
interface Running {
  readonly labboot: LabProcess;
  readonly dnsmasq?: LabProcess;
}

/** startServer starts LabBoot, or dnsmasq beside a `labboot serve --dhcp off` for HTTP. */
async function startServer(
  lab: NetnsLab,
  net: ReturnType<typeof buildLan>,
  server: Server,
  dataDir: string,
  dir: string,
): Promise<Running> {
  if (server === 'labboot') {
    const labboot = await startServe(
      lab,
      net.srv,
      dataDir,
      [
        '--interface',
        net.srvIf,
        '--dhcp',
        proxy ? 'proxy' : 'full',
        ...(proxy ? [] : ['--range', RANGE.join('-')]),
        '--boot',
        IMAGE,
      ],
      { json: true },
    );
    return { labboot };
  }
  // Like for like: LabBoot's full mode offers without pinging the address first, so its peer
  // does too (dnsmasq's ping check holds all its DHCP up to 3 s per new address).
  return startDnsmasqBeside(lab, net.srv, dataDir, dir, IMAGE, servedOverTftp, RANGE, [
    '--no-ping',
  ]);
}

/**
 * stopServer stops dnsmasq and LabBoot by SIGTERM (as Ctrl-C) and keeps the TFTP files LabBoot
 * sent when it was the server.
 */
async function stopServer(lab: NetnsLab, server: Server, running: Running): Promise<void> {
  if (running.dnsmasq !== undefined) await lab.stop(running.dnsmasq, 5_000);
  await lab.stop(running.labboot, 15_000);
  if (server === 'labboot')
    for (const [name, bytes] of tftpFilesOf(running.labboot.stdout()))
      servedOverTftp.set(name, bytes);
}

/**
 * A bare Node process that only samples its own event-loop delay, as serve does, from the storm's
 * start to its end: delays it sees too come from the machine (the VMs and other work taking the
 * cores), not from anything LabBoot does.
 */
const controlScript = `
const { monitorEventLoopDelay } = require('node:perf_hooks');
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
const t0 = Date.now();
setInterval(() => {}, 1000);
process.on('SIGTERM', () => {
  h.disable();
  // As serve reports it: the delay beyond the sampling interval.
  const ms = (ns) => Math.max(0, ns / 1e6 - 10).toFixed(1);
  process.stdout.write('control (a bare node process at the same priority): event loop delay over ' +
    Math.round((Date.now() - t0) / 1000) + ' s: p50 ' + ms(h.percentile(50)) + ' ms, p99 ' +
    ms(h.percentile(99)) + ' ms, max ' + ms(h.max) + ' ms\\n');
  process.exit(0);
});
`;

/** turn runs one server's baseline boots and its storm on a fresh lab network. */
async function turn(work: string, dataDir: string, server: Server, round: number): Promise<Turn> {
  const lab = new NetnsLab('mc');
  const dir = join(work, `${server}-${round}`);
  mkdirSync(dir, { recursive: true });
  const tag = `round ${round + 1} ${server}`;
  try {
    const net = buildLan(lab);
    const taps = clientTaps(lab, net, clients);
    const router = routerConfig(dir, proxy, routerNoPing ? ['no-ping'] : []);
    lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
    // Beside a router, who holds which address is the router's to say.
    const routerLeased = (): Map<string, string> | undefined =>
      proxy ? dnsmasqAddresses(readFileSync(router.leases, 'utf8')) : undefined;

    const single = new Map<StormFirmware, number>();
    const singles: ClientBoot[] = [];
    const alone = await startServer(lab, net, server, dataDir, join(dir, 'single'));
    const log = (): string => `${alone.labboot.stdout()}\n${alone.labboot.stderr()}`;
    for (const c of stormClients(taps.slice(0, 2), SINGLE_GROUP, uefiRoad)) {
      const [b] = await bootTogether(lab, net.lan, [c], {
        work: join(dir, 'single'),
        timeoutMs: SINGLE_TIMEOUT_MS,
        serverLog: log,
      });
      if (b?.ms === undefined)
        throw new Error(`${tag}: the single ${c.firmware} client did not boot: ${b?.errorDetail}`);
      single.set(c.firmware, b.ms);
      singles.push(b);
      process.stdout.write(`${tag} single: ${c.mac} ${c.firmware} ${seconds(b.ms)}\n`);
    }
    await stopServer(lab, server, alone);

    const crowd = stormClients(taps, STORM_GROUP, uefiRoad);
    const running = await startServer(lab, net, server, dataDir, join(dir, 'storm'));
    const serve = running.labboot;
    const control = lab.run(net.srv, process.execPath, ['-e', controlScript]);
    const since = Date.now();
    const storm = await bootTogether(lab, net.lan, crowd, {
      work: join(dir, 'storm'),
      timeoutMs: STORM_TIMEOUT_MS,
      serverLog: () => `${serve.stdout()}\n${serve.stderr()}`,
    });
    await stopServer(lab, server, running);
    await lab.stop(control, 5_000);
    process.stdout.write(
      `${tag} storm: ${clients} clients spawned within ${spawnSpreadMs(storm)} ms\n${clientLines(storm)}`,
    );
    printStorm(tag, single, storm);
    if (server === 'labboot') {
      const summary = parseLoopDelaySummary(serve.stderr());
      process.stdout.write(
        `${tag} ${summary?.line ?? 'no loop-delay summary'}\n${tag} ${control.stdout().trim() || 'no control summary'}\n`,
      );
      const verdict = checkTimelines(
        await readBootLog(dataDir),
        crowd.map((c) => c.mac),
        since,
        routerLeased(),
      );
      process.stdout.write(
        verdict.faults.length === 0
          ? `${tag} timelines: ${verdict.own.length}/${clients} own\n`
          : `${tag} timelines: ${verdict.own.length}/${clients} own; faults:\n${verdict.faults.map((f) => `  ${f}\n`).join('')}`,
      );
    }
    for (const b of storm.filter((x) => x.errorDetail !== undefined))
      process.stdout.write(`${tag} ${b.client.mac} failed: ${b.errorDetail ?? ''}\n`);
    const fetched = await fetchTimes(dataDir, dir, server, singles, storm, routerLeased());
    printFetched(tag, fetched.singleFetched, fetched.stormFetched, storm);
    return { single, storm, ...fetched };
  } finally {
    await lab.dispose();
  }
}

/**
 * fetchTimes reads, from LabBoot's boot log (it serves HTTP beside dnsmasq too), when each client
 * had its kernel and initrd; addresses come from LabBoot's DHCP steps or dnsmasq's lease files
 * (the router's, beside one).
 */
async function fetchTimes(
  dataDir: string,
  dir: string,
  server: Server,
  singles: readonly ClientBoot[],
  storm: readonly ClientBoot[],
  routerLeased: ReadonlyMap<string, string> | undefined,
): Promise<Pick<Turn, 'singleFetched' | 'stormFetched'>> {
  const rows = await readBootLog(dataDir);
  const addresses = (phase: string, boots: readonly ClientBoot[]): Map<string, string> =>
    server === 'dnsmasq'
      ? dnsmasqAddresses(readFileSync(join(dir, phase, 'srv.leases'), 'utf8'))
      : new Map(
          checkTimelines(
            rows,
            boots.map((b) => b.client.mac),
            Math.min(...boots.map((b) => b.spawnedAt)),
            routerLeased,
          ).addresses,
        );
  const lone = fetchedMs(rows, singles, addresses('single', singles), SINGLE_TIMEOUT_MS);
  const singleFetched = new Map<StormFirmware, number>();
  for (const b of singles) {
    const ms = lone.get(b.client.mac);
    if (ms !== undefined) singleFetched.set(b.client.firmware, ms);
  }
  return {
    singleFetched,
    stormFetched: fetchedMs(rows, storm, addresses('storm', storm), STORM_TIMEOUT_MS),
  };
}

/** fetchedOverSingle is the worst storm client's fetch time over its firmware's lone one. */
function fetchedOverSingle(t: Pick<Turn, 'singleFetched' | 'stormFetched' | 'storm'>): number {
  let worst = 0;
  for (const b of t.storm) {
    const ms = t.stormFetched.get(b.client.mac);
    const alone = t.singleFetched.get(b.client.firmware);
    if (ms !== undefined && alone !== undefined) worst = Math.max(worst, ms / alone);
  }
  return worst;
}

function printFetched(
  tag: string,
  singleFetched: ReadonlyMap<StormFirmware, number>,
  stormFetched: ReadonlyMap<string, number>,
  storm: readonly ClientBoot[],
): void {
  const ms = [...stormFetched.values()];
  process.stdout.write(
    `${tag} kernel + initrd fetched (spawn to the end of the later download, from the boot log): ` +
      `single ${[...singleFetched].map(([fw, v]) => `${fw} ${seconds(v)}`).join(', ')}; ` +
      `storm ${ms.length}/${storm.length}, median ${seconds(median(ms))}, max ${seconds(Math.max(0, ...ms))}; ` +
      `max/single ${ratio(fetchedOverSingle({ singleFetched, stormFetched, storm }))} (goal <= 3x)\n`,
  );
}

/** booted is the storm's times of the clients that reached the marker. */
const booted = (storm: readonly ClientBoot[]): number[] =>
  storm.flatMap((b) => (b.ms === undefined ? [] : [b.ms]));

/**
 * maxOverSingle is the worst storm client's time over the single time of its own firmware (a BIOS
 * client against the lone BIOS boot, a UEFI one against the lone UEFI boot).
 */
function maxOverSingle(
  single: ReadonlyMap<StormFirmware, number>,
  storm: readonly ClientBoot[],
): { worst: number; per: Map<StormFirmware, number> } {
  const per = new Map<StormFirmware, number>();
  for (const b of storm) {
    const alone = single.get(b.client.firmware);
    if (b.ms === undefined || alone === undefined) continue;
    per.set(b.client.firmware, Math.max(per.get(b.client.firmware) ?? 0, b.ms / alone));
  }
  return { worst: Math.max(0, ...per.values()), per };
}

function printStorm(
  tag: string,
  single: ReadonlyMap<StormFirmware, number>,
  storm: readonly ClientBoot[],
): void {
  const ok = booted(storm);
  const { worst, per } = maxOverSingle(single, storm);
  const byFirmware = [...single.keys()]
    .map((fw) => {
      const ms = booted(storm.filter((b) => b.client.firmware === fw));
      return `${fw} median ${seconds(median(ms))}, max ${seconds(Math.max(0, ...ms))}`;
    })
    .join('; ');
  process.stdout.write(
    `${tag} storm: ${ok.length}/${storm.length} clients booted; median ${seconds(median(ok))}, max ${seconds(Math.max(0, ...ok))} (${byFirmware}); ` +
      `max/single ${ratio(worst)} (${[...per].map(([fw, r]) => `${fw} ${ratio(r)}`).join(', ')}; goal <= 3x)\n`,
  );
}

function printLoad(): void {
  if (!loaded) {
    assertQuietMachine();
    return;
  }
  const load = loadavg()[0] ?? Number.NaN;
  const v = quietMachineVerdict(load, availableParallelism());
  process.stdout.write(
    v.quiet
      ? `${v.line}\n`
      : `machine: 1-minute load average ${load.toFixed(2)} on ${availableParallelism()} core(s) (--loaded: other work competes, so the figures are upper bounds)\n`,
  );
}

async function main(): Promise<void> {
  printLoad();
  if (process.getuid?.() !== 0) throw new Error('Run as root (network namespaces, tap devices).');
  refuseWithoutBundle();
  const work = mkdtempSync(join(tmpdir(), 'labboot-bench-many-'));
  try {
    const dataDir = join(work, 'data');
    await syncLabStore(work, dataDir, 'http', buildMarkerOnlyInitramfs);
    const servers: Server[] = proxy ? ['labboot'] : ['labboot', 'dnsmasq'];
    const turns: Record<Server, Turn[]> = { labboot: [], dnsmasq: [] };
    for (let round = 0; round < rounds; round++)
      for (const server of roundOrder(servers, round))
        turns[server].push(await turn(work, dataDir, server, round));

    const all = (s: Server): ClientBoot[] => turns[s].flatMap((t) => t.storm);
    for (const s of servers) {
      const ok = booted(all(s));
      const worst = Math.max(0, ...turns[s].map((t) => maxOverSingle(t.single, t.storm).worst));
      const fetchWorst = Math.max(0, ...turns[s].map(fetchedOverSingle));
      process.stdout.write(
        `${s}: ${ok.length}/${all(s).length} clients booted over ${rounds} round(s); storm median ${seconds(median(turns[s].map((t) => median(booted(t.storm)))))}, max ${seconds(Math.max(0, ...ok))}; max/single ${ratio(worst)} to the marker, ${ratio(fetchWorst)} to kernel + initrd fetched (goal <= 3x)\n`,
      );
    }
    if (proxy) {
      process.stdout.write(
        `router: dnsmasq ${routerNoPing ? 'without' : 'with'} its ping check before each new address\n` +
          'dnsmasq not compared beside a router: its proxyDHCP knows only PXEClient requests, so it cannot offer UEFI HTTP Boot\n',
      );
      return;
    }
    // Per firmware too: a BIOS and a UEFI boot differ several-fold, so a median over the mix
    // moves with which firmware's clients happen to sit in the middle.
    const stat = (s: Server, f: (ms: number[]) => number, fw?: StormFirmware): number[] =>
      turns[s].map((t) =>
        f(booted(t.storm.filter((b) => fw === undefined || b.client.firmware === fw))),
      );
    const maxOf = (ms: number[]): number => Math.max(0, ...ms);
    const fetchedStat = (s: Server, f: (ms: number[]) => number): number[] =>
      turns[s].map((t) => f([...t.stormFetched.values()]));
    process.stdout.write(
      `storm labboot/dnsmasq kernel + initrd fetched: median ${ratio(pairedRatio(fetchedStat('labboot', median), fetchedStat('dnsmasq', median)))}, max ${ratio(pairedRatio(fetchedStat('labboot', maxOf), fetchedStat('dnsmasq', maxOf)))}\n`,
    );
    for (const fw of [undefined, 'bios', uefiRoad] as const)
      process.stdout.write(
        `storm labboot/dnsmasq${fw === undefined ? '' : ` ${fw}`}: median ${ratio(pairedRatio(stat('labboot', median, fw), stat('dnsmasq', median, fw)))}, max ${ratio(pairedRatio(stat('labboot', maxOf, fw), stat('dnsmasq', maxOf, fw)))} (booted clients; per-round ratios, median of ${rounds})\n`,
      );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

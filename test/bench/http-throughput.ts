/**
 * HTTP benchmark: the bundled `labboot serve` vs Debian's nginx serving the same file to curl on
 * loopback, side by side in one run. The file is an image's squashfs (random contents of the
 * bench's size) that `labboot sync` stored from a signed loopback mirror; LabBoot serves it under
 * the URL its iPXE script gives booting machines, and nginx serves the very same stored file
 * (hard-linked) under the same path.
 * Run: `npx electron-vite build && npx tsx test/bench/http-throughput.ts [rounds=3] [MiB=1024] [parallel=20]`
 * (as root: nginx's worker drops to `nobody`).
 * Four lines, each LabBoot vs nginx: one download of the squashfs with servers and client all
 * pinned to CPU 0; the same unpinned; `parallel` downloads at once of the image's initrd (a quarter
 * of the squashfs's size, as a rack of machines fetches it; one curl, one connection each;
 * aggregate MB/s = all bytes / wall time of the whole batch) pinned, then unpinned. The servers are started
 * once and moved between CPU sets with all their threads. The order of the servers alternates each
 * round, and the median of the rounds is reported with the ratio. Each server's bytes are
 * sha256-checked before the timed runs; timed runs write to /dev/null (a file write would dilute
 * the servers' difference) and check every byte count. Target: ≥ 1.0× nginx on every line.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir';
import { boundedCount, median, pairedRatio, roundOrder } from './bench-stats';
import { curlSha256, everyCpu, moveToCpus, pinnedCurl, startNginxPeer } from './http-peer';
import { assertQuietMachine } from './load-guard';
import {
  placeForPeer,
  refuseWithoutBundle,
  servedImagePaths,
  startLabbootServe,
  stopChildren,
  syncBenchImage,
} from './served-image';

assertQuietMachine();
refuseWithoutBundle();
const rounds = boundedCount(process.argv[2], 3, 1, 9);
const mib = boundedCount(process.argv[3], 1024, 1, 4096);
const parallel = boundedCount(process.argv[4], 20, 2, 64);
const SIZE = mib * 1024 * 1024;
/** What each of the downloads at once fetches: kept smaller so the bench stays within minutes. */
const INITRD_SIZE = Math.max(1024 * 1024, SIZE / 4);
const CPU = '0';
const children: ChildProcess[] = [];

/** One line of the report: how many downloads at once, and on which CPUs everything runs. */
interface Scenario {
  readonly label: string;
  readonly cpus: string;
  readonly downloads: number;
  readonly file: 'squashfs' | 'boot-initrd';
}

async function main(dir: string): Promise<void> {
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const stored = await syncBenchImage(dir, dataDir, {
    'boot-kernel': 1024 * 1024,
    'boot-initrd': INITRD_SIZE,
    squashfs: SIZE,
  });
  const labboot = await startLabbootServe(dataDir, CPU, children);
  const paths = await servedImagePaths(labboot.httpPort);
  const path = paths.squashfs;
  const peerRoot = join(dir, 'nginx-root');
  mkdirSync(peerRoot);
  const peerFile = placeForPeer(peerRoot, path, stored.squashfs);
  placeForPeer(peerRoot, paths['boot-initrd'], stored['boot-initrd']);
  const nginx = await startNginxPeer(dir, peerRoot, CPU, children);
  const servers = { labboot: labboot.httpPort, nginx: nginx.port };
  const pids = [labboot.child.pid ?? 0, nginx.child.pid ?? 0];
  type Name = keyof typeof servers;
  const names = Object.keys(servers) as Name[];
  const url = (name: Name, file: Scenario['file']): string =>
    `http://127.0.0.1:${servers[name]}/${paths[file]}`;
  for (const name of names) {
    for (const file of ['squashfs', 'boot-initrd'] as const) {
      if ((await curlSha256(url(name, file))) !== stored[file].sha256)
        throw new Error(`${name} served wrong bytes for the ${file}`);
    }
  }
  const all = everyCpu();
  const scenarios: Scenario[] = [
    { label: `one squashfs, pinned to CPU ${CPU}`, cpus: CPU, downloads: 1, file: 'squashfs' },
    { label: `one squashfs, unpinned (CPUs ${all})`, cpus: all, downloads: 1, file: 'squashfs' },
    {
      label: `${parallel} initrds at once, pinned to CPU ${CPU}`,
      cpus: CPU,
      downloads: parallel,
      file: 'boot-initrd',
    },
    {
      label: `${parallel} initrds at once, unpinned (CPUs ${all})`,
      cpus: all,
      downloads: parallel,
      file: 'boot-initrd',
    },
  ];
  /** Downloads `downloads` copies at once with one curl on `cpus`; aggregate MB/s. */
  const timed = async (name: Name, { cpus, downloads, file }: Scenario): Promise<number> => {
    const size = stored[file].size;
    const each = Array.from({ length: downloads }, () => [
      '-o',
      '/dev/null',
      url(name, file),
    ]).flat();
    const batch =
      downloads > 1 ? ['--parallel', '--parallel-immediate', '--parallel-max', `${downloads}`] : [];
    const r = await pinnedCurl(cpus, ['-f', ...batch, '-w', '%{size_download}\\n', ...each]);
    const sizes = r.stdout.trim().split('\n').map(Number);
    if (sizes.length !== downloads || sizes.some((n) => n !== size))
      throw new Error(`${name}: got ${r.stdout.trim().replace(/\n/g, ' ')} bytes of the ${file}`);
    return (downloads * size) / 1e6 / (r.ms / 1000);
  };
  console.log(
    `HTTP: a ${mib} MiB squashfs and a ${INITRD_SIZE / 1024 / 1024} MiB initrd stored by labboot sync, fetched by curl at /${path.split('/').slice(0, 2).join('/')}/…/squashfs and …/boot-initrd on loopback from the bundled labboot serve and from nginx (${peerFile}), median of ${rounds} rounds, order alternating, bytes sha256-checked per server (MB/s = 10^6 B/s, aggregate for several at once):`,
  );
  for (const scenario of scenarios) {
    for (const pid of pids) moveToCpus(pid, scenario.cpus);
    const mbps: Record<Name, number[]> = { labboot: [], nginx: [] };
    for (let round = 0; round < rounds; round++) {
      for (const name of roundOrder(names, round)) mbps[name].push(await timed(name, scenario));
    }
    const a = median(mbps.labboot);
    const b = median(mbps.nginx);
    // The VM is shared, so load shifts between rounds; the ratio within each round is steadier.
    const paired = pairedRatio(mbps.labboot, mbps.nginx);
    console.log(
      `  ${scenario.label.padEnd(40)} labboot ${a.toFixed(0).padStart(5)}  nginx ${b.toFixed(0).padStart(5)}  ratio ${(a / b).toFixed(2)}x  (per-round ${paired.toFixed(2)}x; goal >= 1.0x)`,
    );
  }
}

const tmp = makeTempDir('labboot-bench-http-');
try {
  await main(tmp.path);
} finally {
  await stopChildren(children);
  tmp.remove();
}

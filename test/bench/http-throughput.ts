/**
 * HTTP benchmark: the bundled `labboot serve` vs Debian's nginx serving the same file to curl on
 * loopback, side by side in one run. The file is an image's squashfs (random contents of the
 * bench's size) that `labboot sync` stored from a signed loopback mirror; LabBoot serves it under
 * the URL its iPXE script gives booting machines, and nginx serves the very same stored file
 * (hard-linked) under the same path.
 * Run: `npx electron-vite build && npx tsx test/bench/http-throughput.ts [rounds=3] [MiB=1024]`
 * (as root: nginx's worker drops to `nobody`).
 * Both servers and the client are pinned to CPU 0, the order of the servers alternates each round,
 * and the median of the rounds is reported with the ratio. Each server's bytes are sha256-checked
 * before the timed runs; timed runs write to /dev/null (a file write would dilute the servers'
 * difference) and check the byte count. Target: ≥ 0.8× nginx.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir';
import { boundedCount, median, pairedRatio, roundOrder } from './bench-stats';
import { curlSha256, pinnedCurl, startNginx } from './http-peer';
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
const SIZE = mib * 1024 * 1024;
const CPU = '0';
const children: ChildProcess[] = [];

async function main(dir: string): Promise<void> {
  chmodSync(dir, 0o755);
  const dataDir = join(dir, 'data');
  const stored = await syncBenchImage(dir, dataDir, {
    'boot-kernel': 1024 * 1024,
    'boot-initrd': 1024 * 1024,
    squashfs: SIZE,
  });
  const squashfs = stored.squashfs;
  const labboot = await startLabbootServe(dataDir, CPU, children);
  const path = (await servedImagePaths(labboot.httpPort)).squashfs;
  const peerRoot = join(dir, 'nginx-root');
  mkdirSync(peerRoot);
  const peerFile = placeForPeer(peerRoot, path, squashfs);
  const servers = {
    labboot: labboot.httpPort,
    nginx: await startNginx(dir, peerRoot, CPU, children),
  };
  type Name = keyof typeof servers;
  const url = (name: Name): string => `http://127.0.0.1:${servers[name]}/${path}`;
  for (const name of Object.keys(servers) as Name[]) {
    if ((await curlSha256(url(name))) !== squashfs.sha256)
      throw new Error(`${name} served wrong bytes`);
  }
  const mbps: Record<Name, number[]> = { labboot: [], nginx: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of roundOrder(Object.keys(servers) as Name[], round)) {
      const r = await pinnedCurl(CPU, [
        '-f',
        '-o',
        '/dev/null',
        '-w',
        '%{size_download}',
        url(name),
      ]);
      if (Number(r.stdout) !== SIZE) throw new Error(`${name}: got ${r.stdout} bytes`);
      mbps[name].push(SIZE / 1e6 / (r.ms / 1000));
    }
  }
  const a = median(mbps.labboot);
  const b = median(mbps.nginx);
  console.log(
    `HTTP: a ${mib} MiB squashfs stored by labboot sync, fetched by curl at /${path.split('/').slice(0, 2).join('/')}/…/squashfs on loopback from the bundled labboot serve and from nginx (${peerFile}), all pinned to CPU ${CPU}, median of ${rounds} rounds, order alternating, bytes sha256-checked per server (MB/s = 10^6 B/s):`,
  );
  // The VM is shared, so load shifts between rounds; the ratio within each round is steadier.
  const paired = pairedRatio(mbps.labboot, mbps.nginx);
  console.log(
    `  labboot ${a.toFixed(0)}  nginx ${b.toFixed(0)}  ratio ${(a / b).toFixed(2)}x  (per-round ${paired.toFixed(2)}x; goal >= 0.8x)`,
  );
}

const tmp = makeTempDir('labboot-bench-http-');
try {
  await main(tmp.path);
} finally {
  await stopChildren(children);
  tmp.remove();
}

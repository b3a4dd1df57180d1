/**
 * TFTP benchmark: the bundled `labboot serve` vs tftp-hpa's `in.tftpd` on loopback, side by side
 * in one run. The files are an image's squashfs and initrd (random contents) that `labboot sync`
 * stored from a signed loopback mirror; LabBoot serves them under the names its boot scripts use
 * (`images/<sha256 prefix>/…`), and in.tftpd serves the very same stored files (hard-linked) under
 * the same names.
 * Run: `npx electron-vite build && npx tsx test/bench/tftp-throughput.ts [rounds=3] [MiB=64]
 * [--with-portable]` (as root: in.tftpd drops to `nobody`). LabBoot runs with the engine users get
 * (native where its module is built, see src-main/boot/tftp/transfer.ts); `--with-portable` also
 * runs a `labboot serve` whose `LABBOOT_NATIVE_DIR` names an empty folder, which is exactly a
 * platform where the native module is not built: TFTP then uses the pure-Node engine.
 *
 * Servers and clients are pinned to CPU 0 (`taskset`) from their start, because unpinned timings
 * on this shared 2-vCPU VM are bimodal. The order of the servers alternates each round, every
 * fetched file is sha256-checked, and the median of the rounds is reported with the ratio.
 *   1. squashfs (64 MiB), blksize 1468, curl (lock-step)      target ≥ 1.0× tftp-hpa
 *   2. squashfs, blksize 1468, atftp windowsize 16            target ≥ 1.8× tftp-hpa (which answers lock-step)
 *   3. 50 concurrent curl clients of the initrd (4 MiB, or MiB when smaller), blksize 1468: all
 *      complete, aggregate ≥ tftp-hpa
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeTempDir } from '../helpers/temp-dir';
import { boundedCount, median, pairedRatio, roundOrder, sha256File } from './bench-stats';
import { assertQuietMachine } from './load-guard';
import {
  placeForPeer,
  refuseWithoutBundle,
  servedImagePaths,
  startLabbootServe,
  stopChildren,
  syncBenchImage,
  type LabbootServe,
} from './served-image';

assertQuietMachine();
refuseWithoutBundle();
const args = process.argv.slice(2);
const numbers = args.filter((a) => /^\d+$/.test(a));
const rounds = boundedCount(numbers[0], 3, 1, 9);
const mib = boundedCount(numbers[1], 64, 1, 1024);
const withPortable = args.includes('--with-portable');
const CPU = '0';
const CLIENTS = 50;
const MiB = 1024 * 1024;
const children: ChildProcess[] = [];

/** A free UDP port on loopback for in.tftpd, which needs its port number up front. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function runTimed(cmd: string, argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('taskset', ['-c', CPU, cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - t0);
      else reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err}`));
    });
  });
}

async function startHpa(root: string): Promise<number> {
  const port = await freeUdpPort();
  const child = spawn(
    'taskset',
    ['-c', CPU, 'in.tftpd', '-L', '-a', `127.0.0.1:${port}`, '-u', 'nobody', '-s', root],
    { stdio: 'ignore' },
  );
  children.push(child);
  await new Promise((r) => setTimeout(r, 300));
  if (child.exitCode !== null) throw new Error(`in.tftpd exited ${child.exitCode}`);
  return port;
}

const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

async function main(dir: string): Promise<void> {
  const dataDir = join(dir, 'data');
  const out = join(dir, 'out');
  mkdirSync(out);
  const stored = await syncBenchImage(dir, dataDir, {
    'boot-kernel': MiB,
    'boot-initrd': Math.min(4, mib) * MiB,
    squashfs: mib * MiB,
  });
  const { squashfs, 'boot-initrd': initrd } = stored;
  const labboot = await startLabbootServe(dataDir, CPU, children);
  const serves: Record<string, LabbootServe> = { labboot };
  if (withPortable) {
    const noNative = join(dir, 'no-native-module');
    mkdirSync(noNative);
    serves['labboot-portable'] = await startLabbootServe(dataDir, CPU, children, {
      LABBOOT_NATIVE_DIR: noNative,
    });
  }
  const names = await servedImagePaths(labboot.httpPort);
  const peerRoot = join(dir, 'tftp-hpa-root');
  mkdirSync(peerRoot);
  const peerFile = placeForPeer(peerRoot, names.squashfs, squashfs);
  placeForPeer(peerRoot, names['boot-initrd'], initrd);
  const servers: Record<string, number> = {};
  for (const [name, serve] of Object.entries(serves)) {
    servers[name] = serve.tftpPort;
    process.stderr.write(`${name}: labboot serve's TFTP uses the ${serve.tftpEngine} engine\n`);
  }
  servers['tftp-hpa'] = await startHpa(peerRoot);
  const results: Record<string, Record<string, number[]>> = {};
  const record = (config: string, server: string, value: number): void => {
    results[config] ??= {};
    (results[config][server] ??= []).push(value);
  };
  const fetched = async (path: string, want: string, what: string): Promise<void> => {
    if ((await sha256File(path)) !== want) throw new Error(`${what} got wrong bytes`);
  };
  for (let round = 0; round < rounds; round++) {
    for (const [server, port] of roundOrder(Object.entries(servers), round)) {
      const dest = join(out, `${server}.bin`);
      rmSync(dest, { force: true });
      let ms = await runTimed('curl', [
        '-sS',
        '--tftp-blksize',
        '1468',
        `tftp://127.0.0.1:${port}/${names.squashfs}`,
        '-o',
        dest,
      ]);
      await fetched(dest, squashfs.sha256, `${server}: curl`);
      record(`${mib} MiB squashfs curl blksize 1468`, server, mbps(squashfs.size, ms));
      rmSync(dest, { force: true });
      ms = await runTimed('atftp', [
        '--option',
        'blksize 1468',
        '--option',
        'windowsize 16',
        '-g',
        '-r',
        names.squashfs,
        '-l',
        dest,
        '127.0.0.1',
        String(port),
      ]);
      await fetched(dest, squashfs.sha256, `${server}: atftp`);
      record(
        `${mib} MiB squashfs atftp blksize 1468 windowsize 16`,
        server,
        mbps(squashfs.size, ms),
      );
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) =>
          runTimed('curl', [
            '-sS',
            '--tftp-blksize',
            '1468',
            `tftp://127.0.0.1:${port}/${names['boot-initrd']}`,
            '-o',
            join(out, `${server}-${i}`),
          ]),
        ),
      );
      const msAll = performance.now() - t0;
      for (let i = 0; i < CLIENTS; i++)
        await fetched(join(out, `${server}-${i}`), initrd.sha256, `${server}: client ${i}`);
      record(
        `${CLIENTS} concurrent curl x ${initrd.size / MiB} MiB initrd (aggregate)`,
        server,
        mbps(CLIENTS * initrd.size, msAll),
      );
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  console.log(
    `TFTP on loopback: the image files labboot sync stored, fetched by the names LabBoot serves them under (${names.squashfs.split('/').slice(0, 2).join('/')}/…) from the bundled labboot serve and from in.tftpd (${peerFile.includes('link') ? 'hard links to the stored files' : 'copies of the stored files'}); servers and clients pinned to CPU ${CPU}, median of ${rounds} rounds, order alternating, every file sha256-checked (MB/s = 10^6 B/s):`,
  );
  for (const [config, r] of Object.entries(results)) {
    const peer = r['tftp-hpa'] ?? [];
    const b = median(peer);
    for (const name of Object.keys(servers).filter((n) => n !== 'tftp-hpa')) {
      const ours = r[name] ?? [];
      const a = median(ours);
      // The VM is shared, so load shifts between rounds; the ratio within each round is steadier.
      const paired = pairedRatio(ours, peer);
      console.log(
        `  ${config.padEnd(50)} ${`${name} (${serves[name]?.tftpEngine ?? '?'})`.padEnd(28)} ${a.toFixed(1).padStart(6)}  tftp-hpa ${b.toFixed(1).padStart(6)}  ratio ${(a / b).toFixed(2)}x  (per-round ${paired.toFixed(2)}x)`,
      );
    }
  }
}

const tmp = makeTempDir('labboot-bench-tftp-');
try {
  await main(tmp.path);
} finally {
  await stopChildren(children);
  tmp.remove();
}

/**
 * Benchmark: `labboot sync` (the bundled CLI users run: signed catalogue, 4-file download queue,
 * streaming sha256, fsynced blobs, SQLite publish) against the peer a person would run, on a
 * ~1 GiB loopback mirror of two images, side by side in one run.
 *
 * The real peer, Canonical's `sstream-mirror`, is not installable here (no python3-simplestreams
 * package on this machine), so the peer is its job done with standard tools: `curl --parallel` with
 * the same parallelism as LabBoot's download queue fetches the signed metadata and every file,
 * `gpgv` checks the signatures and `sha256sum -c` checks every file against the catalogue digests.
 * It is handed the file list (it parses no JSON) and does not fsync; LabBoot does both.
 *
 * Both sides run pinned to CPU 0 (`taskset -c 0`), the mirror server pinned to CPU 1, the order
 * alternates each round, the median of the rounds is reported with the ratio, and LabBoot's stored
 * blobs are sha256-checked against the mirror's files after every round (outside the timing).
 * Run: `npx electron-vite build && npx tsx test/bench/sync-throughput.ts [rounds=3] [MB=1024]`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMirror, generateTestKey, type MirrorImage } from '../helpers/mirror/build-mirror';
import { makeTempDir } from '../helpers/temp-dir';
import { boundedCount, median, pairedRatio, roundOrder, sha256File } from './bench-stats';
import { assertQuietMachine } from './load-guard';

assertQuietMachine();

const rounds = boundedCount(process.argv[2], 3, 1, 9);
const totalMb = boundedCount(process.argv[3], 1024, 1, 4096);
/** SyncService's default `concurrency` (src-main/sync/sync-service.ts), which `labboot sync` uses. */
const labbootDownloadQueue = 4;
const clientCpu = '0';
const serverCpu = availableParallelism() > 1 ? '1' : '0';
const stepTimeoutMs = 600_000;

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const labbootBin = join(repoRoot, 'bin/labboot.mjs');
const serveCli = fileURLToPath(new URL('../helpers/mirror/serve-cli.ts', import.meta.url));
if (!existsSync(join(repoRoot, 'out/main/cli.js'))) {
  process.stderr.write(
    'bench refused: out/main/cli.js is missing; run `npx electron-vite build`.\n',
  );
  process.exit(1);
}

const children: ChildProcess[] = [];

interface Ran {
  ms: number;
  stdout: string;
}

/** run starts `cmd` (pinned to `cpu` when given), fails on a non-zero exit, and times it. */
function run(cmd: string, args: readonly string[], cpu?: string): Promise<Ran> {
  const [file, argv] = cpu === undefined ? [cmd, args] : ['taskset', ['-c', cpu, cmd, ...args]];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), stepTimeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (code === 0) resolve({ ms, stdout });
      else
        reject(
          new Error(
            `${cmd} ${args.slice(0, 4).join(' ')} … ended ${code ?? signal}: ${stderr.trim()}`,
          ),
        );
    });
  });
}

function randomFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const buf = Buffer.alloc(4 * 1024 * 1024);
  for (let left = bytes; left > 0; left -= buf.length) {
    randomFillSync(buf);
    writeSync(fd, buf, 0, Math.min(buf.length, left));
  }
  closeSync(fd);
}

/** startMirror serves the mirror from its own process, pinned away from the clients. */
async function startMirror(root: string): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', serveCli, root], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const port = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /PORT (\d+)/.exec(buf);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (c) => reject(new Error(`mirror server exited ${c} before it was ready`)));
  });
  execFileSync('taskset', ['-a', '-p', '-c', serverCpu, String(child.pid)], { stdio: 'ignore' });
  return `http://127.0.0.1:${port}/`;
}

const tmp = makeTempDir('labboot-bench-sync-');
try {
  const src = join(tmp.path, 'src');
  mkdirSync(src);
  const mb = 1024 * 1024;
  const images: MirrorImage[] = [];
  for (const [release, version] of [
    ['jammy', '22.04'],
    ['noble', '24.04'],
  ] as const) {
    // Each image gets half the bytes, split like a real one: the squashfs dominates.
    const files = { kernel: 0.05, initrd: 0.1, squashfs: 0.35 };
    for (const [name, frac] of Object.entries(files))
      randomFile(join(src, `${release}-${name}`), Math.max(1, Math.round(totalMb * frac * mb)));
    images.push({
      release,
      version,
      arch: 'amd64',
      subarch: `ga-${version}`,
      versions: {
        '20250701': {
          kernel: { file: join(src, `${release}-kernel`) },
          initrd: { file: join(src, `${release}-initrd`) },
          squashfs: { file: join(src, `${release}-squashfs`) },
          manifest: `bash\t5.1-${release}\n`,
        },
      },
    });
  }
  const key = await generateTestKey();
  const mirror = await buildMirror({ root: join(tmp.path, 'mirror'), key, images });
  rmSync(src, { recursive: true, force: true });
  const keyring = join(tmp.path, 'keyring.gpg');
  writeFileSync(keyring, key.publicBinary);
  // The mirror's own bytes, hashed here (this also warms the page cache for both sides alike).
  const mirrorSha = new Map<string, string>();
  for (const item of mirror.items)
    mirrorSha.set(item.path, await sha256File(join(mirror.root, item.path)));
  for (const item of mirror.items)
    if (mirrorSha.get(item.path) !== item.sha256)
      throw new Error(`catalogue digest of ${item.path} is wrong`);
  const bytes = mirror.items.reduce((n, f) => n + f.size, 0);
  const url = await startMirror(mirror.root);
  let peakInFlight = 0;

  const labboot = async (round: number): Promise<number> => {
    const data = join(tmp.path, `labboot-${round}`);
    const cli = (args: string[]): Promise<Ran> =>
      run(process.execPath, [labbootBin, '--data', data, ...args]);
    await cli(['sources', 'add', url, '--keyring', keyring, '--name', 'bench']);
    await cli(['select', 'add', 'ubuntu/jammy/amd64', 'ubuntu/noble/amd64']);
    const synced = await run(
      process.execPath,
      [labbootBin, '--data', data, '--json', 'sync'],
      clientCpu,
    );
    const events = synced.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; files?: unknown[] });
    if (events.at(-1)?.event !== 'done')
      throw new Error(`labboot sync ended with ${JSON.stringify(events.at(-1))}`);
    peakInFlight = Math.max(
      peakInFlight,
      ...events.map((e) => (e.event === 'progress' ? (e.files?.length ?? 0) : 0)),
    );
    // What LabBoot stored must be the mirror's bytes, every file.
    for (const item of mirror.items) {
      const blob = join(data, 'blobs/sha256', item.sha256.slice(0, 2), item.sha256);
      if ((await sha256File(blob)) !== mirrorSha.get(item.path))
        throw new Error(`labboot stored wrong bytes for ${item.path}`);
    }
    rmSync(data, { recursive: true, force: true });
    return synced.ms;
  };

  const peer = async (round: number): Promise<number> => {
    const dir = join(tmp.path, `peer-${round}`);
    mkdirSync(dir);
    const fetched = [...mirror.metadata, ...mirror.items.map((i) => i.path)];
    const outputs = fetched.map((p, i) => join(dir, `${i}-${p.split('/').at(-1)}`));
    const sums = join(tmp.path, `peer-${round}.sha256`);
    writeFileSync(
      sums,
      mirror.items
        .map((it, i) => `${it.sha256}  ${outputs[mirror.metadata.length + i]}\n`)
        .join(''),
    );
    const t0 = performance.now();
    await run(
      'curl',
      [
        '-sS',
        '-f',
        '--parallel',
        '--parallel-immediate',
        '--parallel-max',
        String(labbootDownloadQueue),
        ...fetched.flatMap((p, i) => ['-o', outputs[i]!, new URL(p, url).toString()]),
      ],
      clientCpu,
    );
    for (const signed of outputs.slice(0, mirror.metadata.length))
      await run('gpgv', ['--quiet', '--keyring', keyring, signed], clientCpu);
    await run('sha256sum', ['-c', '--quiet', '--strict', sums], clientCpu);
    const ms = performance.now() - t0;
    rmSync(dir, { recursive: true, force: true });
    rmSync(sums);
    return ms;
  };

  const sides = { labboot, peer } as const;
  type Side = keyof typeof sides;
  const times: Record<Side, number[]> = { labboot: [], peer: [] };
  console.log(
    `sync-throughput: ${mirror.items.length} files + ${mirror.metadata.length} signed metadata files, ${(bytes / 1e6).toFixed(0)} MB, ${rounds} rounds, order alternating`,
  );
  for (let r = 0; r < rounds; r++) {
    for (const side of roundOrder(Object.keys(sides) as Side[], r))
      times[side].push(await sides[side](r));
    process.stderr.write(`round ${r + 1}/${rounds} done\n`);
  }
  const a = median(times.labboot);
  const b = median(times.peer);
  const mbps = (ms: number): string => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    `  clients pinned to CPU ${clientCpu}, mirror server to CPU ${serverCpu}; medians (MB/s = 10^6 B/s):`,
  );
  console.log(
    `  labboot sync (bundled CLI, ${labbootDownloadQueue}-file queue, up to ${peakInFlight} seen in flight):  ${a.toFixed(0)} ms = ${mbps(a)} MB/s; stored blobs sha256-checked against the mirror`,
  );
  console.log(
    `  peer curl --parallel-max ${labbootDownloadQueue} + gpgv + sha256sum -c (sstream-mirror is not installable here): ${b.toFixed(0)} ms = ${mbps(b)} MB/s`,
  );
  console.log(
    `  ratio (peer time / labboot time): ${(b / a).toFixed(2)}x (per-round ${pairedRatio(times.peer, times.labboot).toFixed(2)}x; goal >= 1.0x)`,
  );
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  tmp.remove();
}

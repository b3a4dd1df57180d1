/**
 * TFTP benchmark: LabBoot's server vs tftp-hpa's `in.tftpd` on loopback, side by side in one run.
 * Run: `npx tsx test/bench/tftp-throughput.ts [rounds] [--with-portable]` (as root: in.tftpd drops
 * to `nobody`). LabBoot runs with the engine users get (native where built, see
 * src-main/boot/tftp/transfer.ts); `--with-portable` also measures the pure-Node engine that
 * platforms without the native module use.
 *
 * Server and client are pinned to CPU 0 (`taskset`), as in shared/notes/feasibility.md §2, because
 * unpinned timings on this shared 2-vCPU VM are bimodal. The order of the servers alternates each
 * round, every fetched file is sha256-checked, and the median of the rounds is reported with the
 * ratio.
 *   1. 64 MiB, blksize 1468, curl (lock-step)             target ≥ 1.0× tftp-hpa
 *   2. 64 MiB, blksize 1468, atftp windowsize 16           target ≥ 1.8× tftp-hpa (which answers lock-step)
 *   3. 50 concurrent curl clients, 4 MiB each, blksize 1468: all complete, aggregate ≥ tftp-hpa
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:net';
import { boundedCount, median, pairedRatio, roundOrder } from './bench-stats';
import { assertQuietMachine } from './load-guard';
import { startPinnedChild } from './pinned-child';

assertQuietMachine();
const args = process.argv.slice(2);
const rounds = boundedCount(
  args.find((a) => /^\d+$/.test(a)),
  3,
  1,
  9,
);
const withPortable = args.includes('--with-portable');
const dir = mkdtempSync(join(tmpdir(), 'labboot-bench-tftp-'));
chmodSync(dir, 0o755);
const root = join(dir, 'root');
const out = join(dir, 'out');
const children: ChildProcess[] = [];

function sha(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function freeUdpPortGuess(): Promise<number> {
  // in.tftpd needs a port number up front; a free TCP port is very likely free on UDP too.
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

function runTimed(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('taskset', ['-c', '0', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(performance.now() - t0);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

async function startLabboot(engine: 'auto' | 'portable'): Promise<number> {
  const m = await startPinnedChild(
    'tftp-serve-child.ts',
    [root, engine],
    /PORT (\d+) ENGINE (\w+)/,
    children,
  );
  process.stderr.write(`labboot (${engine}) serves with the ${m[2]} engine\n`);
  return Number(m[1]);
}

async function startHpa(): Promise<number> {
  const port = await freeUdpPortGuess();
  const child = spawn('in.tftpd', ['-L', '-a', `127.0.0.1:${port}`, '-u', 'nobody', '-s', root], {
    stdio: 'ignore',
  });
  children.push(child);
  await new Promise((r) => setTimeout(r, 300));
  execFileSync('taskset', ['-p', '1', String(child.pid)]);
  return port;
}

const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

async function main(): Promise<void> {
  execFileSync('mkdir', ['-p', root, out]);
  chmodSync(root, 0o755);
  const big = randomBytes(64 * 1024 * 1024);
  writeFileSync(join(root, 'big.bin'), big);
  writeFileSync(join(root, 'four.bin'), big.subarray(0, 4 * 1024 * 1024));
  chmodSync(join(root, 'big.bin'), 0o644);
  chmodSync(join(root, 'four.bin'), 0o644);
  const bigSha = sha(join(root, 'big.bin'));
  const fourSha = sha(join(root, 'four.bin'));
  const servers: Record<string, number> = {
    labboot: await startLabboot('auto'),
    'tftp-hpa': await startHpa(),
  };
  if (withPortable) servers['labboot-portable'] = await startLabboot('portable');
  const results: Record<string, Record<string, number[]>> = {};
  const record = (config: string, server: string, value: number): void => {
    results[config] ??= {};
    (results[config][server] ??= []).push(value);
  };
  for (let round = 0; round < rounds; round++) {
    for (const [server, port] of roundOrder(Object.entries(servers), round)) {
      const dest = join(out, `${server}.bin`);
      rmSync(dest, { force: true });
      let ms = await runTimed('curl', [
        '-sS',
        '--tftp-blksize',
        '1468',
        `tftp://127.0.0.1:${port}/big.bin`,
        '-o',
        dest,
      ]);
      if (sha(dest) !== bigSha) throw new Error(`${server}: curl got wrong bytes`);
      record('64 MiB curl blksize 1468', server, mbps(big.length, ms));
      rmSync(dest, { force: true });
      ms = await runTimed('atftp', [
        '--option',
        'blksize 1468',
        '--option',
        'windowsize 16',
        '-g',
        '-r',
        'big.bin',
        '-l',
        dest,
        '127.0.0.1',
        String(port),
      ]);
      if (sha(dest) !== bigSha) throw new Error(`${server}: atftp got wrong bytes`);
      record('64 MiB atftp blksize 1468 windowsize 16', server, mbps(big.length, ms));
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          runTimed('curl', [
            '-sS',
            '--tftp-blksize',
            '1468',
            `tftp://127.0.0.1:${port}/four.bin`,
            '-o',
            join(out, `${server}-${i}`),
          ]),
        ),
      );
      const ms50 = performance.now() - t0;
      for (let i = 0; i < 50; i++)
        if (sha(join(out, `${server}-${i}`)) !== fourSha)
          throw new Error(`${server}: client ${i} got wrong bytes`);
      record('50 concurrent curl x 4 MiB (aggregate)', server, mbps(50 * 4 * 1024 * 1024, ms50));
    }
    process.stderr.write(`round ${round + 1}/${rounds} done\n`);
  }
  console.log(
    `TFTP on loopback, pinned to CPU 0, median of ${rounds} rounds, order alternating, every file sha256-checked (MB/s = 10^6 B/s):`,
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
        `  ${config.padEnd(42)} ${name.padEnd(16)} ${a.toFixed(1).padStart(6)}  tftp-hpa ${b.toFixed(1).padStart(6)}  ratio ${(a / b).toFixed(2)}x  (per-round ${paired.toFixed(2)}x)`,
      );
    }
  }
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

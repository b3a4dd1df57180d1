/**
 * HTTP benchmark: LabBoot's BootHttpServer vs Debian's nginx serving the same 1 GiB file to curl
 * on loopback, side by side in one run. Run: `npx tsx test/bench/http-throughput.ts [rounds=3] [MiB=1024]`.
 * Servers and client are pinned to CPU 0, the order of the servers alternates each round, and the
 * median of the rounds is reported with the ratio. Each server's bytes are sha256-checked before the
 * timed runs; timed runs write to /dev/null (a file write would dilute the servers' difference)
 * and check the byte count. Target: ≥ 0.8× nginx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createServer } from 'node:net';
import { boundedCount, median, pairedRatio, roundOrder, sha256File } from './bench-stats';
import { assertQuietMachine } from './load-guard';
import { startPinnedChild } from './pinned-child';

assertQuietMachine();
const rounds = boundedCount(process.argv[2], 3, 1, 9);
const mib = boundedCount(process.argv[3], 1024, 1, 4096);
const SIZE = mib * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'labboot-bench-http-'));
chmodSync(dir, 0o755);
const root = join(dir, 'root');
const children: ChildProcess[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

function curl(args: string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('taskset', ['-c', '0', 'curl', '-sS', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ms: performance.now() - t0, stdout });
      else reject(new Error(`curl ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

function shaOf(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('curl', ['-sS', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const h = createHash('sha256');
    p.stdout.on('data', (d: Buffer) => h.update(d));
    p.on('close', (code) =>
      code === 0 ? resolve(h.digest('hex')) : reject(new Error(`curl exited ${code}`)),
    );
  });
}

async function startLabboot(): Promise<number> {
  const m = await startPinnedChild('http-serve-child.ts', [root], /PORT (\d+)/, children);
  return Number(m[1]);
}

async function startNginx(): Promise<number> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/nginx-error.log;
events { worker_connections 64; }
http { access_log off; sendfile on; tcp_nopush on; client_body_temp_path ${dir}/cb; proxy_temp_path ${dir}/pt;
  fastcgi_temp_path ${dir}/ft; uwsgi_temp_path ${dir}/ut; scgi_temp_path ${dir}/st;
  server { listen 127.0.0.1:${port}; root ${root}; } }
`,
  );
  const child = spawn('taskset', ['-c', '0', 'nginx', '-c', conf, '-p', dir], { stdio: 'inherit' });
  children.push(child);
  await new Promise((r) => setTimeout(r, 500));
  return port;
}

async function main(): Promise<void> {
  mkdirSync(root);
  chmodSync(root, 0o755);
  const file = join(root, 'big.bin');
  const fd = openSync(file, 'w', 0o644);
  for (let i = 0; i < mib; i++) writeSync(fd, randomBytes(1 << 20));
  closeSync(fd);
  const want = await sha256File(file);
  const servers = { labboot: await startLabboot(), nginx: await startNginx() };
  type Name = keyof typeof servers;
  for (const name of Object.keys(servers) as Name[]) {
    if ((await shaOf(`http://127.0.0.1:${servers[name]}/big.bin`)) !== want)
      throw new Error(`${name} served wrong bytes`);
  }
  const mbps: Record<Name, number[]> = { labboot: [], nginx: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of roundOrder(Object.keys(servers) as Name[], round)) {
      const r = await curl([
        '-o',
        '/dev/null',
        '-w',
        '%{size_download}',
        `http://127.0.0.1:${servers[name]}/big.bin`,
      ]);
      if (Number(r.stdout) !== SIZE) throw new Error(`${name}: got ${r.stdout} bytes`);
      mbps[name].push(SIZE / 1e6 / (r.ms / 1000));
    }
  }
  const a = median(mbps.labboot);
  const b = median(mbps.nginx);
  console.log(
    `HTTP ${mib} MiB to curl on loopback, pinned to CPU 0, median of ${rounds} rounds, order alternating, bytes sha256-checked per server (MB/s = 10^6 B/s):`,
  );
  // The VM is shared, so load shifts between rounds; the ratio within each round is steadier.
  const paired = pairedRatio(mbps.labboot, mbps.nginx);
  console.log(
    `  labboot ${a.toFixed(0)}  nginx ${b.toFixed(0)}  ratio ${(a / b).toFixed(2)}x  (per-round ${paired.toFixed(2)}x)`,
  );
}

try {
  await main();
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dir, { recursive: true, force: true });
}

/**
 * What the HTTP benchmarks share: Debian's nginx as the peer server (one worker, sendfile, no
 * access log, pinned to the bench's CPU from its first instruction), the timed curl client pinned
 * to the same CPU, moving a running server and all its threads to other CPUs, and the sha256 of
 * what curl receives from a URL, for checking each server's bytes before the timed runs.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** freePort asks the kernel for a TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/**
 * pinnedCurl runs `curl -sS ARGS` pinned to `cpu` (a CPU list as taskset takes it, so
 * `everyCpu()` leaves it unpinned), fails on a non-zero exit, and times it.
 */
export function pinnedCurl(cpu: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('taskset', ['-c', cpu, 'curl', '-sS', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 300_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ ms: performance.now() - t0, stdout });
      else reject(new Error(`curl ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

/** curlSha256 downloads `url` with curl and resolves with the sha256 of the bytes received. */
export function curlSha256(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('curl', ['-sSf', url], { stdio: ['ignore', 'pipe', 'inherit'] });
    const h = createHash('sha256');
    p.stdout.on('data', (d: Buffer) => h.update(d));
    p.on('close', (code) =>
      code === 0 ? resolve(h.digest('hex')) : reject(new Error(`curl ${url} exited ${code}`)),
    );
  });
}

/**
 * startNginxPeer serves `root` read-only on 127.0.0.1 with nginx pinned to `cpu`, keeping its
 * config, pid and temp folders in `dir`, and resolves with its port and its master process. The
 * child is pushed onto `children` for the caller's cleanup. Run as root: the worker drops to
 * `nobody`, so `root` and the files under it must be world-readable.
 */
export async function startNginxPeer(
  dir: string,
  root: string,
  cpu: string,
  children: ChildProcess[],
): Promise<{ port: number; child: ChildProcess }> {
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
  const child = spawn('taskset', ['-c', cpu, 'nginx', '-c', conf, '-p', dir], {
    stdio: 'inherit',
  });
  children.push(child);
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}`);
  return { port, child };
}

/** startNginx is startNginxPeer for callers that need only the port. */
export async function startNginx(
  dir: string,
  root: string,
  cpu: string,
  children: ChildProcess[],
): Promise<number> {
  return (await startNginxPeer(dir, root, cpu, children)).port;
}

/** everyCpu is the list of all the machine's CPUs as taskset takes it: "pinned" to it is unpinned. */
export function everyCpu(): string {
  return `0-${Math.max(1, cpus().length) - 1}`;
}

/** The pids of `pid`'s children, read from /proc (nginx's workers, for instance). */
function childPids(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After the command name in parentheses: state, then the parent's pid.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // The process ended while being listed.
    }
  }
  return found;
}

/**
 * moveToCpus lets the running process `pid`, every thread of it and every descendant run on
 * `cpuList` only (threads started later inherit it), so one server serves pinned and unpinned runs.
 */
export function moveToCpus(pid: number, cpuList: string): void {
  for (let queue = [pid]; queue.length > 0; ) {
    const next = queue.shift() ?? pid;
    execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(next)], { stdio: 'ignore' });
    queue = [...queue, ...childPids(next)];
  }
}

/**
 * NetnsLab builds throw-away network namespaces, bridges, veth pairs and taps for tests, runs
 * processes inside them, and tears everything down again: the processes it started (by PID), then
 * any process left inside its own namespaces, then the namespaces themselves. Names carry a
 * per-lab prefix, so a lab never touches anything it did not create. Needs root (`ip netns`).
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A process started inside a namespace, with its output captured. */
export interface LabProcess {
  readonly child: ChildProcess;
  readonly ns: string;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern`, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms: number): Promise<string>;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
}

let labCounter = 0;

/** ip runs `ip ARGS…` and returns its stdout; throws with stderr on failure. */
export function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** canUseNetns is true when this process may create network namespaces (root on Linux). */
export function canUseNetns(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0;
}

/** NetnsLab owns a set of namespaces and the processes started in them. */
export class NetnsLab {
  readonly prefix: string;
  private readonly namespaces: string[] = [];
  private readonly processes: LabProcess[] = [];

  constructor(tag: string) {
    // pid + counter: parallel test files and leftovers from killed runs never share a name.
    this.prefix = `lb${tag}${process.pid % 100000}x${labCounter++}`;
  }

  /** ns creates a namespace named `<prefix>-<name>` with loopback up and returns its name. */
  ns(name: string): string {
    const full = `${this.prefix}-${name}`;
    ip('netns', 'add', full);
    this.namespaces.push(full);
    ip('-n', full, 'link', 'set', 'lo', 'up');
    return full;
  }

  /** veth connects `nsA:ifA` and `nsB:ifB` with a veth pair and brings both ends up. */
  veth(nsA: string, ifA: string, nsB: string, ifB: string): void {
    ip('-n', nsA, 'link', 'add', ifA, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB);
    ip('-n', nsA, 'link', 'set', ifA, 'up');
    ip('-n', nsB, 'link', 'set', ifB, 'up');
  }

  /** bridge creates a bridge without STP delay in `ns`. */
  bridge(ns: string, name: string): void {
    ip('-n', ns, 'link', 'add', name, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    ip('-n', ns, 'link', 'set', name, 'up');
  }

  /** attach puts interface `ifname` of `ns` on bridge `br` (same namespace). */
  attach(ns: string, ifname: string, br: string): void {
    ip('-n', ns, 'link', 'set', ifname, 'master', br, 'up');
  }

  /** tap creates a tap device for QEMU (`-netdev tap,ifname=NAME,script=no`). */
  tap(ns: string, name: string): void {
    ip('-n', ns, 'tuntap', 'add', 'dev', name, 'mode', 'tap');
    ip('-n', ns, 'link', 'set', name, 'up');
  }

  /** addr assigns `cidr` (e.g. 10.77.0.1/24) to `ns:ifname`. */
  addr(ns: string, ifname: string, cidr: string): void {
    ip('-n', ns, 'addr', 'add', cidr, 'dev', ifname);
  }

  /** disableIpv6 keeps a namespace quiet (no router solicitations, no link-local chatter). */
  disableIpv6(ns: string): void {
    execFileSync('ip', [
      'netns',
      'exec',
      ns,
      'sysctl',
      '-qw',
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
    ]);
  }

  /** macOf returns the MAC of `ns:ifname`. */
  macOf(ns: string, ifname: string): string {
    return (
      ip('-n', ns, '-o', 'link', 'show', ifname).match(/link\/ether ([0-9a-f:]{17})/)?.[1] ?? ''
    );
  }

  /** run starts `cmd args…` inside `ns` and records it for teardown. */
  run(ns: string, cmd: string, args: readonly string[], options: SpawnOptions = {}): LabProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
    });
    let out = '';
    let err = '';
    const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (const w of [...waiters]) {
        const line = out.split('\n').find((l) => w.pattern.test(l));
        if (line !== undefined) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
    const proc: LabProcess = {
      child,
      ns,
      stdout: () => out,
      stderr: () => err,
      exited,
      waitFor: (pattern, ms) =>
        new Promise<string>((resolve, reject) => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            resolve(line);
            return;
          }
          const timer = setTimeout(() => {
            reject(
              new Error(
                `timed out after ${ms} ms waiting for ${String(pattern)} from ${cmd}; stderr: ${err.slice(-2000)}`,
              ),
            );
          }, ms);
          void exited.then((code) => {
            clearTimeout(timer);
            const last = out.split('\n').find((l) => pattern.test(l));
            if (last !== undefined) resolve(last);
            else
              reject(
                new Error(
                  `${cmd} exited (${String(code)}) before ${String(pattern)}; stderr: ${err.slice(-2000)}`,
                ),
              );
          });
          waiters.push({
            pattern,
            resolve: (l) => {
              clearTimeout(timer);
              resolve(l);
            },
          });
        }),
    };
    this.processes.push(proc);
    return proc;
  }

  /** stop ends one process: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(proc: LabProcess, graceMs = 3000): Promise<void> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
    await proc.exited;
    clearTimeout(timer);
  }

  /** dispose stops every process and deletes every namespace of this lab, even after failures. */
  async dispose(): Promise<void> {
    await Promise.all(this.processes.map((p) => this.stop(p).catch(() => undefined)));
    for (const ns of this.namespaces.reverse()) {
      // Anything still inside our namespace was started by this lab (e.g. a daemon's child).
      let pids: string[] = [];
      try {
        pids = ip('netns', 'pids', ns).split(/\s+/).filter(Boolean);
      } catch {
        pids = [];
      }
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      try {
        ip('netns', 'del', ns);
      } catch {
        // Already deleted (or never fully created); nothing else to clean.
      }
    }
    this.namespaces.length = 0;
  }
}

/**
 * startLoopbackServe runs `labboot serve` in its own process on 127.0.0.1 with DHCP off and
 * kernel-chosen TFTP and HTTP ports, waits for its "LabBoot serving:" line and reads the bound
 * ports from it. `stop()` signals that process by its own pid (SIGKILL after 5 s) and resolves
 * with its exit code. The source runner (tsx) needs no build; the bundled one starts faster but
 * needs `npx electron-vite build` after CLI changes.
 */
import { spawn } from 'node:child_process';
import { cliMain, repoRoot } from './mirror/run-cli';
import { labbootBin } from './console-process';

export interface LoopbackServeOptions {
  readonly dataDir: string;
  /** Arguments after `serve --address 127.0.0.1 --dhcp off --tftp-port 0 --http-port 0`. */
  readonly args?: readonly string[];
  readonly runner?: 'source' | 'bundled';
  readonly startTimeoutMs?: number;
}

export interface LoopbackServe {
  readonly pid: number;
  readonly httpPort: number;
  readonly tftpPort: number;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Only stderr (where serve reports its steps). */
  stderr(): string;
  /** Whether the process has exited. */
  exited(): boolean;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startLoopbackServe(options: LoopbackServeOptions): Promise<LoopbackServe> {
  const entry = options.runner === 'bundled' ? [labbootBin] : ['--import', 'tsx', cliMain];
  const child = spawn(
    process.execPath,
    [
      ...entry,
      '--data',
      options.dataDir,
      'serve',
      ...['--address', '127.0.0.1', '--dhcp', 'off', '--tftp-port', '0', '--http-port', '0'],
      ...(options.args ?? []),
    ],
    { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
    err += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exit;
    clearTimeout(timer);
    return code;
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!err.includes('LabBoot serving:') && child.exitCode === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const ports = /HTTP 127\.0\.0\.1:(\d+), TFTP 127\.0\.0\.1:(\d+)/.exec(err);
  if (ports === null || child.pid === undefined) {
    await stop();
    throw new Error(`labboot serve did not start:\n${out}`);
  }
  return {
    pid: child.pid,
    httpPort: Number(ports[1]),
    tftpPort: Number(ports[2]),
    output: () => out,
    stderr: () => err,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop,
  };
}

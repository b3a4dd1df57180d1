/**
 * runBundledCli runs the bundled `labboot` (bin/labboot.mjs → out/main/cli.js; run
 * `npx electron-vite build` after changing the CLI) as a child process without blocking this one.
 * It starts in about a third of the time the tsx-run source needs, which adds up in tests that
 * run many short commands.
 */
import { spawn } from 'node:child_process';
import { labbootBin, repoRoot } from './console-process';

export interface BundledCliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** runBundledCli resolves when the child exits; it is killed (by its own pid) after `timeoutMs`. */
export function runBundledCli(
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<BundledCliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [labbootBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

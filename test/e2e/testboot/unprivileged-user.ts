/**
 * A throwaway system user for tests that must run LabBoot without root (test boots need no
 * privileges): created with useradd, given the data folder, removed with userdel afterwards.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** A created user and how to run a command as it. */
export interface UnprivilegedUser {
  readonly name: string;
  readonly uid: number;
  /** Runs `command` as the user; resolves with its exit status and output; killed after `timeoutMs`. */
  run(
    command: string,
    args: readonly string[],
    options: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string },
  ): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }>;
  /** Makes the user own `path` (recursively). */
  own(path: string): void;
  remove(): void;
}

/** createUnprivilegedUser adds a system user without a home or a login shell (needs root). */
export function createUnprivilegedUser(): UnprivilegedUser {
  const name = `lbtb${randomBytes(3).toString('hex')}`;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  return {
    name,
    uid,
    own: (path) => execFileSync('chown', ['-R', `${name}:`, path]),
    remove: () => {
      execFileSync('userdel', [name]);
    },
    run: (command, args, options) =>
      new Promise((resolve, reject) => {
        const started = Date.now();
        // setpriv drops to the user with no supplementary groups, so /dev/kvm (group kvm) stays shut.
        const child = spawn(
          '/usr/bin/setpriv',
          ['--reuid', name, '--regid', name, '--clear-groups', '--', command, ...args],
          {
            cwd: options.cwd ?? '/',
            env: { PATH: '/usr/bin:/bin', NO_COLOR: '1', ...options.env },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
        child.on('error', reject);
        child.on('close', (status) => {
          clearTimeout(timer);
          resolve({ status, stdout, stderr, ms: Date.now() - started });
        });
      }),
  };
}

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { labbootBin, repoRoot } from '../../helpers/console-process';
import { makeTempDir } from '../../helpers/temp-dir';

function labboot(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [labbootBin, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('labboot CLI basics', () => {
  it('lists interfaces as JSON with kind, MAC, MTU and addresses', () => {
    const r = labboot(['--json', 'interfaces']);
    expect(r.status).toBe(0);
    const nics = JSON.parse(r.stdout) as {
      name: string;
      kind: string;
      mtu: number | null;
      addresses: { address: string }[];
    }[];
    const lo = nics.find((n) => n.name === 'lo');
    expect(lo).toMatchObject({ kind: 'loopback', mtu: 65536 });
    expect(lo?.addresses.map((a) => a.address)).toContain('127.0.0.1');
  });

  it('prints a human table without --json', () => {
    const r = labboot(['interfaces']);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+KIND\s+STATE\s+MAC\s+MTU\s+ADDRESSES/);
  });

  it('exits 2 on usage errors and 0 on --help', () => {
    expect(labboot(['no-such-command']).status).toBe(2);
    expect(labboot(['console', '--port', 'abc']).status).toBe(2);
    expect(labboot(['console', '--port', '70000']).status).toBe(2);
    const help = labboot(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('interfaces');
  });

  it('exits 1 with one clear sentence when the data folder cannot be used', async () => {
    const tmp = makeTempDir();
    try {
      // A regular file where the data folder should be: mkdir fails with ENOTDIR/EEXIST.
      const file = `${tmp.path}/not-a-folder`;
      (await import('node:fs')).writeFileSync(file, 'x');
      const r = labboot(['--data', file, 'console', '--no-open']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^labboot: /);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      tmp.remove();
    }
  });

  it('falls back to the console in one line when the Electron binary is missing', async () => {
    const { spawn } = await import('node:child_process');
    const tmp = makeTempDir();
    const child = spawn(process.execPath, [labbootBin, '--data', tmp.path, 'start'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent',
        BROWSER: 'none',
        PATH: '/usr/bin:/bin',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const deadline = Date.now() + 15_000;
      while (!out.includes('LabBoot console:') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(out).toMatch(/^LabBoot console: http:\/\/127\.0\.0\.1:\d+\/#token=/);
      expect(err.split('\n')[0]).toMatch(
        /^LabBoot: the desktop window cannot open because .*; serving the same UI in your browser instead\.$/,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      tmp.remove();
    }
  });
});

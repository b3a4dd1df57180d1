import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startConsole, type ConsoleProcess } from '../../helpers/console-process';
import { makeStandInOpener } from '../../helpers/stand-in-opener';
import { makeTempDir } from '../../helpers/temp-dir';

let running: ConsoleProcess | undefined;
const dirs: { remove: () => void }[] = [];
afterEach(async () => {
  await running?.stop();
  running = undefined;
  dirs.splice(0).forEach((d) => d.remove());
});

describe('labboot console', () => {
  it('prints exactly its one line within 10 s and serves the contract with the token', async () => {
    const tmp = makeTempDir();
    dirs.push(tmp);
    running = await startConsole(tmp.path);
    expect(running.line).toMatch(
      /^LabBoot console: http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{20,}$/,
    );
    expect(running.startupMs).toBeLessThan(10_000);

    const call = (token?: string): Promise<Response> =>
      fetch(`${running!.origin}/api/call/system.info`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: '{}',
      });
    expect((await call()).status).toBe(401);
    const ok = await call(running.token);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as {
      ok: boolean;
      value: { dataDir: string; frontDoor: string };
    };
    expect(body).toMatchObject({ ok: true, value: { dataDir: tmp.path, frontDoor: 'console' } });

    const page = await fetch(`${running.origin}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });

  it('closes the database cleanly on SIGTERM (WAL checkpointed, exit 0)', async () => {
    const tmp = makeTempDir();
    dirs.push(tmp);
    running = await startConsole(tmp.path);
    expect(existsSync(join(tmp.path, 'labboot.sqlite'))).toBe(true);
    const code = await running.stop();
    expect(code, running.stderr()).toBe(0);
    expect(existsSync(join(tmp.path, 'labboot.sqlite-wal'))).toBe(false);
    expect(running.stderr()).toContain('SIGTERM: closing');
  });

  it('gives a second console its own port and token', async () => {
    const tmp = makeTempDir();
    dirs.push(tmp);
    running = await startConsole(tmp.path);
    const other = await startConsole(tmp.path);
    try {
      expect(other.port).not.toBe(running.port);
      expect(other.token).not.toBe(running.token);
      const cross = await fetch(`${other.origin}/api/call/system.info`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${running.token}` },
        body: '{}',
      });
      expect(cross.status).toBe(401);
    } finally {
      await other.stop();
    }
  });

  it('hands the browser opener a one-time code, never the token', async () => {
    const tmp = makeTempDir();
    const opener = makeStandInOpener();
    dirs.push(tmp, opener);
    running = await startConsole(tmp.path, opener.env, { open: true });
    const argv = await opener.argv();
    expect(argv.join(' ')).not.toContain(running.token);
    expect(argv).toHaveLength(1);
    const match = /^(http:\/\/127\.0\.0\.1:\d+)\/#code=([A-Za-z0-9_-]{43})$/.exec(argv[0]!);
    expect(match, argv[0]).not.toBeNull();
    expect(match![1]).toBe(running.origin);

    const exchange = (): Promise<Response> =>
      fetch(`${running!.origin}/api/session`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: running!.origin },
        body: JSON.stringify({ code: match![2] }),
      });
    const first = await exchange();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, value: { token: running.token } });
    expect((await exchange()).status).toBe(401);
    // The line for the person is unchanged (the contract in cli.md).
    expect(running.line).toBe(`LabBoot console: ${running.url}`);
  });
});

/**
 * `labboot serve` (the bundled CLI) ends with one event-loop delay summary line on stderr, the
 * same text in the log file: the delay percentiles since it started and the boot events it
 * stored, in how many write transactions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labbootBin, repoRoot } from '../../helpers/console-process';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir();
const dataDir = join(tmp.path, 'data');
let child: ChildProcess | undefined;

afterAll(() => {
  // Only if the test failed before it stopped the child itself.
  if (child !== undefined && child.exitCode === null && child.signalCode === null)
    child.kill('SIGKILL');
  tmp.remove();
});

const SUMMARY =
  /^event loop delay over (\d+) s: p50 \d+\.\d ms, p99 \d+\.\d ms, max \d+\.\d ms; boot events (\d+) in (\d+) writes; histogram <=1ms (\d+), <=5ms (\d+), <=20ms (\d+), <=50ms (\d+), >50ms (\d+)$/;

async function until(ok: () => boolean, what: () => string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('labboot serve', () => {
  it('prints the event-loop delay summary once when stopped, and logs it', async () => {
    const serve = spawn(
      process.execPath,
      [
        labbootBin,
        '--data',
        dataDir,
        'serve',
        '--address',
        '127.0.0.1',
        '--dhcp',
        'off',
        '--tftp-port',
        '0',
        '--http-port',
        '0',
      ],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = serve;
    let err = '';
    serve.stderr.on('data', (d: Buffer) => (err += d.toString()));
    serve.stdout.resume();
    await until(
      () => /LabBoot serving:/.test(err),
      () => err,
    );
    const port = Number(/HTTP 127\.0\.0\.1:(\d+)/.exec(err)?.[1]);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/no-such-file-${i}`);
      expect(res.status).toBe(404);
    }
    const exited = new Promise<number | null>((r) => serve.once('exit', (code) => r(code)));
    serve.kill('SIGINT');
    expect(await exited).toBe(0);

    const lines = err.split('\n').filter((l) => l.startsWith('event loop delay'));
    expect(lines).toHaveLength(1);
    const m = SUMMARY.exec(lines[0] ?? '');
    expect(m, lines[0]).not.toBeNull();
    const [seconds, events, writes, ...buckets] = (m ?? []).slice(1).map(Number);
    expect(seconds).toBeLessThan(60);
    expect(events).toBe(3);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(3);
    expect(buckets.reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThan(0);
    // Before "LabBoot stopped.", after the last boot event was stored.
    expect(err.indexOf(lines[0] ?? '')).toBeLessThan(err.indexOf('LabBoot stopped.'));
    const logged = readFileSync(join(dataDir, 'labboot.log'), 'utf8');
    expect(logged).toContain(`INFO  [serve] ${lines[0]}`);
  }, 40_000);
});

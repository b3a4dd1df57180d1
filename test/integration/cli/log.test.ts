/**
 * `labboot log` (the bundled CLI) on a store shared with other processes: the newest steps, one
 * machine's steps, lines shaped and escaped like `labboot serve` output, and `--follow` printing what
 * another process writes (rows written here, and a real `labboot serve` on loopback answering HTTP)
 * until Ctrl-C.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { BootLogStore, type BootEvent } from '../../../src-main/boot/dhcp/boot-log-store';
import { formatBootEvent } from '../../../src-shared/boot/events';
import { labbootBin, repoRoot } from '../../helpers/console-process';
import { runBundledCli } from '../../helpers/run-bundled-cli';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir();
const dataDir = join(tmp.path, 'data');
const A = '52:54:00:0a:0a:0a';
const B = '52:54:00:0b:0b:0b';
const T0 = Date.parse('2025-01-02T03:04:05.000Z');
let db: Database;
let log: BootLogStore;
const children: ChildProcess[] = [];

const dhcp = (at: number, mac: string, ip: string, stage: string, detail: string): BootEvent => ({
  at,
  mac,
  clientIp: ip,
  protocol: 'dhcp',
  stage,
  detail,
});

beforeAll(() => {
  db = openDatabase(join(dataDir, 'labboot.sqlite'));
  log = new BootLogStore(db);
  log.record(dhcp(T0, A, '10.0.0.100', 'dhcp-offer', '10.0.0.100 + bios lpxelinux.0 (arch 0)'));
  log.record(dhcp(T0 + 1, B, '10.0.0.101', 'dhcp-offer', '10.0.0.101, host evil\u001b]0;x\u0007'));
  log.record(dhcp(T0 + 2, A, '10.0.0.100', 'dhcp-ack', '10.0.0.100 + bios lpxelinux.0 (arch 0)'));
  // TFTP before the MAC was known: tied to A through the address DHCP gave it.
  log.record({
    at: T0 + 3,
    mac: null,
    clientIp: '10.0.0.100',
    protocol: 'tftp',
    stage: 'tftp-sent',
    detail: 'lpxelinux.0 — complete, 42.0 KiB',
  });
  // Written now, not on the flush timer: the CLI reads them from another process.
  log.flush();
});

afterEach(async () => {
  await Promise.all(children.splice(0).map(stop));
});

afterAll(() => {
  db.close();
  tmp.remove();
});

/** stop ends a child we started, by its pid, and waits for it (SIGKILL after 5 s). */
async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** start runs the bundled CLI in the background, collecting its output. */
function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string } {
  const child = spawn(process.execPath, [labbootBin, '--data', dataDir, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return { child, out: () => out, err: () => err };
}

/** until polls `ok` every 50 ms for at most `ms`. */
async function until(ok: () => boolean, what: () => string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('labboot log', () => {
  it('prints the newest steps as NDJSON, oldest first', async () => {
    const r = await runBundledCli(['--data', dataDir, '--json', 'log', '--limit', '2']);
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.stage, x.mac])).toEqual([
      ['dhcp-ack', A],
      ['tftp-sent', null],
    ]);
    expect(rows[0]).toMatchObject({
      at: new Date(T0 + 2).toISOString(),
      clientIp: '10.0.0.100',
      protocol: 'dhcp',
    });
  });

  it("prints one machine's steps like `labboot serve` lines, and escapes control characters", async () => {
    const [a, b] = await Promise.all([
      runBundledCli(['--data', dataDir, 'log', '--mac', '52-54-00-0A-0A-0A']),
      runBundledCli(['--data', dataDir, 'log', '--mac', B]),
    ]);
    expect(a.status, a.stderr).toBe(0);
    const serveLine = formatBootEvent({
      protocol: 'dhcp',
      at: new Date(T0 + 2).toISOString(),
      client: '10.0.0.100',
      mac: A,
      stage: 'dhcp-ack',
      detail: '10.0.0.100 + bios lpxelinux.0 (arch 0)',
    });
    expect(a.stdout.split('\n')).toEqual([
      `${new Date(T0).toISOString()} dhcp ${A} dhcp-offer 10.0.0.100 + bios lpxelinux.0 (arch 0)`,
      serveLine,
      `${new Date(T0 + 3).toISOString()} tftp 10.0.0.100 lpxelinux.0 — complete, 42.0 KiB`,
      '',
    ]);
    expect(b.stdout).toBe(
      `${new Date(T0 + 1).toISOString()} dhcp ${B} dhcp-offer 10.0.0.101, host evil\\x1b]0;x\\x07\n`,
    );
  });

  it('refuses a bad MAC or limit, and says when a machine has no steps', async () => {
    const [badMac, badLimit, none] = await Promise.all([
      runBundledCli(['--data', dataDir, 'log', '--mac', 'nope']),
      runBundledCli(['--data', dataDir, 'log', '--limit', '-3']),
      runBundledCli(['--data', dataDir, 'log', '--mac', '52:54:00:00:00:00']),
    ]);
    expect(badMac.status).toBe(1);
    expect(badMac.stderr).toBe(
      'labboot: "nope" is not a MAC address; write it like 52:54:00:12:34:56.\n',
    );
    expect(badLimit.status).toBe(2);
    expect(none.status).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe('The boot log has no steps of 52:54:00:00:00:00.\n');
  });

  it("--follow --mac prints that machine's new steps as another process writes them, until Ctrl-C", async () => {
    const f = start(['--json', 'log', '--follow', '--mac', A, '--limit', '1']);
    await until(() => /Following the boot log of/.test(f.err()), f.err);
    expect(f.out().trimEnd().split('\n')).toHaveLength(1);
    log.record(dhcp(Date.now(), B, '10.0.0.101', 'dhcp-ack', 'for B only'));
    log.record(dhcp(Date.now(), A, '10.0.0.100', 'dhcp-release', '10.0.0.100'));
    await until(() => f.out().includes('dhcp-release'), f.out);
    // A burst bigger than one poll's batch arrives whole and in order.
    for (let i = 0; i < 1200; i++) log.record(dhcp(Date.now(), A, '10.0.0.100', 'burst', `#${i}`));
    await until(
      () => f.out().includes('"#1199"'),
      () => f.out().slice(-300),
    );
    const lines = f.out().trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 1 + 1200);
    expect(f.out()).not.toContain('for B only');
    const ids = lines.map((l) => (JSON.parse(l) as { id: number }).id);
    expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    expect(await stop(f.child)).toBe(0);
  });

  it('--follow prints what a running `labboot serve` serves', async () => {
    const serve = start([
      'serve',
      '--address',
      '127.0.0.1',
      '--dhcp',
      'off',
      '--tftp-port',
      '0',
      '--http-port',
      '0',
    ]);
    await until(() => /LabBoot serving:/.test(serve.err()), serve.err, 20_000);
    const port = Number(/HTTP 127\.0\.0\.1:(\d+)/.exec(serve.err())?.[1]);
    const f = start(['log', '--follow', '--limit', '1']);
    await until(() => /Following the boot log;/.test(f.err()), f.err);
    const res = await fetch(`http://127.0.0.1:${port}/no-such-file`);
    expect(res.status).toBe(404);
    await until(() => f.out().includes('/no-such-file'), f.out);
    const logLine =
      f
        .out()
        .split('\n')
        .find((l) => l.includes('/no-such-file')) ?? '';
    const serveLine =
      serve
        .out()
        .split('\n')
        .find((l) => l.includes('/no-such-file')) ?? '';
    // Both say why the request failed, in the same words.
    expect(logLine).toMatch(
      /^\S+Z http 127\.0\.0\.1 GET \/no-such-file — 404, \d+ B \(asked for no-such-file, not served\)$/,
    );
    expect(serveLine).toMatch(
      /^\S+Z http 127\.0\.0\.1 GET \/no-such-file 404 \d+ B in \d+ ms \(asked for no-such-file, not served\)$/,
    );
    // The same request at the same moment: both lines start with the same time and client.
    expect(logLine.split(' ').slice(0, 3)).toEqual(serveLine.split(' ').slice(0, 3));
    expect(await stop(f.child)).toBe(0);
  });
});

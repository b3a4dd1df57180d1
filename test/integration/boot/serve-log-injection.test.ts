/**
 * A hostile TFTP client against a running `labboot serve` on loopback (DHCP off, TFTP and HTTP on
 * ports the OS picks): file names and modes carrying a forged log line, ESC/OSC sequences and C1
 * controls must come out as one escaped line each, on stdout and stderr alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { cliMain, repoRoot } from '../../helpers/mirror/run-cli';
import { makeTempDir } from '../../helpers/temp-dir';

const FORGED =
  'a.efi\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete 7.9 MiB in 3 ms';
const TERMINAL = '\u001b]0;owned\u0007\u001b[2J\u009b31m';
// Everything a terminal would act on except the newline that ends each line.
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/;

let data: ReturnType<typeof makeTempDir>;
let child: ChildProcess | undefined;
let client: Socket | undefined;
let stdout = '';
let stderr = '';
let tftpPort = 0;

async function until(done: () => boolean, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline || (child !== undefined && child.exitCode !== null)) {
      throw new Error(`${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** rrq is a TFTP read request (RFC 1350 §5) with the name and mode as raw latin1 bytes. */
const rrq = (name: string, mode: string): Buffer =>
  Buffer.concat([
    Buffer.from([0, 1]),
    Buffer.from(name, 'latin1'),
    Buffer.from([0]),
    Buffer.from(mode, 'latin1'),
    Buffer.from([0]),
  ]);

beforeAll(async () => {
  data = makeTempDir('labboot-serve-inject-');
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cliMain,
      '--data',
      data.path,
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
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
  await until(() => /LabBoot serving:/.test(stderr), 'serve did not start', 30_000);
  tftpPort = Number(/TFTP 127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
  client = createSocket('udp4');
  await new Promise<void>((resolve) => client?.bind(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  if (client !== undefined) await new Promise<void>((resolve) => client?.close(() => resolve()));
  if (child !== undefined && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  data?.remove();
});

describe('labboot serve output under log injection', () => {
  it('prints each hostile TFTP request as exactly one escaped line', async () => {
    const requests = [rrq(`${FORGED}${TERMINAL}`, 'octet'), rrq('b.efi', `octet${TERMINAL}`)];
    for (const bytes of requests) client?.send(bytes, tftpPort, '127.0.0.1');
    const lines = (): string[] => stdout.split('\n').filter((l) => / tftp 127\.0\.0\.1 /.test(l));
    await until(() => lines().length >= 2, 'serve printed no line for the requests', 10_000);
    await new Promise((r) => setTimeout(r, 200)); // a forged extra line would arrive with them

    const printed = stdout.split('\n').filter((l) => l !== '');
    expect(printed).toHaveLength(2);
    expect(printed.some((l) => l.includes('10.66.66.66') && !l.includes('tftp 127.0.0.1'))).toBe(
      false,
    );
    expect(printed.filter((l) => l.includes(' a.efi'))).toEqual([
      expect.stringContaining(
        'a.efi\\n2026-01-01T00:00:00.000Z tftp 10.66.66.66 FORGED-ENTRY.efi complete 7.9 MiB in 3 ms\\x1b]0;owned\\x07\\x1b[2J\\x9b31m',
      ),
    ]);
    // The TFTP codec lower-cases the mode (RFC 1350 §5: modes are case-insensitive).
    expect(printed.filter((l) => l.includes(' b.efi'))).toEqual([
      expect.stringContaining('(mode octet\\x1b]0;owned\\x07\\x1b[2j\\x9b31m)'),
    ]);
    expect(stdout).not.toMatch(RAW_CONTROL);
    expect(stderr).not.toMatch(RAW_CONTROL);
  });
});

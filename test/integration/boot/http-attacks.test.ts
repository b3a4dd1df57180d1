/**
 * Attacks on BootHttpServer that once worked or must keep failing, kept as tests (loopback only,
 * bounded): a file swapped for a symlink after its check, planted FIFOs that used to block the
 * thread pool, errors that reached clients without reaching the log, the traversal corpus, Range
 * abuse and idle sockets.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import {
  closeSync,
  constants as fsc,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { BootHttpServer, type HttpRequestEvent } from '../../../src-main/boot/http/http-server';
import { openConfined, type BootContentResolver } from '../../../src-main/boot/boot-files';
import { makeTempDir } from '../../helpers/temp-dir';
import { requireBinaries } from '../../helpers/boot/udp-tools';

const tmp = makeTempDir('labboot-http-attacks-');
const root = join(tmp.path, 'root');
const secret = join(tmp.path, 'secret.txt');
const fifo = join(root, 'fifo');
const body = randomBytes(100_000);
const log: string[] = [];
const events: HttpRequestEvent[] = [];
let server: BootHttpServer;

/**
 * Serves `root`, plus three planted failures: `broken` (the resolver fails with a path in its
 * message), `shrinking.bin` (a file shorter than its size) and `swap.bin` (swapped for a symlink to
 * the secret right after its check).
 */
const resolver: BootContentResolver = {
  resolve: async (name) => {
    if (name === 'broken')
      throw new Error(`EACCES: permission denied, open '${join(tmp.path, 'store', 'blob')}'`);
    const content = await openConfined(root, name);
    if (name === 'shrinking.bin') return { ...content, size: content.size + 1_000_000 };
    if (name === 'swap.bin') {
      renameSync(join(root, 'swap.bin'), join(root, 'swap-old.bin'));
      symlinkSync(secret, join(root, 'swap.bin'));
    }
    return content;
  },
};

beforeAll(async () => {
  await requireBinaries(['curl', 'mkfifo', 'mknod']);
  mkdirSync(root);
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'file.bin'), body);
  writeFileSync(join(root, 'shrinking.bin'), randomBytes(10_000));
  writeFileSync(join(root, 'swap.bin'), body);
  writeFileSync(secret, 'outside the root\n');
  symlinkSync(secret, join(root, 'link-out'));
  symlinkSync(tmp.path, join(root, 'dir-out'));
  execFileSync('mkfifo', [fifo]);
  execFileSync('mknod', [join(root, 'null'), 'c', '1', '3']);
  server = await BootHttpServer.start({
    address: '127.0.0.1',
    port: 0,
    resolver,
    onRequest: (e) => events.push(e),
    log: {
      warn: (c, m) => log.push(`[${c}] ${m}`),
      error: (c, m) => log.push(`[${c}] ${m}`),
    },
  });
});

afterAll(async () => {
  // A reader stuck in open() on the FIFO (the bug this guards against) is released by a writer.
  try {
    closeSync(openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK));
  } catch {
    // No reader waiting: nothing to release.
  }
  await server?.close();
  tmp.remove();
});

/** GET with curl (path sent as is): status, body and curl's exit code (non-zero when cut short). */
function get(
  path: string,
  extra: string[] = [],
): Promise<{ status: number; body: Buffer; exit: number }> {
  const file = join(tmp.path, `body-${Math.random().toString(36).slice(2)}`);
  const args = [
    '-sS',
    '--path-as-is',
    '--max-time',
    '5',
    '-o',
    file,
    '-w',
    '%{http_code}',
    ...extra,
  ];
  return new Promise((resolve) => {
    execFile('curl', [...args, `http://127.0.0.1:${server.port}${path}`], (error, stdout) => {
      let saved = Buffer.alloc(0);
      try {
        saved = readFileSync(file);
      } catch {
        // No body written.
      }
      const exit = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ status: Number(stdout), body: saved, exit });
    });
  });
}

describe('BootHttpServer under attack', () => {
  it('serves the file it checked even if it is swapped for a symlink right after', async () => {
    const r = await get('/swap.bin');
    expect(r.status).toBe(200);
    expect(Buffer.compare(r.body, body)).toBe(0);
  });

  it('refuses planted FIFOs and device nodes at once and keeps serving', async () => {
    const t0 = performance.now();
    // More FIFO requests than libuv has pool threads: a blocking open would take them all.
    const refused = await Promise.all(
      Array.from({ length: 8 }, (_, i) => get(i % 2 ? '/null' : '/fifo')),
    );
    expect(refused.map((r) => r.status)).toEqual(Array.from({ length: 8 }, () => 404));
    const ok = await get('/file.bin');
    expect(ok.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('answers a server failure with "server error" and logs the detail', async () => {
    const r = await get('/broken');
    expect(r.status).toBe(500);
    expect(r.body.toString()).toBe('server error\n');
    expect(log.join('\n')).toContain(`GET "/broken": EACCES: permission denied, open '${tmp.path}`);
  });

  it('cuts a response whose file shrank, and logs why', async () => {
    const r = await get('/shrinking.bin');
    expect(r.status).toBe(200);
    expect(r.exit).not.toBe(0); // curl: transfer closed with outstanding data
    await vi.waitFor(() =>
      expect(log.join('\n')).toMatch(
        /GET "\/shrinking\.bin" \(.*shrinking\.bin\): file shrank while being served/,
      ),
    );
  });

  it('never serves anything outside the root, however the path is spelled', async () => {
    const corpus = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%252e%252e/secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%c0%af..%c0%afsecret.txt',
      '/..%2fsecret.txt',
      '/..%5csecret.txt',
      '/sub/..%2f..%2fsecret.txt',
      '/file.bin%00.txt',
      '/%00',
      '/link-out',
      '/dir-out/secret.txt',
      `/${secret}`,
      `//${secret}`,
      '/%2f%2e%2e%2fsecret.txt',
    ];
    for (const path of corpus) {
      const r = await get(path);
      expect([400, 403, 404], path).toContain(r.status);
      expect(r.body.toString(), path).not.toContain('outside the root');
      expect(r.body.toString(), path).not.toContain(tmp.path);
    }
  });

  it('answers Range abuse with the whole file, one exact range or 416, never more', async () => {
    const cases: Array<[string, number, Buffer | undefined]> = [
      ['bytes=0-0,-1', 200, body],
      ['bytes=5-2', 200, body],
      ['bytes=99999999999999999999-', 416, undefined],
      ['bytes=-99999999999999999999', 206, body],
      ['bytes=-0', 416, undefined],
      ['bytes=100000-', 416, undefined],
      ['bytes=99990-200000', 206, body.subarray(99_990)],
      ['items=0-10', 200, body],
      [`bytes=${'0-1,'.repeat(2000)}0-1`, 200, body],
    ];
    for (const [range, status, expected] of cases) {
      const r = await get('/file.bin', ['-H', `Range: ${range}`]);
      expect(r.status, range).toBe(status);
      if (expected) expect(Buffer.compare(r.body, expected), range).toBe(0);
    }
  });

  it('keeps serving while 300 idle connections sit open', async () => {
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        const s = connect({ host: '127.0.0.1', port: server.port });
        s.on('error', () => undefined);
        idle.push(s);
      }
      await Promise.all(idle.map((s) => new Promise((resolve) => s.once('connect', resolve))));
      const t0 = performance.now();
      const r = await get('/file.bin');
      expect(r.status).toBe(200);
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      for (const s of idle) s.destroy();
    }
  });

  it('reports every request, and only the planted server failure is a 500', () => {
    expect(events.length).toBeGreaterThan(30);
    expect(events.every((e) => e.status < 500 || e.path === '/broken')).toBe(true);
  });
});

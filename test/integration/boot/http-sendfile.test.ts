/**
 * File bodies sent with sendfile through the native module: BootHttpServer against curl on
 * loopback (whole files, ranges, keep-alive, HTTP/1.0, aborts, close, 20 at once, the buffered
 * fallback), and the module's startSendfile/abortSendfile on a loopback socket pair.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { mkdirSync, openSync, closeSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BootHttpServer, type HttpRequestEvent } from '../../../src-main/boot/http/http-server';
import {
  nativeSendfileEngine,
  sendFileBody,
  socketDescriptor,
} from '../../../src-main/boot/http/send-file';
import { directoryResolver } from '../../../src-main/boot/boot-files';
import {
  loadNativeAddon,
  type NativeAddon,
  type NativeSendfileResult,
} from '../../../src-main/boot/native-addon';
import { makeTempDir } from '../../helpers/temp-dir';
import { requireBinaries, run } from '../../helpers/boot/udp-tools';

const tmp = makeTempDir('labboot-http-sendfile-');
const root = join(tmp.path, 'root');
const big = randomBytes(8 * 1024 * 1024);
const slow = randomBytes(64 * 1024 * 1024);
const small = randomBytes(10_000);
const events: HttpRequestEvent[] = [];
const logged: string[] = [];
let server: BootHttpServer;
let fallback: BootHttpServer;

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The names of this process's threads that are sending a file right now. */
function sendfileThreads(): number {
  let n = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === 'http-sendfile') n++;
    } catch {
      // The thread ended while being listed.
    }
  }
  return n;
}

const openFds = (): number => readdirSync('/proc/self/fd').length;

function addon(): NativeAddon & Required<Pick<NativeAddon, 'startSendfile' | 'abortSendfile'>> {
  const a = loadNativeAddon();
  if (a?.startSendfile === undefined || a.abortSendfile === undefined)
    throw new Error('the native module is not built with sendfile: run `npm run build:native`');
  return a as NativeAddon & Required<Pick<NativeAddon, 'startSendfile' | 'abortSendfile'>>;
}

beforeAll(async () => {
  await requireBinaries(['curl']);
  addon();
  mkdirSync(root);
  writeFileSync(join(root, 'big.bin'), big);
  writeFileSync(join(root, 'slow.bin'), slow);
  writeFileSync(join(root, 'small.bin'), small);
  const log = { warn: (c: string, m: string) => logged.push(`[${c}] ${m}`) };
  server = await BootHttpServer.start({
    address: '127.0.0.1',
    port: 0,
    resolver: directoryResolver(root),
    onRequest: (e) => events.push(e),
    log: { ...log, error: log.warn },
  });
  fallback = await BootHttpServer.start({
    address: '127.0.0.1',
    port: 0,
    resolver: directoryResolver(root),
    sendfile: false,
    log: { ...log, error: log.warn },
  });
});

afterAll(async () => {
  await server?.close();
  await fallback?.close();
  tmp.remove();
});

const url = (s: BootHttpServer, p: string): string => `http://127.0.0.1:${s.port}${p}`;

/** curl into a file: status, headers (lower-case names), body and curl's -w output. */
async function curl(
  target: string,
  extra: string[] = [],
): Promise<{ status: number; headers: Record<string, string>; body: Buffer; raw: string }> {
  const file = join(tmp.path, `body-${Math.random().toString(36).slice(2)}`);
  const { stdout } = await run('curl', ['-sS', '-D', '-', '-o', file, ...extra, target]);
  const lines = stdout.trim().split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = Buffer.alloc(0);
  try {
    body = readFileSync(file);
  } catch {
    // No body (HEAD, 304).
  }
  return { status: Number(lines[0]?.split(' ')[1]), headers, body, raw: stdout };
}

/** Starts a rate-limited download of slow.bin and resolves with curl's exit code when it ends. */
function slowDownload(target: string, maxTimeS: number): { exit: Promise<number>; pid: number } {
  const p = spawn(
    'curl',
    ['-sS', '--limit-rate', '1M', '--max-time', String(maxTimeS), '-o', '/dev/null', target],
    { stdio: 'ignore' },
  );
  const exit = new Promise<number>((resolve) => p.on('close', (code) => resolve(code ?? -1)));
  return { exit, pid: p.pid ?? -1 };
}

describe('BootHttpServer with sendfile', () => {
  it('sends whole files over HTTP/1.1 and 1.0, with the right boot-log byte count', async () => {
    for (const v of ['--http1.1', '--http1.0']) {
      const before = events.length;
      const r = await curl(url(server, '/big.bin'), [v]);
      expect(r.status).toBe(200);
      expect(r.raw).toMatch(new RegExp(`^Content-Length: ${big.length}\\r$`, 'm'));
      expect(sha(r.body)).toBe(sha(big));
      await vi.waitFor(() => expect(events.length).toBe(before + 1));
      expect(events.at(-1)).toMatchObject({ status: 200, bytes: big.length, path: '/big.bin' });
    }
  });

  it('sends the body on a thread of its own while the download runs', async () => {
    const d = slowDownload(url(server, '/slow.bin'), 2);
    await vi.waitFor(() => expect(sendfileThreads()).toBe(1), { timeout: 5000 });
    await d.exit;
    await vi.waitFor(() => expect(sendfileThreads()).toBe(0), { timeout: 5000 });
  });

  it('sends ranges, and still answers HEAD, If-Range, 304 and 416', async () => {
    const large = await curl(url(server, '/big.bin'), ['-r', '100000-5000000']);
    expect(large.status).toBe(206);
    expect(large.headers['content-range']).toBe(`bytes 100000-5000000/${big.length}`);
    expect(Buffer.compare(large.body, big.subarray(100_000, 5_000_001))).toBe(0);
    expect(events.at(-1)?.bytes).toBe(4_900_001);
    const tail = await curl(url(server, '/big.bin'), ['-r', '-70000']);
    expect(Buffer.compare(tail.body, big.subarray(big.length - 70_000))).toBe(0);
    const head = await curl(url(server, '/big.bin'), ['-I']);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(big.length));
    await vi.waitFor(() => expect(events.at(-1)).toMatchObject({ method: 'HEAD', bytes: 0 }));
    const etag = head.headers.etag ?? '';
    const resumed = await curl(url(server, '/big.bin'), [
      '-r',
      '4000000-',
      '-H',
      `If-Range: ${etag}`,
    ]);
    expect(resumed.status).toBe(206);
    expect(Buffer.compare(resumed.body, big.subarray(4_000_000))).toBe(0);
    const stale = await curl(url(server, '/big.bin'), ['-r', '10-19', '-H', 'If-Range: "old"']);
    expect(stale.status).toBe(200);
    expect(sha(stale.body)).toBe(sha(big));
    expect((await curl(url(server, '/big.bin'), ['-H', `If-None-Match: ${etag}`])).status).toBe(
      304,
    );
    expect((await curl(url(server, '/big.bin'), ['-r', `${big.length}-`])).status).toBe(416);
    const little = await curl(url(server, '/small.bin'));
    expect(Buffer.compare(little.body, small)).toBe(0);
  });

  it('answers a second request on the same connection right after a sendfile body', async () => {
    const a = join(tmp.path, 'keep-a');
    const b = join(tmp.path, 'keep-b');
    const { stdout } = await run('curl', [
      '-sS',
      '-w',
      '%{num_connects} ',
      '-o',
      a,
      url(server, '/big.bin'),
      '-o',
      b,
      url(server, '/big.bin'),
    ]);
    expect(stdout.trim().split(' ')).toEqual(['1', '0']); // the second reused the connection
    expect(sha(readFileSync(a))).toBe(sha(big));
    expect(sha(readFileSync(b))).toBe(sha(big));
  });

  it('keeps pipelined responses in order when the client reads late', async () => {
    // The second response's headers queue in Node behind a full socket; its body must wait for them.
    const socket = connect({ host: '127.0.0.1', port: server.port });
    const chunks: Buffer[] = [];
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.pause();
    const ended = new Promise<void>((resolve) => socket.once('end', resolve));
    const get = (connection: string): string =>
      `GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: ${connection}\r\n\r\n`;
    socket.write(get('keep-alive') + get('keep-alive') + get('close'));
    await new Promise((r) => setTimeout(r, 500));
    socket.resume();
    await ended;
    socket.destroy();
    let rest = Buffer.concat(chunks);
    const bodies: Buffer[] = [];
    while (rest.length > 0) {
      const end = rest.indexOf('\r\n\r\n');
      expect(end).toBeGreaterThan(0);
      const head = rest.subarray(0, end).toString('latin1');
      expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      const length = Number(/\r\nContent-Length: (\d+)/.exec(head)?.[1]);
      bodies.push(rest.subarray(end + 4, end + 4 + length));
      rest = rest.subarray(end + 4 + length);
    }
    expect(bodies.map((b) => sha(b))).toEqual([sha(big), sha(big), sha(big)]);
  });

  it('starts the body only after every byte Node still queues on the socket', async () => {
    // A handler that left 32 MiB in Node's queue (more than loopback buffers hold while the
    // client does not read): sendfile writes to the descriptor directly, so it must wait for them.
    const queued = Buffer.alloc(32 * 1024 * 1024, 0x2e);
    const file = await open(join(root, 'big.bin'), 'r');
    const plain = createHttpServer((_req, res) => {
      res.socket?.write(queued);
      res.writeHead(200, { 'Content-Length': big.length });
      void sendFileBody(
        { res, file, start: 0, length: big.length, count: () => undefined },
        nativeSendfileEngine(),
      );
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const address = plain.address();
      const socket = connect({
        host: '127.0.0.1',
        port: typeof address === 'object' && address ? address.port : 0,
      });
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.pause();
      const ended = new Promise<void>((resolve) => socket.once('close', resolve));
      socket.write('GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
      await new Promise((r) => setTimeout(r, 300));
      socket.resume();
      await ended;
      const all = Buffer.concat(chunks);
      expect(all.subarray(0, queued.length).every((b) => b === 0x2e)).toBe(true);
      const rest = all.subarray(queued.length);
      const end = rest.indexOf('\r\n\r\n');
      expect(rest.subarray(0, end).toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(sha(rest.subarray(end + 4))).toBe(sha(big));
    } finally {
      plain.closeAllConnections();
      await new Promise((resolve) => plain.close(resolve));
      await file.close();
    }
  });

  it('gives up when the headers stay queued behind a client that reads nothing', async () => {
    const file = await open(join(root, 'big.bin'), 'r');
    let answer: Promise<string | undefined> | undefined;
    const plain = createHttpServer((_req, res) => {
      res.socket?.write(Buffer.alloc(32 * 1024 * 1024));
      res.writeHead(200, { 'Content-Length': big.length });
      answer = sendFileBody(
        { res, file, start: 0, length: big.length, count: () => undefined, stallMs: 300 },
        nativeSendfileEngine(),
      );
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const address = plain.address();
    const socket = connect({
      host: '127.0.0.1',
      port: typeof address === 'object' && address ? address.port : 0,
    });
    socket.on('error', () => undefined);
    try {
      socket.pause();
      const closed = new Promise<void>((resolve) => socket.once('close', resolve));
      socket.write('GET / HTTP/1.1\r\nHost: t\r\n\r\n');
      await vi.waitFor(() => expect(answer).toBeDefined());
      expect(await answer).toBe('the client took nothing for 0.3 s');
      socket.resume();
      await closed; // the server cut the connection
    } finally {
      socket.destroy();
      plain.closeAllConnections();
      await new Promise((resolve) => plain.close(resolve));
      await file.close();
    }
  });

  it('survives a client that gives up mid-transfer, and leaks no descriptor', async () => {
    // Warm up lazily opened descriptors (curl pipes, the thread machinery) before counting.
    await curl(url(server, '/big.bin'));
    const fdsBefore = openFds();
    const quitters = Array.from({ length: 3 }, () => slowDownload(url(server, '/slow.bin'), 1));
    await vi.waitFor(() => expect(sendfileThreads()).toBe(3), { timeout: 5000 });
    const meanwhile = await curl(url(server, '/big.bin'));
    expect(sha(meanwhile.body)).toBe(sha(big));
    expect(await Promise.all(quitters.map((q) => q.exit))).toEqual([28, 28, 28]); // curl: timeout
    const after = await curl(url(server, '/big.bin'));
    expect(sha(after.body)).toBe(sha(big));
    await vi.waitFor(
      () => {
        expect(sendfileThreads()).toBe(0);
        expect(openFds()).toBe(fdsBefore);
      },
      { timeout: 5000 },
    );
    expect(logged.join('\n')).not.toMatch(/slow\.bin/); // a client leaving is not a server failure
    // The boot log counts what went out before each client left, not zero.
    const cut = events.filter((e) => e.path === '/slow.bin').slice(-3);
    expect(cut).toHaveLength(3);
    for (const e of cut) {
      expect(e.bytes).toBeGreaterThan(0);
      expect(e.bytes).toBeLessThan(slow.length);
    }
  });

  it('ends transfers promptly when the server closes', async () => {
    const ownEvents: HttpRequestEvent[] = [];
    const own = await BootHttpServer.start({
      address: '127.0.0.1',
      port: 0,
      resolver: directoryResolver(root),
      onRequest: (e) => ownEvents.push(e),
    });
    const d = slowDownload(url(own, '/slow.bin'), 30);
    await vi.waitFor(() => expect(sendfileThreads()).toBe(1), { timeout: 5000 });
    const t0 = performance.now();
    await own.close();
    await vi.waitFor(() => expect(sendfileThreads()).toBe(0), { timeout: 2000 });
    expect(performance.now() - t0).toBeLessThan(2000);
    // The client first reads what the kernel already holds for it (megabytes at 1 MB/s).
    expect(await d.exit).toBe(18); // curl: partial file
    // The boot log counts what went out before the close, which the thread reports after it.
    expect(ownEvents).toHaveLength(1);
    expect(ownEvents[0]?.bytes).toBeGreaterThan(0);
    expect(ownEvents[0]?.bytes).toBeLessThan(slow.length);
  });

  it('sends 20 downloads at once, every one complete', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => curl(url(server, '/big.bin'))),
    );
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(sha(r.body)).toBe(sha(big));
    }
  });

  it('streams through buffers when sendfile is switched off', async () => {
    const d = slowDownload(url(fallback, '/slow.bin'), 1);
    let ended = false;
    const threadsSeen: number[] = [];
    void d.exit.then(() => (ended = true));
    // Sampled over the whole rate-limited download: never a sendfile thread.
    for (let i = 0; i < 100 && !ended; i++) {
      threadsSeen.push(sendfileThreads());
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await d.exit).toBe(28);
    expect(threadsSeen.length).toBeGreaterThan(5);
    expect(threadsSeen.every((n) => n === 0)).toBe(true);
    const whole = await curl(url(fallback, '/big.bin'), ['--http1.0']);
    expect(sha(whole.body)).toBe(sha(big));
    const part = await curl(url(fallback, '/big.bin'), ['-r', '100000-5000000']);
    expect(Buffer.compare(part.body, big.subarray(100_000, 5_000_001))).toBe(0);
  });
});

/** A connected loopback pair: `server` is the accepted side whose descriptor the module sends on. */
async function socketPair(): Promise<{ listener: Server; server: Socket; client: Socket }> {
  const listener = createServer();
  const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const client = connect({ host: '127.0.0.1', port });
  client.on('error', () => undefined);
  const server = await accepted;
  server.on('error', () => undefined);
  return { listener, server, client };
}

function fdOf(socket: Socket): number {
  const fd = socketDescriptor(socket);
  if (fd === undefined) throw new Error('the socket has no descriptor');
  return fd;
}

function sendfile(
  options: {
    socketFd: number;
    fileFd: number;
    offset: number;
    length: number;
    stallTimeoutMs?: number;
  },
  onStart: (abort: () => void) => void = () => undefined,
): Promise<NativeSendfileResult> {
  const a = addon();
  return new Promise((resolve) => {
    const handle = a.startSendfile({ stallTimeoutMs: 10_000, ...options }, resolve);
    onStart(() => a.abortSendfile(handle));
  });
}

describe('startSendfile in the native module', () => {
  it('sends an exact range, and says when the file is shorter than asked', async () => {
    const pair = await socketPair();
    const fd = openSync(join(root, 'big.bin'), 'r');
    try {
      const received: Buffer[] = [];
      pair.client.on('data', (d: Buffer) => received.push(d));
      const result = await sendfile({
        socketFd: fdOf(pair.server),
        fileFd: fd,
        offset: 12_345,
        length: 3_000_000,
      });
      expect(result).toEqual({ outcome: 'complete', bytesSent: 3_000_000, detail: '' });
      await vi.waitFor(() => expect(Buffer.concat(received).length).toBe(3_000_000));
      expect(Buffer.compare(Buffer.concat(received), big.subarray(12_345, 3_012_345))).toBe(0);
      const short = await sendfile({
        socketFd: fdOf(pair.server),
        fileFd: fd,
        offset: big.length - 10,
        length: 100,
      });
      expect(short).toEqual({
        outcome: 'error',
        bytesSent: 10,
        detail: 'file shrank while being served',
      });
    } finally {
      closeSync(fd);
      pair.client.destroy();
      pair.server.destroy();
      pair.listener.close();
    }
  });

  it('stops a transfer the client does not read when aborted, and reports a reset', async () => {
    const pair = await socketPair();
    const fd = openSync(join(root, 'slow.bin'), 'r');
    try {
      pair.client.pause(); // the socket buffers fill up and the thread waits in poll
      const t0 = performance.now();
      const aborted = await sendfile(
        { socketFd: fdOf(pair.server), fileFd: fd, offset: 0, length: slow.length },
        (abort) => setTimeout(abort, 200),
      );
      expect(aborted.outcome).toBe('aborted');
      expect(aborted.bytesSent).toBeGreaterThan(0);
      expect(aborted.bytesSent).toBeLessThan(slow.length);
      expect(performance.now() - t0).toBeLessThan(2000);
      const gone = sendfile(
        { socketFd: fdOf(pair.server), fileFd: fd, offset: 0, length: slow.length },
        () => setTimeout(() => pair.client.resetAndDestroy(), 200),
      );
      expect((await gone).outcome).toBe('disconnected');
    } finally {
      closeSync(fd);
      pair.client.destroy();
      pair.server.destroy();
      pair.listener.close();
    }
  });

  it('gives up on a client that takes nothing for the stall timeout', async () => {
    const pair = await socketPair();
    const fd = openSync(join(root, 'slow.bin'), 'r');
    try {
      pair.client.pause();
      const t0 = performance.now();
      const stalled = await sendfile({
        socketFd: fdOf(pair.server),
        fileFd: fd,
        offset: 0,
        length: slow.length,
        stallTimeoutMs: 300,
      });
      expect(stalled.outcome).toBe('error');
      expect(stalled.detail).toBe('the client took nothing for 0.3 s');
      expect(stalled.bytesSent).toBeGreaterThan(0);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      expect(performance.now() - t0).toBeLessThan(3000);
    } finally {
      closeSync(fd);
      pair.client.destroy();
      pair.server.destroy();
      pair.listener.close();
    }
  });

  it('keeps sending on its own duplicates after the caller closed its descriptors', async () => {
    const pair = await socketPair();
    const fd = openSync(join(root, 'big.bin'), 'r');
    const received: Buffer[] = [];
    pair.client.on('data', (d: Buffer) => received.push(d));
    const done = sendfile({
      socketFd: fdOf(pair.server),
      fileFd: fd,
      offset: 0,
      length: big.length,
    });
    closeSync(fd);
    const result = await done;
    pair.server.destroy();
    try {
      expect(result.outcome).toBe('complete');
      await vi.waitFor(() => expect(Buffer.concat(received).length).toBe(big.length));
      expect(sha(Buffer.concat(received))).toBe(sha(big));
    } finally {
      pair.client.destroy();
      pair.listener.close();
    }
  });

  it('refuses bad options before starting anything', () => {
    const a = addon();
    const done = (): void => undefined;
    const base = { socketFd: 0, fileFd: 0, offset: 0, length: 1, stallTimeoutMs: 1000 };
    expect(() => a.startSendfile({ ...base, offset: -1 }, done)).toThrow(RangeError);
    expect(() => a.startSendfile({ ...base, length: 1.5 }, done)).toThrow(RangeError);
    expect(() => a.startSendfile({ ...base, stallTimeoutMs: 0 }, done)).toThrow(RangeError);
    expect(() => a.startSendfile({ ...base, socketFd: 1_000_000 }, done)).toThrow(
      /Bad file descriptor/,
    );
  });
});

/**
 * Attacks on TftpServer that once worked, kept as tests (loopback only, bounded in count and time),
 * for both transfer engines: a flood of requests that never ACK, netascii requests that held whole
 * files in memory, planted FIFOs and device nodes, a file swapped for a symlink after its check,
 * and errors that told clients the server's paths.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  constants as fsc,
  closeSync,
  mkdirSync,
  openSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { TftpServer, type TftpTransferEvent } from '../../../src-main/boot/tftp/tftp-server';
import {
  contentReader,
  directoryResolver,
  openConfined,
  type BootContentResolver,
} from '../../../src-main/boot/boot-files';
import { nativeTransferEngine } from '../../../src-main/boot/tftp/native-transfer';
import { sessionTiming } from '../../../src-main/boot/tftp/session';
import { makeTempDir } from '../../helpers/temp-dir';
import { RawClient, requireBinaries, run, sha256File } from '../../helpers/boot/udp-tools';

const tmp = makeTempDir('labboot-tftp-attacks-');
const root = join(tmp.path, 'root');
const out = join(tmp.path, 'out');
const secret = join(tmp.path, 'secret.txt');
const fifo = join(root, 'fifo');

beforeAll(async () => {
  await requireBinaries(['curl', 'mkfifo', 'mknod']);
  mkdirSync(root);
  mkdirSync(out);
  writeFileSync(join(root, 'small.bin'), randomBytes(10_000));
  writeFileSync(secret, 'outside the root\n');
  execFileSync('mkfifo', [fifo]);
  execFileSync('mknod', [join(root, 'null'), 'c', '1', '3']);
});

afterAll(() => {
  // A reader stuck in open() on the FIFO (the bug this guards against) is released by a writer.
  try {
    closeSync(openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK));
  } catch {
    // No reader waiting: nothing to release.
  }
  tmp.remove();
});

/** A log that keeps every line, to check what the server said and to whom. */
function memoryLog(): {
  lines: string[];
  warn: (c: string, m: string) => void;
  error: (c: string, m: string) => void;
} {
  const lines: string[] = [];
  return {
    lines,
    warn: (c, m) => lines.push(`[${c}] ${m}`),
    error: (c, m) => lines.push(`[${c}] ${m}`),
  };
}

/** Sends one RRQ and returns the first reply (or undefined after `ms`). */
async function request(port: number, filename: string, ms = 1000): Promise<RawClient> {
  const c = await RawClient.open();
  c.send({ op: 'rrq', filename, mode: 'octet', options: [] }, port);
  await c.waitFor(1, ms).catch(() => undefined);
  return c;
}

const engines = ['native', 'portable'] as const;

describe.each(engines)('TFTP attacks, %s engine', (engine) => {
  it(
    'serves a real client at once after 2,000 never-ACKed requests from 200 addresses',
    { timeout: 30_000 },
    async () => {
      // Production timing and limits: the flood must not hold the slots for the full backoff.
      const server = await TftpServer.start({
        address: '127.0.0.1',
        port: 0,
        resolver: directoryResolver(root),
        maxBlksize: 1468,
        log: memoryLog(),
        engine,
      });
      const flooders = await Promise.all(
        Array.from({ length: 200 }, (_, i) => RawClient.open(`127.0.0.${i + 2}`)),
      );
      try {
        for (let round = 0; round < 10; round++)
          for (const f of flooders)
            f.send({ op: 'rrq', filename: 'small.bin', mode: 'octet', options: [] }, server.port);
        // Wait until the flood has taken every slot.
        await vi.waitFor(() => expect(server.activeTransfers).toBeGreaterThanOrEqual(250), {
          timeout: 15_000,
          interval: 20,
        });
        const t0 = performance.now();
        const dest = join(out, `after-flood-${engine}`);
        await run('curl', [
          '-sS',
          '--max-time',
          '5',
          `tftp://127.0.0.1:${server.port}/small.bin`,
          '-o',
          dest,
        ]);
        const waited = performance.now() - t0;
        expect(sha256File(dest)).toBe(sha256File(join(root, 'small.bin')));
        expect(waited).toBeLessThan(2000);
      } finally {
        for (const f of flooders) f.close();
        await server.close();
      }
    },
  );

  it('tells clients only generic words and logs the detail', async () => {
    const log = memoryLog();
    const events: TftpTransferEvent[] = [];
    const resolver: BootContentResolver = {
      resolve: async (name) => {
        if (name === 'broken')
          throw new Error(`EACCES: permission denied, open '${join(tmp.path, 'store', 'blob')}'`);
        const content = await openConfined(root, name);
        // A file that shrank after it was opened: every read past 10,000 bytes finds nothing.
        return name === 'shrinking.bin' ? { ...content, size: 200_000 } : content;
      },
    };
    writeFileSync(join(root, 'shrinking.bin'), randomBytes(10_000));
    const server = await TftpServer.start({
      address: '127.0.0.1',
      port: 0,
      resolver,
      maxBlksize: 1468,
      log,
      onTransfer: (e) => events.push(e),
      engine,
    });
    const clients: RawClient[] = [];
    try {
      for (const name of ['broken', 'shrinking.bin', 'missing', '../secret.txt', 'null', 'fifo']) {
        const c = await request(server.port, name);
        clients.push(c);
        const reply = c.received[0]?.packet;
        expect(reply, name).toMatchObject({ op: 'error' });
        if (reply?.op !== 'error') continue;
        expect(['server error', 'file not found', 'access violation'], name).toContain(
          reply.message,
        );
      }
      await vi.waitFor(() => expect(events).toHaveLength(6));
      const logged = log.lines.join('\n');
      expect(logged).toContain(`"broken": EACCES: permission denied, open '${tmp.path}`);
      expect(logged).toMatch(/"shrinking\.bin": read failed: file shrank while being served/);
      expect(events.find((e) => e.file === 'broken')).toMatchObject({ outcome: 'error' });
      expect(events.find((e) => e.file === 'null')).toMatchObject({ outcome: 'not-found' });
    } finally {
      for (const c of clients) c.close();
      await server.close();
    }
  });

  it(
    'refuses a planted FIFO and device node at once and keeps serving',
    { timeout: 15_000 },
    async () => {
      const server = await TftpServer.start({
        address: '127.0.0.1',
        port: 0,
        resolver: directoryResolver(root),
        maxBlksize: 1468,
        log: memoryLog(),
        engine,
      });
      try {
        // More FIFO requests than libuv has pool threads: a blocking open would take them all.
        const t0 = performance.now();
        const refused = await Promise.all(
          Array.from({ length: 8 }, (_, i) => request(server.port, i % 2 ? 'null' : 'fifo', 2000)),
        );
        for (const c of refused) {
          expect(c.received.map((r) => r.packet)).toEqual([
            { op: 'error', code: 1, message: 'file not found' },
          ]);
          c.close();
        }
        const dest = join(out, `after-fifo-${engine}`);
        await run('curl', [
          '-sS',
          '--max-time',
          '5',
          `tftp://127.0.0.1:${server.port}/small.bin`,
          '-o',
          dest,
        ]);
        expect(sha256File(dest)).toBe(sha256File(join(root, 'small.bin')));
        expect(performance.now() - t0).toBeLessThan(2000);
      } finally {
        await server.close();
      }
    },
  );

  it('serves the file it checked even if it is swapped for a symlink right after', async () => {
    const original = randomBytes(3000);
    writeFileSync(join(root, 'swap.bin'), original);
    const resolver: BootContentResolver = {
      resolve: async (name) => {
        const content = await openConfined(root, name);
        renameSync(join(root, 'swap.bin'), join(root, `swap-old-${engine}.bin`));
        symlinkSync(secret, join(root, 'swap.bin'));
        return content;
      },
    };
    const server = await TftpServer.start({
      address: '127.0.0.1',
      port: 0,
      resolver,
      maxBlksize: 1468,
      log: memoryLog(),
      engine,
    });
    const dest = join(out, `swap-${engine}`);
    try {
      await run('curl', [
        '-sS',
        '--max-time',
        '5',
        `tftp://127.0.0.1:${server.port}/swap.bin`,
        '-o',
        dest,
      ]);
      expect(sha256File(dest)).toBe(sha256File(join(root, `swap-old-${engine}.bin`)));
    } finally {
      await server.close();
      execFileSync('rm', ['-f', join(root, 'swap.bin')]);
    }
  });
});

describe('the listening socket', () => {
  it('logs its errors instead of swallowing them, and keeps serving', async () => {
    const log = memoryLog();
    let listening: ReturnType<typeof createSocket> | undefined;
    const server = await TftpServer.start({
      address: '127.0.0.1',
      port: 0,
      resolver: directoryResolver(root),
      maxBlksize: 1468,
      log,
      createSocket: (type) => {
        const socket = createSocket(type);
        listening ??= socket;
        return socket;
      },
    });
    try {
      listening?.emit('error', Object.assign(new Error('recvmsg ENOBUFS'), { code: 'ENOBUFS' }));
      expect(log.lines).toEqual(['[tftp] listening socket on 127.0.0.1: recvmsg ENOBUFS']);
      const c = await request(server.port, 'small.bin');
      expect(c.received[0]?.packet).toMatchObject({ op: 'data', block: 1 });
      c.close();
    } finally {
      await server.close();
    }
  });
});

describe('netascii memory', () => {
  it(
    '48 never-ACKed netascii requests of a 6 MB file hold far less than the file 48 times',
    { timeout: 30_000 },
    async () => {
      const size = 6_000_000;
      writeFileSync(join(root, 'text-6mb.txt'), Buffer.alloc(size, 'a line of text\n\r'));
      const server = await TftpServer.start({
        address: '127.0.0.1',
        port: 0,
        resolver: directoryResolver(root),
        maxBlksize: 1468,
        // Long timers: every transfer stays open until the measurement is done.
        timing: { initialTimeoutMs: 20_000, minTimeoutMs: 20_000, maxTimeoutMs: 20_000 },
        log: memoryLog(),
        engine: 'auto',
      });
      const clients = await Promise.all(Array.from({ length: 48 }, () => RawClient.open()));
      const before = process.memoryUsage().rss;
      let peak = before;
      const probe = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
      try {
        for (const c of clients)
          c.send(
            { op: 'rrq', filename: 'text-6mb.txt', mode: 'netascii', options: [['tsize', '0']] },
            server.port,
          );
        for (const c of clients) {
          const oack = await c.waitFor(1, 20_000);
          // The size is the encoded size: 6 of the 16 bytes in each line are CR or LF.
          expect(oack.packet).toEqual({
            op: 'oack',
            options: [['tsize', String(size + (size / 16) * 2)]],
          });
          c.send({ op: 'ack', block: 0 }, oack.from.port);
          const data = await c.waitFor(2, 20_000);
          expect(data.packet).toMatchObject({ op: 'data', block: 1 });
          if (data.packet.op === 'data')
            expect(Buffer.from(data.packet.data).toString('latin1', 0, 18)).toBe(
              'a line of text\r\n\r\0',
            );
        }
        expect(server.activeTransfers).toBe(48);
        peak = Math.max(peak, process.memoryUsage().rss);
      } finally {
        clearInterval(probe);
        for (const c of clients) c.close();
        await server.close();
      }
      // The whole-file conversion held the file and its encoding per request: 48 × 12 MB.
      expect(peak - before).toBeLessThan(100 * 1024 * 1024);
    },
  );
});

describe('the native engine', () => {
  it('keeps reading its own duplicate of the descriptor after the caller closes it', async () => {
    const engine = nativeTransferEngine();
    expect(engine, 'the native module is built (npm run build:native)').toBeDefined();
    if (engine === undefined) return;
    // Larger than the engine's 256 KiB read-ahead, so it reads again after the caller has closed.
    const body = randomBytes(600_000);
    writeFileSync(join(root, 'dup.bin'), body);
    writeFileSync(join(root, 'other.bin'), randomBytes(600_000));
    const reader = contentReader(await openConfined(root, 'dup.bin'));
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind({ address: '127.0.0.1', port: 0 }, resolve));
    const blocks = new Map<number, Buffer>();
    socket.on('message', (msg, from) => {
      blocks.set(msg.readUInt16BE(2), msg.subarray(4));
      socket.send(Buffer.from([0, 4, msg[2] ?? 0, msg[3] ?? 0]), from.port, from.address);
    });
    try {
      const transfer = await engine.start({
        localAddress: '127.0.0.1',
        type: 'udp4',
        clientAddress: '127.0.0.1',
        clientPort: socket.address().port,
        reader,
        blksize: 8192,
        windowsize: 1,
        oack: undefined,
        fixedTimeoutMs: undefined,
        timing: sessionTiming({}),
      });
      // Close the caller's descriptor at once and let another file take its number.
      await reader.release();
      const other = await open(join(root, 'other.bin'), 'r');
      const result = await transfer.done;
      await other.close();
      expect(result.outcome).toBe('complete');
      const ordered = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, data]) => data);
      expect(Buffer.compare(Buffer.concat(ordered), body)).toBe(0);
    } finally {
      socket.close();
    }
  });
});

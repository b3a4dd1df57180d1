/**
 * TftpServer against real clients (tftp-hpa, atftp, curl, the npm `tftp` client) on loopback, plus
 * the hostile-name corpus, the duplicated-ACK count, a malformed-packet storm and 5% packet loss.
 * Everything runs twice: with the native transfer engine (a blocking thread per transfer, what Linux
 * users get) and with the portable one (Node's event loop, everywhere else).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { TftpServer, type TftpTransferEvent } from '../../../src-main/boot/tftp/tftp-server';
import { directoryResolver } from '../../../src-main/boot/boot-files';
import { encodePacket } from '../../../src-main/boot/tftp/codec';
import { makeTempDir } from '../../helpers/temp-dir';
import {
  LossyRelay,
  RawClient,
  requireBinaries,
  run,
  sha256File,
} from '../../helpers/boot/udp-tools';

interface NpmTftpClient {
  get(remote: string, local: string, cb: (error?: Error) => void): void;
}
const npmTftp = createRequire(import.meta.url)('tftp') as {
  createClient(o: {
    host: string;
    port: number;
    blockSize?: number;
    windowSize?: number;
  }): NpmTftpClient;
};

const tmp = makeTempDir('labboot-tftp-');
const root = join(tmp.path, 'root');
const out = join(tmp.path, 'out');
const sizes = {
  'empty.bin': 0,
  'one-block.bin': 512,
  'small.bin': 10_000,
  'blocks-65535.bin': 65_535 * 512,
  'big.bin': 65_536 * 512 + 777,
};
beforeAll(async () => {
  await requireBinaries(['tftp', 'atftp', 'curl']);
  mkdirSync(root);
  mkdirSync(out);
  mkdirSync(join(root, 'grub'));
  for (const [name, size] of Object.entries(sizes))
    writeFileSync(join(root, name), randomBytes(size));
  writeFileSync(join(root, 'grub', 'grub.cfg'), 'set default=0\n');
  writeFileSync(join(tmp.path, 'secret.txt'), 'outside the root\n');
  symlinkSync(join(tmp.path, 'secret.txt'), join(root, 'link-out'));
  symlinkSync(tmp.path, join(root, 'dir-out'));
  symlinkSync('small.bin', join(root, 'link-in'));
});

afterAll(() => tmp.remove());

const engines = ['native', 'portable'] as const;

describe.each(engines)('TFTP with the %s transfer engine', (engine) => {
  let server: TftpServer;
  const events: TftpTransferEvent[] = [];

  beforeAll(async () => {
    server = await TftpServer.start({
      address: '127.0.0.1',
      port: 0,
      resolver: directoryResolver(root),
      maxBlksize: 65_464,
      onTransfer: (e) => events.push(e),
      timing: { initialTimeoutMs: 200, maxRetries: 3 },
      engine,
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('uses the engine it was asked for', () => {
    expect(server.engine).toBe(engine);
  });

  const url = (name: string): string => `tftp://127.0.0.1:${server.port}/${name}`;

  describe('TFTP interop', () => {
    it('tftp-hpa fetches every small size with correct bytes', async () => {
      for (const name of ['empty.bin', 'one-block.bin', 'small.bin', 'grub/grub.cfg']) {
        const dest = join(out, `hpa-${name.replace('/', '_')}`);
        await run('tftp', [
          '-m',
          'binary',
          '127.0.0.1',
          String(server.port),
          '-c',
          'get',
          name,
          dest,
        ]);
        expect(sha256File(dest), name).toBe(sha256File(join(root, name)));
      }
    });

    it('tftp-hpa in ascii mode gets netascii that it turns back into the same text', async () => {
      writeFileSync(join(root, 'text.cfg'), 'line one\nline two\r\n\n'.repeat(100));
      const dest = join(out, 'hpa-ascii.cfg');
      await run('tftp', [
        '-m',
        'ascii',
        '127.0.0.1',
        String(server.port),
        '-c',
        'get',
        'text.cfg',
        dest,
      ]);
      expect(sha256File(dest)).toBe(sha256File(join(root, 'text.cfg')));
      // The server reports a transfer on the client's last ACK, which can come after the client
      // has exited, and after a late report of the previous test's transfer.
      await expect
        .poll(() => events.find((e) => e.file === 'text.cfg'))
        .toMatchObject({ file: 'text.cfg', outcome: 'complete' });
    });

    it('atftp fetches with blksize and windowsize', async () => {
      for (const [name, opts] of [
        ['small.bin', ['--option', 'blksize 1468', '--option', 'windowsize 16']],
        ['one-block.bin', ['--option', 'blksize 512', '--option', 'windowsize 4']],
        ['empty.bin', ['--option', 'windowsize 8']],
        ['big.bin', ['--option', 'blksize 1468', '--option', 'windowsize 64']],
      ] as const) {
        const dest = join(out, `atftp-${name}`);
        await run('atftp', [
          ...opts,
          '-g',
          '-r',
          name,
          '-l',
          dest,
          '127.0.0.1',
          String(server.port),
        ]);
        expect(sha256File(dest), name).toBe(sha256File(join(root, name)));
      }
    });

    it('curl fetches exactly 65,535 blocks and past the block-number rollover at blksize 512', async () => {
      for (const name of ['blocks-65535.bin', 'big.bin']) {
        const dest = join(out, `curl-${name}`);
        await run('curl', ['-sS', '--tftp-blksize', '512', url(name), '-o', dest]);
        expect(sha256File(dest), name).toBe(sha256File(join(root, name)));
      }
      // curl exits once it has sent the last ACK; the server reports the transfer a moment later.
      await vi.waitFor(() => {
        const big = events.filter((e) => e.file === 'big.bin' && e.blksize === 512);
        expect(big.at(-1)).toMatchObject({
          outcome: 'complete',
          bytes: sizes['big.bin'],
          retransmissions: 0,
        });
      });
    });

    it('serves curl and tftp-hpa over IPv6 on ::1', async () => {
      const v6 = await TftpServer.start({
        address: '::1',
        port: 0,
        resolver: directoryResolver(root),
        maxBlksize: 1448,
        engine,
      });
      try {
        expect(v6.address).toBe('::1');
        const viaCurl = join(out, 'v6-curl');
        await run('curl', ['-sS', `tftp://[::1]:${v6.port}/small.bin`, '-o', viaCurl]);
        expect(sha256File(viaCurl)).toBe(sha256File(join(root, 'small.bin')));
        const viaHpa = join(out, 'v6-hpa');
        await run('tftp', [
          '-6',
          '-m',
          'binary',
          '::1',
          String(v6.port),
          '-c',
          'get',
          'one-block.bin',
          viaHpa,
        ]);
        expect(sha256File(viaHpa)).toBe(sha256File(join(root, 'one-block.bin')));
      } finally {
        await v6.close();
      }
    });

    it('the npm tftp client fetches a file', async () => {
      const dest = join(out, 'npm-small.bin');
      const client = npmTftp.createClient({ host: '127.0.0.1', port: server.port, windowSize: 4 });
      await new Promise<void>((resolve, reject) =>
        client.get('small.bin', dest, (e) => (e ? reject(e) : resolve())),
      );
      expect(sha256File(dest)).toBe(sha256File(join(root, 'small.bin')));
    });

    it('serves 20 concurrent curl clients of the same file', async () => {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          run('curl', [
            '-sS',
            '--tftp-blksize',
            '1468',
            url('small.bin'),
            '-o',
            join(out, `c${i}`),
          ]),
        ),
      );
      for (let i = 0; i < 20; i++)
        expect(sha256File(join(out, `c${i}`))).toBe(sha256File(join(root, 'small.bin')));
    });

    it('answers a missing file at once with error 1 and refuses uploads', async () => {
      const c = await RawClient.open();
      try {
        c.send(
          { op: 'rrq', filename: 'pxelinux.cfg/01-52-54-00-12-34-56', mode: 'octet', options: [] },
          server.port,
        );
        expect((await c.waitFor(1, 500)).packet).toEqual({
          op: 'error',
          code: 1,
          message: 'file not found',
        });
        c.send({ op: 'wrq', filename: 'x', mode: 'octet', options: [] }, server.port);
        expect((await c.waitFor(2, 500)).packet).toMatchObject({ op: 'error', code: 2 });
      } finally {
        c.close();
      }
    });

    it('survives an aborted tsize probe (EDK2 style) and serves the next request', async () => {
      const c = await RawClient.open();
      try {
        c.send(
          { op: 'rrq', filename: 'small.bin', mode: 'octet', options: [['tsize', '0']] },
          server.port,
        );
        const oack = await c.waitFor(1);
        expect(oack.packet).toEqual({ op: 'oack', options: [['tsize', '10000']] });
        c.send({ op: 'error', code: 8, message: 'tsize probe done' }, oack.from.port);
        await new Promise((r) => setTimeout(r, 50));
        expect(events.at(-1)).toMatchObject({ file: 'small.bin', outcome: 'aborted' });
      } finally {
        c.close();
      }
      const dest = join(out, 'after-probe');
      await run('curl', ['-sS', url('small.bin'), '-o', dest]);
      expect(sha256File(dest)).toBe(sha256File(join(root, 'small.bin')));
    });
  });

  describe('TFTP root confinement', () => {
    const hostile = [
      '../secret.txt',
      '/../secret.txt',
      '..\\secret.txt',
      'grub/../../secret.txt',
      '....//secret.txt',
      '%2e%2e/secret.txt',
      '..%2fsecret.txt',
      'link-out',
      'dir-out/secret.txt',
      `${join(tmp.path, 'secret.txt')}`,
      `//${join(tmp.path, 'secret.txt')}`,
      'grub\u0000/../../secret.txt',
      'a'.repeat(300),
      'caf\u00e9',
      '.',
      'grub',
    ];

    it.each(hostile)('never serves %j', async (name) => {
      const c = await RawClient.open();
      try {
        c.send({ op: 'rrq', filename: name, mode: 'octet', options: [] }, server.port);
        const reply = await c.waitFor(1, 1000).catch(() => undefined);
        // Either an ERROR or silence (a request over 512 bytes is dropped), never DATA.
        if (reply !== undefined) expect(reply.packet.op).toBe('error');
        await new Promise((r) => setTimeout(r, 20));
        expect(c.received.every((r) => r.packet.op === 'error')).toBe(true);
      } finally {
        c.close();
      }
    });

    it('follows a symlink that stays inside the root', async () => {
      const dest = join(out, 'link-in');
      await run('curl', ['-sS', url('link-in'), '-o', dest]);
      expect(sha256File(dest)).toBe(sha256File(join(root, 'small.bin')));
    });
  });

  describe('TFTP robustness', () => {
    type ServerOptions = Parameters<typeof TftpServer.start>[0];
    /** Timers far longer than any test: a packet is sent again only when the test makes it so. */
    const SLOW = { initialTimeoutMs: 10_000, minTimeoutMs: 10_000, maxTimeoutMs: 10_000 };
    /**
     * A server on 127.0.0.1 over `root`, on quick timers (40 ms first timeout, 80 ms at most) unless
     * `timing` says otherwise, recording each outcome.
     */
    const localServer = async (
      timing: NonNullable<ServerOptions['timing']>,
      extra: Pick<ServerOptions, 'maxTransfers'> = {},
    ): Promise<{ server: TftpServer; outcomes: TftpTransferEvent[] }> => {
      const outcomes: TftpTransferEvent[] = [];
      const server = await TftpServer.start({
        address: '127.0.0.1',
        port: 0,
        resolver: directoryResolver(root),
        maxBlksize: 1468,
        timing: { initialTimeoutMs: 40, minTimeoutMs: 40, maxTimeoutMs: 80, ...timing },
        onTransfer: (e) => outcomes.push(e),
        engine,
        ...extra,
      });
      return { server, outcomes };
    };

    it('sends each of 21 blocks once when one ACK is duplicated (no Sorcerer’s Apprentice)', async () => {
      writeFileSync(join(root, 'sas.bin'), randomBytes(21 * 512 - 100));
      // Timeouts far longer than the test: any extra DATA can only come from the duplicated ACK.
      const { server: sas } = await localServer(SLOW);
      const c = await RawClient.open();
      try {
        c.send({ op: 'rrq', filename: 'sas.bin', mode: 'octet', options: [] }, sas.port);
        for (let block = 1; block <= 21; block++) {
          const r = await c.waitFor(c.received.length + 1);
          expect(r.packet).toMatchObject({ op: 'data', block });
          c.send({ op: 'ack', block }, r.from.port);
          if (block === 1) c.send({ op: 'ack', block }, r.from.port);
        }
        await new Promise((r) => setTimeout(r, 400)); // longer than the retransmission timeout would be
        expect(c.received.filter((r) => r.packet.op === 'data')).toHaveLength(21);
      } finally {
        c.close();
        await sas.close();
      }
    });

    it('retransmits on timeout with backoff, then gives up and says so', async () => {
      const { server: quick, outcomes } = await localServer({ maxRetries: 2, lateAckWaitMs: 100 });
      const c = await RawClient.open();
      try {
        c.send({ op: 'rrq', filename: 'small.bin', mode: 'octet', options: [] }, quick.port);
        const first = await c.waitFor(1, 2000);
        c.send({ op: 'ack', block: 1 }, first.from.port); // then silence
        await c.waitFor(4, 2000); // DATA 2 and its two retransmissions
        await vi.waitFor(() => expect(outcomes).toHaveLength(1), { timeout: 2000 });
        expect(c.received.slice(1).map((r) => r.packet)).toEqual(
          Array.from({ length: 3 }, () => expect.objectContaining({ op: 'data', block: 2 })),
        );
        expect(outcomes[0]).toMatchObject({
          outcome: 'timeout',
          bytes: 512,
          dataPackets: 4,
          retransmissions: 2,
        });
        // 40 ms, then 80 ms (doubled), then 100 ms for a late ACK before giving up.
        expect(outcomes[0]?.durationMs).toBeGreaterThanOrEqual(210);
      } finally {
        c.close();
        await quick.close();
      }
    });

    it('gives a client that never ACKs one retransmission of DATA 1, then frees its slot', async () => {
      const { server: quick, outcomes } = await localServer({ maxRetries: 5, lateAckWaitMs: 200 });
      const c = await RawClient.open();
      try {
        c.send({ op: 'rrq', filename: 'small.bin', mode: 'octet', options: [] }, quick.port);
        await vi.waitFor(() => expect(outcomes).toHaveLength(1), { timeout: 2000 });
        expect(outcomes[0]).toMatchObject({
          outcome: 'timeout',
          dataPackets: 2,
          retransmissions: 1,
        });
        expect(c.received.map((r) => r.packet)).toEqual(
          Array.from({ length: 2 }, () => expect.objectContaining({ op: 'data', block: 1 })),
        );
        expect(quick.activeTransfers).toBe(0);
      } finally {
        c.close();
        await quick.close();
      }
    });

    it('still resumes when the client’s ACK comes after the last retransmission of DATA 1', async () => {
      // 5 % loss: both ACKs of DATA 1 were lost and the client resends its ACK on its own timer.
      const { server: late, outcomes } = await localServer({ lateAckWaitMs: 600 });
      const c = await RawClient.open();
      try {
        c.send({ op: 'rrq', filename: 'one-block.bin', mode: 'octet', options: [] }, late.port);
        const first = await c.waitFor(2, 2000); // DATA 1 and its one retransmission
        // Well past the retransmission's own timeout (80 ms), within the wait for a late ACK.
        await new Promise((r) => setTimeout(r, 250));
        c.send({ op: 'ack', block: 1 }, first.from.port);
        expect((await c.waitFor(3, 2000)).packet).toMatchObject({ op: 'data', block: 2 });
        c.send({ op: 'ack', block: 2 }, first.from.port);
        await vi.waitFor(() => expect(outcomes).toHaveLength(1), { timeout: 2000 });
        expect(outcomes[0]).toMatchObject({ outcome: 'complete', bytes: 512, retransmissions: 1 });
      } finally {
        c.close();
        await late.close();
      }
    });

    it('still resumes when an ACK comes after the last retransmission of a later block', async () => {
      // atftp re-ACKs a repeated DATA once, then ignores repeats until 5 s of silence.
      const { server: late, outcomes } = await localServer({ maxRetries: 2, lateAckWaitMs: 600 });
      const c = await RawClient.open();
      try {
        c.send({ op: 'rrq', filename: 'one-block.bin', mode: 'octet', options: [] }, late.port);
        const first = await c.waitFor(1, 2000);
        c.send({ op: 'ack', block: 1 }, first.from.port);
        await c.waitFor(4, 2000); // DATA 2 and its two retransmissions
        await new Promise((r) => setTimeout(r, 250)); // past 40 + 80 + 80 ms
        c.send({ op: 'ack', block: 2 }, first.from.port);
        await vi.waitFor(() => expect(outcomes).toHaveLength(1), { timeout: 2000 });
        expect(outcomes[0]).toMatchObject({ outcome: 'complete', bytes: 512, retransmissions: 2 });
      } finally {
        c.close();
        await late.close();
      }
    });

    it('says the client may have the whole file when only the last ACK never came', async () => {
      const { server: quick, outcomes } = await localServer({ maxRetries: 2, lateAckWaitMs: 100 });
      const c = await RawClient.open();
      try {
        c.send({ op: 'rrq', filename: 'one-block.bin', mode: 'octet', options: [] }, quick.port);
        const first = await c.waitFor(1, 2000);
        c.send({ op: 'ack', block: 1 }, first.from.port);
        // DATA 2 (empty, the end) arrives; its ACK is "lost": the client has exited.
        await c.waitFor(2, 2000);
        await vi.waitFor(() => expect(outcomes).toHaveLength(1), { timeout: 2000 });
        expect(outcomes[0]).toMatchObject({
          outcome: 'timeout',
          bytes: 512,
          detail: 'no ACK for the last block: the client may well have the whole file',
        });
      } finally {
        c.close();
        await quick.close();
      }
    });

    it('makes room for a new request by ending the oldest one nobody has acknowledged', async () => {
      const { server: limited, outcomes } = await localServer(SLOW, { maxTransfers: 2 });
      const clients = await Promise.all([RawClient.open(), RawClient.open(), RawClient.open()]);
      const [live, silent, late] = clients as [RawClient, RawClient, RawClient];
      try {
        live.send({ op: 'rrq', filename: 'small.bin', mode: 'octet', options: [] }, limited.port);
        const first = await live.waitFor(1);
        live.send({ op: 'ack', block: 1 }, first.from.port);
        await live.waitFor(2);
        silent.send({ op: 'rrq', filename: 'small.bin', mode: 'octet', options: [] }, limited.port);
        await silent.waitFor(1);
        late.send({ op: 'rrq', filename: 'small.bin', mode: 'octet', options: [] }, limited.port);
        expect((await late.waitFor(1)).packet).toMatchObject({ op: 'data', block: 1 });
        await vi.waitFor(() => expect(outcomes).toHaveLength(1));
        expect(outcomes[0]).toMatchObject({
          client: '127.0.0.1',
          clientPort: silent.socket.address().port,
          outcome: 'aborted',
          detail: 'no ACK yet while the server was full: made room for a newer request',
        });
        expect(limited.activeTransfers).toBe(2);
      } finally {
        for (const c of clients) c.close();
        await limited.close();
      }
    });

    it('serves exactly maxTransfers live clients at once and tells the next one it is busy', async () => {
      const { server: limited } = await localServer(SLOW, { maxTransfers: 2 });
      const clients = await Promise.all([RawClient.open(), RawClient.open(), RawClient.open()]);
      try {
        for (const [i, c] of clients.entries()) {
          c.send({ op: 'rrq', filename: 'small.bin', mode: 'octet', options: [] }, limited.port);
          const reply = await c.waitFor(1);
          expect(reply.packet).toMatchObject(
            i < 2
              ? { op: 'data', block: 1 }
              : { op: 'error', message: 'server busy, retry shortly' },
          );
          // The first two clients acknowledge DATA 1 and then wait: live, so never pushed out.
          if (i < 2) {
            c.send({ op: 'ack', block: 1 }, reply.from.port);
            await c.waitFor(2);
          }
        }
        expect(limited.activeTransfers).toBe(2);
      } finally {
        for (const c of clients) c.close();
        await limited.close();
      }
    });

    it('ends transfers in flight when the server stops, and reports them', async () => {
      const { server: stopping, outcomes } = await localServer(SLOW);
      const c = await RawClient.open();
      try {
        c.send({ op: 'rrq', filename: 'big.bin', mode: 'octet', options: [] }, stopping.port);
        const first = await c.waitFor(1);
        c.send({ op: 'ack', block: 1 }, first.from.port);
        await c.waitFor(2);
        const t0 = performance.now();
        await stopping.close();
        expect(performance.now() - t0).toBeLessThan(1000); // not the 10 s retransmission timer
        expect(stopping.activeTransfers).toBe(0);
        expect(outcomes).toEqual([
          expect.objectContaining({
            file: 'big.bin',
            outcome: 'aborted',
            detail: 'server stopped',
            bytes: 512,
          }),
        ]);
      } finally {
        c.close();
      }
    });

    it('reports the client’s own error message when it cancels', async () => {
      const c = await RawClient.open();
      const before = events.length;
      try {
        c.send({ op: 'rrq', filename: 'big.bin', mode: 'octet', options: [] }, server.port);
        const first = await c.waitFor(1);
        c.send({ op: 'error', code: 0, message: 'user pressed Esc' }, first.from.port);
        await vi.waitFor(() => expect(events.length).toBe(before + 1));
        expect(events.at(-1)).toMatchObject({
          file: 'big.bin',
          outcome: 'aborted',
          detail: 'client error 0: user pressed Esc',
        });
      } finally {
        c.close();
      }
    });

    it('survives hundreds of transfers that end at once, completed or cancelled', async () => {
      // Short transfers finish while the server is still handing out the previous results: the
      // race a native engine's completion path must survive (it once freed a transfer too early).
      const before = events.length;
      const clients = await Promise.all(Array.from({ length: 16 }, () => RawClient.open()));
      try {
        await Promise.all(
          clients.map(async (c, i) => {
            for (let n = 0; n < 25; n++) {
              const file = n % 2 ? 'empty.bin' : 'grub/grub.cfg';
              c.send({ op: 'rrq', filename: file, mode: 'octet', options: [] }, server.port);
              const data = await c.waitFor(c.received.length + 1);
              if ((n + i) % 3 === 0)
                c.send({ op: 'error', code: 0, message: 'cancelled' }, data.from.port);
              else c.send({ op: 'ack', block: 1 }, data.from.port);
            }
          }),
        );
        // Clients stay open until every transfer is reported: a closed port would turn the last
        // ACKs, still queued in the client's socket, into "connection refused".
        await vi.waitFor(() => expect(events.length).toBe(before + 400), { timeout: 5000 });
      } finally {
        for (const c of clients) c.close();
      }
      const outcomes = new Set(events.slice(before).map((e) => e.outcome));
      expect(outcomes).toEqual(new Set(['complete', 'aborted']));
      expect(server.activeTransfers).toBe(0);
    });

    it('leaves no descriptor or thread behind after many transfers', async () => {
      const count = (dir: string): number => readdirSync(dir).length;
      const fds = count('/proc/self/fd');
      const threads = count('/proc/self/task');
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          run('curl', [
            '-sS',
            url(i % 2 ? 'small.bin' : 'grub/grub.cfg'),
            '-o',
            join(out, `r${i}`),
          ]),
        ),
      );
      await vi.waitFor(
        () => {
          expect(server.activeTransfers).toBe(0);
          expect(count('/proc/self/fd')).toBeLessThanOrEqual(fds);
          expect(count('/proc/self/task')).toBeLessThanOrEqual(threads);
        },
        { timeout: 2000 },
      );
    });

    it('binds transfer sockets to the serving address, not the wildcard', async () => {
      const other = await TftpServer.start({
        address: '127.0.0.2',
        port: 0,
        resolver: directoryResolver(root),
        maxBlksize: 1468,
        engine,
      });
      const c = await RawClient.open('127.0.0.1');
      try {
        expect(other.address).toBe('127.0.0.2');
        c.send(
          { op: 'rrq', filename: 'one-block.bin', mode: 'octet', options: [] },
          other.port,
          '127.0.0.2',
        );
        const r = await c.waitFor(1);
        expect(r.from.address).toBe('127.0.0.2');
        c.send({ op: 'ack', block: 1 }, r.from.port, '127.0.0.2');
        const last = await c.waitFor(2);
        expect(last.packet).toMatchObject({ op: 'data', block: 2 });
        c.send({ op: 'ack', block: 2 }, r.from.port, '127.0.0.2');
      } finally {
        c.close();
        await other.close();
      }
    });

    it('still serves a correct transfer after a storm of malformed packets', async () => {
      const c = await RawClient.open();
      const arbitraryPacket = fc.oneof(
        fc.uint8Array({ maxLength: 700 }),
        fc
          .record({
            op: fc.constantFrom('rrq' as const, 'wrq' as const),
            filename: fc.oneof(
              fc.constantFrom('small.bin', '../x', 'missing'),
              fc.string({ maxLength: 40 }),
            ),
            mode: fc.constantFrom('octet', 'netascii', 'mail', 'OCTET', ''),
            options: fc.array(
              fc.tuple(
                fc.constantFrom('blksize', 'tsize', 'timeout', 'windowsize', 'x'),
                fc.string({ maxLength: 6 }),
              ),
              { maxLength: 4 },
            ),
          })
          .map((p) => encodePacket(p)),
      );
      try {
        const samples = fc.sample(arbitraryPacket, { numRuns: 1500, seed: 4242 });
        for (const bytes of samples) c.send(bytes, server.port);
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        c.close();
      }
      const dest = join(out, 'after-storm');
      await run('curl', ['-sS', '--tftp-blksize', '1468', url('small.bin'), '-o', dest]);
      expect(sha256File(dest)).toBe(sha256File(join(root, 'small.bin')));
    });

    it('completes transfers through 5% packet loss each way', async () => {
      // `tc netem` is not available in this kernel (no sch_netem module), so loss comes from a relay.
      writeFileSync(join(root, 'lossy-small.bin'), randomBytes(40_000));
      writeFileSync(join(root, 'lossy.bin'), randomBytes(300_000));
      // Production timing here: the shared server's short test timeouts give up before a client's 5 s retry.
      const lossy = await TftpServer.start({
        address: '127.0.0.1',
        port: 0,
        resolver: directoryResolver(root),
        maxBlksize: 65_464,
        engine,
      });
      const relay = await LossyRelay.open(lossy.port, 0.05, 3);
      try {
        const lockstep = join(out, 'lossy-hpa');
        await run('tftp', [
          '-m',
          'binary',
          '127.0.0.1',
          String(relay.port),
          '-c',
          'get',
          'lossy-small.bin',
          lockstep,
        ]);
        expect(sha256File(lockstep)).toBe(sha256File(join(root, 'lossy-small.bin')));
        const windowed = join(out, 'lossy-atftp');
        await run('atftp', [
          '--option',
          'blksize 1468',
          '--option',
          'windowsize 8',
          '-g',
          '-r',
          'lossy.bin',
          '-l',
          windowed,
          '127.0.0.1',
          String(relay.port),
        ]);
        expect(sha256File(windowed)).toBe(sha256File(join(root, 'lossy.bin')));
        expect(relay.dropped).toBeGreaterThan(5);
      } finally {
        relay.close();
        await lossy.close();
      }
    });
  });
});

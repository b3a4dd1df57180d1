/**
 * TftpServer: the thin socket layer around the pure codec (`codec.ts`), option negotiation
 * (`options.ts`) and transfer state machine (`session.ts`). Read-only (WRQ is refused). Every socket,
 * the listening one and each transfer's, is bound to the serving address — never the wildcard — so
 * LabBoot answers only on the interface the user chose.
 */
import { createSocket, type Socket, type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  BootContentError,
  OpenFiles,
  type BootContent,
  type BootContentResolver,
  type ContentReader,
} from '../boot-files';
import { bindError } from '../bind-errors';
import {
  decodePacket,
  encodePacket,
  Opcode,
  TftpErrorCode,
  writeDataHeader,
  type RequestPacket,
} from './codec';
import { toNetascii } from './netascii';
import { MAX_WINDOWSIZE, negotiate } from './options';
import { toSafeName } from './safe-name';
import { ReadSession, type SessionParams, type SessionStep } from './session';

/** How one transfer ended, reported once per request. */
export type TftpOutcome =
  | 'complete'
  | 'aborted'
  | 'timeout'
  | 'not-found'
  | 'denied'
  | 'refused'
  | 'error';

/** TftpTransferEvent is the boot-log record of one request. */
export interface TftpTransferEvent {
  readonly client: string;
  readonly clientPort: number;
  readonly file: string;
  readonly outcome: TftpOutcome;
  /** Bytes the client acknowledged. */
  readonly bytes: number;
  readonly size: number | undefined;
  readonly durationMs: number;
  readonly bytesPerSecond: number;
  readonly blksize: number | undefined;
  readonly windowsize: number | undefined;
  readonly dataPackets: number;
  readonly retransmissions: number;
  readonly detail: string | undefined;
}

/** Settings for one TftpServer. */
export interface TftpServerOptions {
  /** The serving address; all sockets bind here. */
  readonly address: string;
  /** UDP port; 69 in production, 0 picks a free one (tests). */
  readonly port: number;
  readonly resolver: BootContentResolver;
  /** Largest blksize granted: the serving interface's MTU − 32. */
  readonly maxBlksize: number;
  readonly maxWindowsize?: number;
  /** Transfers served at once; more get "server busy" so a storm cannot exhaust descriptors. */
  readonly maxTransfers?: number;
  readonly onTransfer?: (event: TftpTransferEvent) => void;
  /** Timing overrides for tests. */
  readonly timing?: Pick<
    SessionParams,
    'initialTimeoutMs' | 'minTimeoutMs' | 'maxTimeoutMs' | 'maxRetries'
  >;
  /** Socket factory (Pixiecore-style seam for tests). */
  readonly createSocket?: (type: 'udp4' | 'udp6') => Socket;
}

/** netascii needs the whole converted file in memory; boot files are binary, so keep this small. */
const NETASCII_LIMIT = 8 * 1024 * 1024;
/** Read-ahead per transfer: one disk read serves many lock-step blocks. */
const READ_AHEAD = 256 * 1024;

function bindSocket(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function connectSocket(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.connect(port, address, (error?: Error) => (error ? reject(error) : resolve()));
  });
}

/** TftpServer serves read requests on one address until `close()`. */
export class TftpServer {
  private readonly transfers = new Set<Transfer>();
  private readonly files = new OpenFiles();
  private closed = false;
  private pendingRequests = 0;

  private constructor(
    private readonly options: TftpServerOptions,
    private readonly socket: Socket,
    private readonly type: 'udp4' | 'udp6',
  ) {
    socket.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    // A listening UDP socket has no peer; errors here are transient (ICMP) and must not stop serving.
    socket.on('error', () => undefined);
  }

  /** Binds the listening socket; bind failures become a UserError with the fix (see bind-errors.ts). */
  static async start(options: TftpServerOptions): Promise<TftpServer> {
    const type = isIPv6(options.address) ? 'udp6' : 'udp4';
    const socket = (
      options.createSocket ?? ((t) => createSocket({ type: t, ipv6Only: t === 'udp6' }))
    )(type);
    try {
      await bindSocket(socket, options.address, options.port);
    } catch (error) {
      socket.close();
      throw bindError(error, 'TFTP', options.address, options.port);
    }
    return new TftpServer(options, socket, type);
  }

  /** The bound UDP port. */
  get port(): number {
    return this.socket.address().port;
  }

  /** The bound address. */
  get address(): string {
    return this.socket.address().address;
  }

  /** Transfers in progress. */
  get activeTransfers(): number {
    return this.transfers.size;
  }

  /** Distinct files open, shared by transfers of the same file. */
  get openFiles(): number {
    return this.files.openCount;
  }

  /** Stops listening and ends every transfer (reported with outcome `aborted`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    await Promise.all([...this.transfers].map((t) => t.end('aborted', 'server stopped')));
  }

  private sendError(rinfo: RemoteInfo, code: number, message: string): void {
    if (this.closed) return;
    this.socket.send(
      encodePacket({ op: 'error', code, message }),
      rinfo.port,
      rinfo.address,
      () => undefined,
    );
  }

  private report(event: Omit<TftpTransferEvent, 'bytesPerSecond'>): void {
    const bytesPerSecond =
      event.durationMs > 0 ? Math.round((event.bytes * 1000) / event.durationMs) : 0;
    this.options.onTransfer?.({ ...event, bytesPerSecond });
  }

  private onRequest(msg: Buffer, rinfo: RemoteInfo): void {
    let packet;
    try {
      packet = decodePacket(msg);
    } catch {
      // Malformed datagram on the request port: drop it. Answering garbage would let spoofed
      // sources use us as a reflector.
      return;
    }
    if (packet.op === 'wrq') {
      this.sendError(
        rinfo,
        TftpErrorCode.AccessViolation,
        'LabBoot serves boot files read-only; uploads are refused',
      );
      this.refuse(rinfo, packet.filename, 'refused', 'write request refused');
      return;
    }
    if (packet.op !== 'rrq') return; // stray DATA/ACK/ERROR for a finished transfer
    if (this.transfers.size + this.pendingRequests >= (this.options.maxTransfers ?? 256)) {
      this.sendError(rinfo, TftpErrorCode.NotDefined, 'server busy, retry shortly');
      this.refuse(rinfo, packet.filename, 'refused', 'too many transfers');
      return;
    }
    this.pendingRequests += 1;
    void this.serve(packet, rinfo).finally(() => {
      this.pendingRequests -= 1;
    });
  }

  private refuse(rinfo: RemoteInfo, file: string, outcome: TftpOutcome, detail: string): void {
    this.report({
      client: rinfo.address,
      clientPort: rinfo.port,
      file,
      outcome,
      bytes: 0,
      size: undefined,
      durationMs: 0,
      blksize: undefined,
      windowsize: undefined,
      dataPackets: 0,
      retransmissions: 0,
      detail,
    });
  }

  private async serve(request: RequestPacket, rinfo: RemoteInfo): Promise<void> {
    if (request.mode !== 'octet' && request.mode !== 'netascii') {
      this.sendError(
        rinfo,
        TftpErrorCode.IllegalOperation,
        `transfer mode ${request.mode} is not supported; use octet`,
      );
      this.refuse(rinfo, request.filename, 'refused', `mode ${request.mode}`);
      return;
    }
    const safe = toSafeName(request.filename);
    if (!safe.ok) {
      this.sendError(rinfo, TftpErrorCode.AccessViolation, `access violation: ${safe.reason}`);
      this.refuse(rinfo, request.filename, 'denied', safe.reason);
      return;
    }
    let content: BootContent;
    let reader: ContentReader;
    try {
      content = await this.options.resolver.resolve(safe.path, {
        address: rinfo.address,
        protocol: 'tftp',
      });
      if (request.mode === 'netascii') content = await this.toNetasciiContent(content);
      reader = await this.files.reader(content);
    } catch (error) {
      const denied = error instanceof BootContentError && error.kind === 'denied';
      const detail = error instanceof Error ? error.message : String(error);
      if (denied) this.sendError(rinfo, TftpErrorCode.AccessViolation, 'access violation');
      else if (error instanceof BootContentError)
        this.sendError(rinfo, TftpErrorCode.FileNotFound, 'file not found');
      else this.sendError(rinfo, TftpErrorCode.NotDefined, detail);
      this.refuse(
        rinfo,
        request.filename,
        denied ? 'denied' : error instanceof BootContentError ? 'not-found' : 'error',
        detail,
      );
      return;
    }
    const negotiated = negotiate(request.options, reader.size, {
      maxBlksize: this.options.maxBlksize,
      maxWindowsize: this.options.maxWindowsize ?? MAX_WINDOWSIZE,
    });
    if (!negotiated.ok) {
      await reader.release();
      this.sendError(rinfo, TftpErrorCode.OptionRefused, negotiated.reason);
      this.refuse(rinfo, request.filename, 'refused', negotiated.reason);
      return;
    }
    const socket = (
      this.options.createSocket ?? ((t) => createSocket({ type: t, ipv6Only: t === 'udp6' }))
    )(this.type);
    try {
      await bindSocket(socket, this.options.address, 0);
      await connectSocket(socket, rinfo.port, rinfo.address);
    } catch (error) {
      socket.close();
      await reader.release();
      this.refuse(rinfo, request.filename, 'error', `transfer socket: ${(error as Error).message}`);
      return;
    }
    if (this.closed) {
      socket.close();
      await reader.release();
      return;
    }
    const { blksize, windowsize, timeoutMs, oack } = negotiated.value;
    try {
      // Bigger windows need room for a whole window in the kernel's send queue.
      socket.setSendBufferSize(
        Math.max(socket.getSendBufferSize(), Math.min(8 << 20, blksize * windowsize * 2)),
      );
    } catch {
      // Capped by net.core.wmem_max; the default still works, only slower.
    }
    const session = new ReadSession({
      size: reader.size,
      blksize,
      windowsize,
      sendOack: oack.length > 0,
      fixedTimeoutMs: timeoutMs,
      ...this.options.timing,
    });
    const transfer = new Transfer(socket, session, reader, oack, blksize, (t, outcome, detail) => {
      this.transfers.delete(t);
      this.report({
        client: rinfo.address,
        clientPort: rinfo.port,
        file: request.filename,
        outcome,
        bytes: session.bytesAcked,
        size: reader.size,
        durationMs: Math.round(performance.now() - t.startedAt),
        blksize,
        windowsize,
        dataPackets: session.dataPacketsSent,
        retransmissions: session.retransmissions,
        detail,
      });
    });
    this.transfers.add(transfer);
    transfer.start();
  }

  private async toNetasciiContent(content: BootContent): Promise<BootContent> {
    if ((content.kind === 'file' ? content.size : content.data.length) > NETASCII_LIMIT) {
      throw new Error('netascii transfers are limited to 8 MiB; request the file in octet mode');
    }
    const reader = await this.files.reader(content);
    try {
      const raw = new Uint8Array(reader.size);
      let at = 0;
      while (at < raw.length) {
        const n = await reader.read(raw, at, raw.length - at, at);
        if (n === 0) break;
        at += n;
      }
      return { kind: 'bytes', data: toNetascii(raw.subarray(0, at)), contentType: 'text/plain' };
    } finally {
      await reader.release();
    }
  }
}

type EndHandler = (transfer: Transfer, outcome: TftpOutcome, detail: string | undefined) => void;

/** Transfer carries out a ReadSession's steps on one connected socket. */
class Transfer {
  readonly startedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private deadline = 0;
  private ended = false;
  private chunk: Buffer = Buffer.alloc(0);
  private chunkStart = 0;
  /** Serialises steps whose data must first be read from disk, so windows go out in order. */
  private queue: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly socket: Socket,
    private readonly session: ReadSession,
    private readonly reader: ContentReader,
    private readonly oack: ReadonlyArray<readonly [string, string]>,
    private readonly blksize: number,
    private readonly onEnd: EndHandler,
  ) {
    socket.on('message', (msg) => this.onMessage(msg));
    socket.on('error', (error) => void this.end('error', error.message));
  }

  start(): void {
    this.apply(this.session.start(performance.now()));
  }

  async end(outcome: TftpOutcome, detail?: string): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.session.stop();
    if (this.timer) clearTimeout(this.timer);
    await new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    await this.reader.release();
    this.onEnd(this, outcome, detail);
  }

  private onMessage(msg: Buffer): void {
    if (this.ended) return;
    // Hot path: an ACK is 4 bytes with a fixed layout; skip building a packet object per block.
    if (msg.length >= 4 && msg[0] === 0 && msg[1] === Opcode.ACK) {
      this.apply(this.session.onAck(msg.readUInt16BE(2), performance.now()));
      return;
    }
    let packet;
    try {
      packet = decodePacket(msg);
    } catch {
      return; // garbage from the client's port: ignore, the timer covers real loss
    }
    if (packet.op === 'ack') this.apply(this.session.onAck(packet.block, performance.now()));
    else if (packet.op === 'error')
      void this.end('aborted', `client error ${packet.code}: ${packet.message}`);
  }

  private onTimer(): void {
    this.timer = undefined;
    if (this.ended) return;
    const now = performance.now();
    if (now < this.deadline - 1) {
      this.timer = setTimeout(() => this.onTimer(), this.deadline - now);
      return;
    }
    this.apply(this.session.onTimeout());
  }

  private apply(step: SessionStep): void {
    if (step.finished !== undefined) {
      void this.end(step.finished);
      return;
    }
    if (step.timerMs !== undefined) {
      // Re-arming lazily: moving a deadline is cheaper than clearTimeout+setTimeout per ACK.
      this.deadline = performance.now() + step.timerMs;
      this.timer ??= setTimeout(() => this.onTimer(), step.timerMs);
    }
    const send = step.send;
    if (send === undefined) return;
    if (send.kind === 'oack') {
      this.socket.send(encodePacket({ op: 'oack', options: this.oack }));
      return;
    }
    if (!this.busy && this.hasRange(send.first, send.count)) {
      this.sendBlocks(send.first, send.count);
      return;
    }
    this.busy = true;
    this.queue = this.queue
      .then(async () => {
        await this.fill(send.first, send.count);
        if (!this.ended) this.sendBlocks(send.first, send.count);
      })
      .catch((error: unknown) => this.end('error', `read failed: ${(error as Error).message}`))
      .finally(() => {
        this.busy = false;
      });
  }

  private byteRange(first: number, count: number): [number, number] {
    const start = (first - 1) * this.blksize;
    const end = Math.min(this.reader.size, (first - 1 + count) * this.blksize);
    return [start, Math.max(start, end)];
  }

  private hasRange(first: number, count: number): boolean {
    const [start, end] = this.byteRange(first, count);
    return start >= this.chunkStart && end <= this.chunkStart + this.chunk.length;
  }

  private async fill(first: number, count: number): Promise<void> {
    if (this.hasRange(first, count)) return;
    const [start, end] = this.byteRange(first, count);
    const length = Math.min(this.reader.size - start, Math.max(READ_AHEAD, end - start));
    // A fresh buffer each time: packets already handed to the kernel may still reference the old one.
    const chunk = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = await this.reader.read(chunk, got, length - got, start + got);
      if (n === 0) throw new Error('file shrank while being served');
      got += n;
    }
    this.chunk = chunk;
    this.chunkStart = start;
  }

  private sendBlocks(first: number, count: number): void {
    for (let block = first; block < first + count; block++) {
      const [start, end] = this.byteRange(block, 1);
      const header = Buffer.allocUnsafe(4);
      writeDataHeader(header, block & 0xffff);
      const body = this.chunk.subarray(start - this.chunkStart, end - this.chunkStart);
      this.socket.send([header, body]);
    }
  }
}

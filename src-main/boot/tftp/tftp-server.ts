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
import { bindSocket, closeSocket } from '../udp-socket';
import { decodePacket, encodePacket, TftpErrorCode, type RequestPacket } from './codec';
import { nativeTransferEngine } from './native-transfer';
import { toNetascii } from './netascii';
import { MAX_WINDOWSIZE, negotiate } from './options';
import { portableTransferEngine } from './portable-transfer';
import { toSafeName } from './safe-name';
import { sessionTiming, type SessionParams, type SessionTiming } from './session';
import type { RunningTransfer, TransferEngine } from './transfer';

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
  /** Socket factory (Pixiecore-style seam for tests); implies the portable engine. */
  readonly createSocket?: (type: 'udp4' | 'udp6') => Socket;
  /**
   * Which transfer engine carries files: `native` (a blocking thread per transfer, Linux, built at
   * `npm install`), `portable` (Node's event loop), or `auto` (default): native where it is built.
   */
  readonly engine?: 'auto' | 'native' | 'portable';
}

/** netascii needs the whole converted file in memory; boot files are binary, so keep this small. */
const NETASCII_LIMIT = 8 * 1024 * 1024;
/** TftpServer serves read requests on one address until `close()`. */
export class TftpServer {
  private readonly transfers = new Set<RunningTransfer>();
  private readonly files = new OpenFiles();
  /** Every accepted request from arrival until its event is reported, transfer included. */
  private readonly requests = new Set<Promise<void>>();
  private readonly timing: SessionTiming;
  private closed = false;

  private constructor(
    private readonly options: TftpServerOptions,
    private readonly socket: Socket,
    private readonly type: 'udp4' | 'udp6',
    private readonly transferEngine: TransferEngine,
  ) {
    this.timing = sessionTiming(options.timing ?? {});
    socket.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    // A listening UDP socket has no peer; errors here are transient (ICMP) and must not stop serving.
    socket.on('error', () => undefined);
  }

  /** Binds the listening socket; bind failures become a UserError with the fix (see bind-errors.ts). */
  static async start(options: TftpServerOptions): Promise<TftpServer> {
    const engine = chooseEngine(options);
    const type = isIPv6(options.address) ? 'udp6' : 'udp4';
    const socket = (
      options.createSocket ?? ((t) => createSocket({ type: t, ipv6Only: t === 'udp6' }))
    )(type);
    try {
      await bindSocket(socket, { address: options.address, port: options.port, exclusive: true });
    } catch (error) {
      socket.close();
      throw bindError(error, 'TFTP', options.address, options.port);
    }
    return new TftpServer(options, socket, type, engine);
  }

  /** The engine carrying this server's transfers. */
  get engine(): TransferEngine['name'] {
    return this.transferEngine.name;
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
    await closeSocket(this.socket);
    for (const transfer of this.transfers) transfer.stop();
    // Requests still being set up see `closed` and stop their transfer themselves (see serve()).
    await Promise.allSettled([...this.requests]);
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
    if (this.requests.size >= (this.options.maxTransfers ?? 256)) {
      this.sendError(rinfo, TftpErrorCode.NotDefined, 'server busy, retry shortly');
      this.refuse(rinfo, packet.filename, 'refused', 'too many transfers');
      return;
    }
    const request = this.serve(packet, rinfo).finally(() => this.requests.delete(request));
    this.requests.add(request);
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
    if (this.closed) {
      await reader.release();
      return;
    }
    const { blksize, windowsize, timeoutMs, oack } = negotiated.value;
    const startedAt = performance.now();
    let transfer: RunningTransfer;
    try {
      transfer = await this.transferEngine.start({
        localAddress: this.options.address,
        type: this.type,
        clientAddress: rinfo.address,
        clientPort: rinfo.port,
        reader,
        blksize,
        windowsize,
        oack: oack.length > 0 ? encodePacket({ op: 'oack', options: oack }) : undefined,
        fixedTimeoutMs: timeoutMs,
        timing: this.timing,
        createSocket: this.options.createSocket,
      });
    } catch (error) {
      await reader.release();
      this.refuse(rinfo, request.filename, 'error', `transfer socket: ${(error as Error).message}`);
      return;
    }
    if (this.closed) transfer.stop();
    this.transfers.add(transfer);
    const result = await transfer.done;
    this.transfers.delete(transfer);
    await reader.release();
    const stopped = result.outcome === 'stopped';
    this.report({
      client: rinfo.address,
      clientPort: rinfo.port,
      file: request.filename,
      outcome: stopped ? 'aborted' : result.outcome,
      bytes: Math.min(result.ackedBlocks * blksize, reader.size),
      size: reader.size,
      durationMs: Math.round(performance.now() - startedAt),
      blksize,
      windowsize,
      dataPackets: result.dataPackets,
      retransmissions: result.retransmissions,
      detail: stopped ? 'server stopped' : result.detail,
    });
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

function chooseEngine(options: TftpServerOptions): TransferEngine {
  const wanted = options.engine ?? 'auto';
  if (wanted === 'portable' || options.createSocket !== undefined) return portableTransferEngine;
  const native = nativeTransferEngine();
  if (native) return native;
  if (wanted === 'native')
    throw new Error(
      'the native TFTP engine is not built on this machine; run `npm run build:native` (Linux only)',
    );
  return portableTransferEngine;
}

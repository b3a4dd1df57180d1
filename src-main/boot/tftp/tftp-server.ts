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
  closeContent,
  contentReader,
  type BootContent,
  type BootContentResolver,
  type ContentReader,
} from '../boot-files';
import { bindError } from '../bind-errors';
import { createLogger, type Logger } from '../../logger';
import { bindSocket, closeSocket } from '../udp-socket';
import { decodePacket, encodePacket, TftpErrorCode, type RequestPacket } from './codec';
import { nativeTransferEngine } from './native-transfer';
import { netasciiReader } from './netascii-reader';
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
  /** A missing name the loader probes for on purpose (not a failure). */
  readonly probe?: boolean;
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
  /**
   * Requests served at once, so a storm cannot exhaust descriptors. When all are taken, a new
   * request replaces one that no client has acknowledged yet; only when every slot holds a live
   * client does it get "server busy".
   */
  readonly maxTransfers?: number;
  readonly onTransfer?: (event: TftpTransferEvent) => void;
  /** Where server-side failures go with their detail; clients only ever get generic words. */
  readonly log?: Pick<Logger, 'warn' | 'error'>;
  /** Timing overrides for tests. */
  readonly timing?: Pick<
    SessionParams,
    | 'initialTimeoutMs'
    | 'minTimeoutMs'
    | 'maxTimeoutMs'
    | 'maxRetries'
    | 'maxRetriesUnconfirmed'
    | 'lateAckWaitMs'
  >;
  /** Socket factory (Pixiecore-style seam for tests); implies the portable engine. */
  readonly createSocket?: (type: 'udp4' | 'udp6') => Socket;
  /**
   * Which transfer engine carries files: `native` (a blocking thread per transfer, Linux, built at
   * `npm install`), `portable` (Node's event loop), or `auto` (default): native where it is built.
   */
  readonly engine?: 'auto' | 'native' | 'portable';
}

/**
 * netascii is encoded on the fly, but sizing it reads the whole file before the first packet: a
 * request costs a full read even if it is never acknowledged. Boot files are binary; keep this small.
 */
const NETASCII_LIMIT = 8 * 1024 * 1024;

/**
 * A client that has every block usually ACKs the last one and exits without waiting (tftp-hpa,
 * curl, PXE ROMs): when that ACK is lost the transfer times out, yet the client most likely has the
 * file. The boot log says so instead of leaving a bare "timeout".
 */
const LAST_ACK_MISSING = 'no ACK for the last block: the client may well have the whole file';

/** What clients are told. Details (paths, errno text) stay in the log and the boot-log event. */
const CLIENT_MESSAGE = {
  notFound: 'file not found',
  denied: 'access violation',
  serverError: 'server error',
  busy: 'server busy, retry shortly',
} as const;

/** A running transfer's place in the server: who it serves and whether it was pushed out. */
interface TransferSlot {
  readonly client: string;
  evicted: boolean;
}

/** TftpServer serves read requests on one address until `close()`. */
export class TftpServer {
  /** Running transfers, oldest first (a Map keeps insertion order). */
  private readonly transfers = new Map<RunningTransfer, TransferSlot>();
  /** Every accepted request from arrival until its event is reported, transfer included. */
  private readonly requests = new Set<Promise<void>>();
  private readonly timing: SessionTiming;
  private readonly log: Pick<Logger, 'warn' | 'error'>;
  private closed = false;

  private constructor(
    private readonly options: TftpServerOptions,
    private readonly socket: Socket,
    private readonly type: 'udp4' | 'udp6',
    private readonly transferEngine: TransferEngine,
  ) {
    this.timing = sessionTiming(options.timing ?? {});
    this.log = options.log ?? createLogger({ stderrLevel: 'warn' });
    socket.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    // A listening UDP socket has no peer; errors here are transient (ICMP) and must not stop
    // serving, but someone diagnosing a dead TFTP server needs to see them.
    socket.on('error', (error) =>
      this.log.warn('tftp', `listening socket on ${options.address}: ${error.message}`),
    );
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

  /** Stops listening and ends every transfer (reported with outcome `aborted`). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeSocket(this.socket);
    for (const transfer of this.transfers.keys()) transfer.stop();
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
      this.sendError(rinfo, TftpErrorCode.AccessViolation, 'read-only server: uploads are refused');
      this.refuse(rinfo, packet.filename, 'refused', 'write request refused');
      return;
    }
    if (packet.op !== 'rrq') return; // stray DATA/ACK/ERROR for a finished transfer
    if (this.requests.size >= (this.options.maxTransfers ?? 256) && !this.evictUnconfirmed()) {
      this.sendError(rinfo, TftpErrorCode.NotDefined, CLIENT_MESSAGE.busy);
      this.refuse(rinfo, packet.filename, 'refused', 'too many transfers');
      return;
    }
    const file = packet.filename;
    const request = this.serve(packet, rinfo)
      .catch((error: unknown) => {
        this.log.error(
          'tftp',
          `request ${JSON.stringify(file)} from ${rinfo.address}: ${describe(error)}`,
        );
      })
      .finally(() => this.requests.delete(request));
    this.requests.add(request);
  }

  /**
   * Stops one transfer that no client has acknowledged, to make room for a new request: requests
   * from spoofed or silent addresses must not keep a real client out. The victim is the oldest of
   * the client with the most such transfers, so one flooding address cannot push out another
   * client's request. False when every running transfer has a live client. Only running,
   * not yet evicted transfers qualify, so requests never exceed twice `maxTransfers` even while
   * evicted ones are still closing.
   */
  private evictUnconfirmed(): boolean {
    const waiting = [...this.transfers].filter(([t, slot]) => !slot.evicted && !t.confirmed);
    const perClient = new Map<string, number>();
    for (const [, slot] of waiting)
      perClient.set(slot.client, (perClient.get(slot.client) ?? 0) + 1);
    const weight = ([, slot]: [RunningTransfer, TransferSlot]): number =>
      perClient.get(slot.client) ?? 0;
    // Oldest first: the first entry with the highest weight wins.
    const victim = waiting.reduce<[RunningTransfer, TransferSlot] | undefined>(
      (best, entry) => (best === undefined || weight(entry) > weight(best) ? entry : best),
      undefined,
    );
    if (victim === undefined) return false;
    victim[1].evicted = true;
    victim[0].stop();
    return true;
  }

  private refuse(
    rinfo: RemoteInfo,
    file: string,
    outcome: TftpOutcome,
    detail: string,
    probe = false,
  ): void {
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
      ...(probe ? { probe } : {}),
    });
  }

  private async serve(request: RequestPacket, rinfo: RemoteInfo): Promise<void> {
    if (request.mode !== 'octet' && request.mode !== 'netascii') {
      this.sendError(
        rinfo,
        TftpErrorCode.IllegalOperation,
        'transfer mode not supported; use octet',
      );
      this.refuse(rinfo, request.filename, 'refused', `mode ${request.mode}`);
      return;
    }
    const safe = toSafeName(request.filename);
    if (!safe.ok) {
      this.sendError(rinfo, TftpErrorCode.AccessViolation, CLIENT_MESSAGE.denied);
      this.refuse(rinfo, request.filename, 'denied', safe.reason);
      return;
    }
    const reader = await this.open(request, safe.path, rinfo);
    if (reader === undefined) return;
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
    // Converted content exists only through `read`: the portable engine carries it.
    const engine = reader.source === undefined ? portableTransferEngine : this.transferEngine;
    const startedAt = performance.now();
    let transfer: RunningTransfer;
    try {
      transfer = await engine.start({
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
      const detail = `transfer socket: ${describe(error)}`;
      this.sendError(rinfo, TftpErrorCode.NotDefined, CLIENT_MESSAGE.serverError);
      this.fail(rinfo, request.filename, detail);
      this.refuse(rinfo, request.filename, 'error', detail);
      return;
    }
    const slot: TransferSlot = { client: rinfo.address, evicted: false };
    if (this.closed) transfer.stop();
    this.transfers.set(transfer, slot);
    const result = await transfer.done;
    this.transfers.delete(transfer);
    await reader.release();
    const stopped = result.outcome === 'stopped';
    // Only for a client that acknowledged earlier blocks: a forged request ACKs nothing.
    const lastAckMissing =
      result.outcome === 'timeout' &&
      result.ackedBlocks > 0 &&
      result.ackedBlocks === Math.floor(reader.size / blksize);
    if (result.outcome === 'error')
      this.fail(rinfo, request.filename, result.detail ?? 'no detail');
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
      detail: !stopped
        ? lastAckMissing
          ? LAST_ACK_MISSING
          : result.detail
        : slot.evicted
          ? 'no ACK yet while the server was full: made room for a newer request'
          : 'server stopped',
    });
  }

  /**
   * Resolves and opens what a request names, or answers the client and reports why not. The
   * client hears only "file not found", "access violation" or "server error"; the detail goes to
   * the event (and, for failures of the server itself, to the log).
   */
  private async open(
    request: RequestPacket,
    name: string,
    rinfo: RemoteInfo,
  ): Promise<ContentReader | undefined> {
    let content: BootContent;
    try {
      content = await this.options.resolver.resolve(name, {
        address: rinfo.address,
        protocol: 'tftp',
      });
    } catch (error) {
      const kind = error instanceof BootContentError ? error.kind : 'error';
      this.sendError(
        rinfo,
        kind === 'denied'
          ? TftpErrorCode.AccessViolation
          : kind === 'not-found'
            ? TftpErrorCode.FileNotFound
            : TftpErrorCode.NotDefined,
        kind === 'denied'
          ? CLIENT_MESSAGE.denied
          : kind === 'not-found'
            ? CLIENT_MESSAGE.notFound
            : CLIENT_MESSAGE.serverError,
      );
      if (kind === 'error') this.fail(rinfo, request.filename, describe(error));
      this.refuse(
        rinfo,
        request.filename,
        kind,
        describe(error),
        error instanceof BootContentError && error.probe,
      );
      return undefined;
    }
    if (request.mode === 'octet') return contentReader(content);
    const size = content.kind === 'file' ? content.size : content.data.length;
    if (size > NETASCII_LIMIT) {
      await closeContent(content);
      this.sendError(rinfo, TftpErrorCode.NotDefined, 'file too large for netascii; use octet');
      this.refuse(
        rinfo,
        request.filename,
        'refused',
        `netascii of ${size} bytes (limit ${NETASCII_LIMIT})`,
      );
      return undefined;
    }
    const raw = contentReader(content);
    try {
      return await netasciiReader(raw);
    } catch (error) {
      await raw.release();
      const detail = `netascii: ${describe(error)}`;
      this.sendError(rinfo, TftpErrorCode.NotDefined, CLIENT_MESSAGE.serverError);
      this.fail(rinfo, request.filename, detail);
      this.refuse(rinfo, request.filename, 'error', detail);
      return undefined;
    }
  }

  /** Logs a failure of the server itself (not of the client's request) with its detail. */
  private fail(rinfo: RemoteInfo, file: string, detail: string): void {
    this.log.error('tftp', `${rinfo.address}:${rinfo.port} ${JSON.stringify(file)}: ${detail}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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

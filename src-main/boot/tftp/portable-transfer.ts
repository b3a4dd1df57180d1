/**
 * The portable TFTP engine: a transfer driven by Node's event loop, carrying out the pure
 * ReadSession's steps on its own connected dgram socket. Runs everywhere; on Linux the native
 * engine (`native-transfer.ts`) is faster in lock-step and is preferred when it is built.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { ContentReader } from '../boot-files';
import { bindSocket, closeSocket } from '../udp-socket';
import { decodePacket, encodePacket, Opcode, TftpErrorCode, writeDataHeader } from './codec';
import { ReadSession, type SessionStep } from './session';
import type { RunningTransfer, TransferEngine, TransferResult, TransferSpec } from './transfer';

/** Read-ahead per transfer: one disk read serves many lock-step blocks. */
const READ_AHEAD = 256 * 1024;

function connectSocket(socket: Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.connect(port, address, (error?: Error) => (error ? reject(error) : resolve()));
  });
}

/** The engine: opens a socket bound to the serving address and connected to the client. */
export const portableTransferEngine: TransferEngine = {
  name: 'portable',
  start: async (spec: TransferSpec): Promise<RunningTransfer> => {
    const socket = (
      spec.createSocket ?? ((t) => createSocket({ type: t, ipv6Only: t === 'udp6' }))
    )(spec.type);
    try {
      await bindSocket(socket, { address: spec.localAddress, port: 0, exclusive: true });
      await connectSocket(socket, spec.clientPort, spec.clientAddress);
    } catch (error) {
      socket.close();
      throw error;
    }
    try {
      // Bigger windows need room for a whole window in the kernel's send queue.
      socket.setSendBufferSize(
        Math.max(socket.getSendBufferSize(), Math.min(8 << 20, spec.blksize * spec.windowsize * 2)),
      );
    } catch {
      // Capped by net.core.wmem_max; the default still works, only slower.
    }
    const session = new ReadSession({
      size: spec.reader.size,
      blksize: spec.blksize,
      windowsize: spec.windowsize,
      sendOack: spec.oack !== undefined,
      fixedTimeoutMs: spec.fixedTimeoutMs,
      ...spec.timing,
    });
    const transfer = new PortableTransfer(socket, session, spec.reader, spec.oack, spec.blksize);
    transfer.start();
    return transfer;
  },
};

/** PortableTransfer carries out a ReadSession's steps on one connected socket. */
class PortableTransfer implements RunningTransfer {
  readonly done: Promise<TransferResult>;
  private settle: (result: TransferResult) => void = () => undefined;
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
    private readonly oack: Uint8Array | undefined,
    private readonly blksize: number,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
    socket.on('message', (msg) => this.onMessage(msg));
    socket.on('error', (error) => this.end('error', error.message));
  }

  get confirmed(): boolean {
    return this.session.confirmed;
  }

  start(): void {
    this.apply(this.session.start(performance.now()));
  }

  stop(): void {
    this.end('stopped', undefined);
  }

  private end(outcome: TransferResult['outcome'], detail: string | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.session.stop();
    if (this.timer) clearTimeout(this.timer);
    const result: TransferResult = {
      outcome,
      detail,
      ackedBlocks: this.session.blocksAcked,
      dataPackets: this.session.dataPacketsSent,
      retransmissions: this.session.retransmissions,
    };
    void closeSocket(this.socket).then(() => this.settle(result));
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
      this.end('aborted', `client error ${packet.code}: ${packet.message}`);
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
      this.end(step.finished, undefined);
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
      if (this.oack) this.socket.send(this.oack);
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
      .catch((error: unknown) => {
        // The client hears that the server failed, not why; the detail goes to the server's log.
        if (!this.ended)
          this.socket.send(
            encodePacket({ op: 'error', code: TftpErrorCode.NotDefined, message: 'server error' }),
          );
        this.end('error', `read failed: ${(error as Error).message}`);
      })
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

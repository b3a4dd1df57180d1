/**
 * What TftpServer asks of a transfer engine once a request is accepted and negotiated: carry the
 * file to the client and say once how it ended. Two engines implement it with the same rules:
 * `portable-transfer.ts` (Node's event loop + the pure ReadSession; every platform) and
 * `native-transfer.ts` (a blocking thread per transfer in the native module; Linux, lock-step speed).
 */
import type { Socket } from 'node:dgram';
import type { ContentReader } from '../boot-files';
import type { SessionTiming } from './session';

/** Everything a transfer needs; fixed once negotiation is done. */
export interface TransferSpec {
  /** Serving address: the transfer's socket binds here, never the wildcard. */
  readonly localAddress: string;
  readonly type: 'udp4' | 'udp6';
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly reader: ContentReader;
  readonly blksize: number;
  readonly windowsize: number;
  /** Encoded OACK to send first, or undefined when no option was accepted. */
  readonly oack: Uint8Array | undefined;
  /** The client's timeout option in ms; undefined lets the timeout adapt to the round trip. */
  readonly fixedTimeoutMs: number | undefined;
  readonly timing: SessionTiming;
  /** Socket factory (tests); only the portable engine uses it. */
  readonly createSocket?: ((type: 'udp4' | 'udp6') => Socket) | undefined;
}

/** How a transfer ended, as the engine saw it. `stopped`: the server asked it to stop. */
export interface TransferResult {
  readonly outcome: 'complete' | 'timeout' | 'aborted' | 'error' | 'stopped';
  readonly detail: string | undefined;
  /** Blocks the client acknowledged. */
  readonly ackedBlocks: number;
  readonly dataPackets: number;
  readonly retransmissions: number;
}

/** A transfer in progress. */
export interface RunningTransfer {
  /** Settles once, after the transfer's socket is closed. */
  readonly done: Promise<TransferResult>;
  /** True once the client has acknowledged anything; until then the transfer may be evicted. */
  readonly confirmed: boolean;
  /** Asks the transfer to stop; `done` then settles with `stopped`. Safe to call more than once. */
  stop(): void;
}

/** An engine starts transfers; a start that fails (socket, bind) rejects and sends nothing. */
export interface TransferEngine {
  readonly name: 'native' | 'portable';
  start(spec: TransferSpec): Promise<RunningTransfer>;
}

/**
 * ReadSession is the state machine of one TFTP read transfer (RFC 1350 lock-step, RFC 7440 windows).
 * Pure: the caller passes the time in and carries out the returned step (send, arm the timer).
 *
 * Safety rules that are the reason this is hand-written (see notes/feasibility.md §2):
 * - Only a timeout retransmits. An ACK that does not acknowledge new data is dropped, so a duplicated
 *   ACK never multiplies traffic (the Sorcerer's Apprentice bug, RFC 1123 §4.2.3.1).
 * - Block numbers are 16-bit on the wire and roll over to 0 after 65535; the session counts absolute
 *   blocks and maps each ACK into the range that is actually in flight.
 * - Until the client's first ACK the transfer is unconfirmed: a request from a spoofed or silent
 *   address never answers, so its first packet is retransmitted only `maxRetriesUnconfirmed` times
 *   (a forged request costs its victim two packets) and its slot is free again within seconds.
 * - After its last retransmission a transfer still listens for `lateAckWaitMs`, sending nothing.
 *   On a lossy network a client whose ACKs were lost resends its ACK on its own timer (5 s in
 *   tftp-hpa and atftp, restarted by every packet it gets; atftp ignores repeated DATA after one
 *   extra ACK) and must find the transfer still there.
 * - The RTO adapts to the measured round trip with a 50 ms floor: on a LAN each lost packet then
 *   costs a twentieth of a second, not a quarter (1 MiB in 512-byte lock-step through 5 % loss each
 *   way took 103 s at a 250 ms floor, 25 s at 50 ms). A spurious retransmission costs one DATA.
 */

/** Parameters of one transfer, fixed after negotiation. */
export interface SessionParams {
  readonly size: number;
  readonly blksize: number;
  readonly windowsize: number;
  /** True when an OACK must be sent and ACK 0 awaited before DATA 1 (RFC 2347). */
  readonly sendOack: boolean;
  /** Client-requested timeout (RFC 2349); fixed when set, otherwise the RTO adapts to measured RTT. */
  readonly fixedTimeoutMs?: number | undefined;
  readonly initialTimeoutMs?: number;
  readonly minTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  /** Retransmissions of the same packet(s) before giving up. */
  readonly maxRetries?: number;
  /** Retransmissions of the first OACK/DATA before giving up while no ACK has come yet. */
  readonly maxRetriesUnconfirmed?: number;
  /** How long a transfer waits for a late ACK after its last retransmission. */
  readonly lateAckWaitMs?: number;
}

/** What to put on the wire: the OACK, or DATA blocks `first..first+count-1` (absolute, 1-based). */
export type SessionSend =
  | { readonly kind: 'oack' }
  | { readonly kind: 'data'; readonly first: number; readonly count: number };

/** How a transfer ended. */
export type SessionOutcome = 'complete' | 'timeout';

/** One step for the caller: send this, then (re)arm the timer, or stop with an outcome. */
export interface SessionStep {
  readonly send?: SessionSend;
  readonly timerMs?: number;
  readonly finished?: SessionOutcome;
}

const NOTHING: SessionStep = {};

/** The timer settings of a transfer with defaults filled in; the native engine uses the same. */
export interface SessionTiming {
  readonly initialTimeoutMs: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly maxRetries: number;
  readonly maxRetriesUnconfirmed: number;
  readonly lateAckWaitMs: number;
}

/**
 * Fills in the timer defaults: 1 s first timeout, RTO kept within 50 ms–5 s, 5 retries, one retry
 * before the first ACK (never more than `maxRetries`), then 8 s for a late ACK after the last
 * retry: longer than a client's 5 s retransmission timer restarted by that retry.
 */
export function sessionTiming(params: Partial<SessionTiming>): SessionTiming {
  const maxRetries = params.maxRetries ?? 5;
  return {
    initialTimeoutMs: params.initialTimeoutMs ?? 1000,
    minTimeoutMs: params.minTimeoutMs ?? 50,
    maxTimeoutMs: params.maxTimeoutMs ?? 5000,
    maxRetries,
    maxRetriesUnconfirmed: Math.min(params.maxRetriesUnconfirmed ?? 1, maxRetries),
    lateAckWaitMs: params.lateAckWaitMs ?? 8000,
  };
}

/** ReadSession tracks one read transfer; see the file comment for its rules. */
export class ReadSession {
  /** Number of blocks in the transfer; a size that is a multiple of blksize ends with an empty block. */
  readonly totalBlocks: number;
  private phase: 'oack' | 'data' | 'done' = 'oack';
  /** Highest absolute block the client has acknowledged (0 = none). */
  private acked = 0;
  /** Highest absolute block sent so far. */
  private sentUpTo = 0;
  private retries = 0;
  private rto: number;
  private srtt: number | undefined;
  private rttvar = 0;
  /** Send time of the outstanding window, or undefined after a retransmission (Karn's rule). */
  private sentAt: number | undefined;
  private readonly minRto: number;
  private readonly maxRto: number;
  private readonly maxRetries: number;
  private readonly maxRetriesUnconfirmed: number;
  private readonly lateAckWaitMs: number;
  /** True once the client has acknowledged anything (the OACK or a DATA block). */
  private acknowledged = false;
  /** Packets sent, for events and the duplicate-ACK test. */
  dataPacketsSent = 0;
  retransmissions = 0;

  constructor(private readonly params: SessionParams) {
    this.totalBlocks = Math.floor(params.size / params.blksize) + 1;
    const timing = sessionTiming(params);
    this.rto = params.fixedTimeoutMs ?? timing.initialTimeoutMs;
    this.minRto = timing.minTimeoutMs;
    this.maxRto = timing.maxTimeoutMs;
    this.maxRetries = timing.maxRetries;
    this.maxRetriesUnconfirmed = timing.maxRetriesUnconfirmed;
    this.lateAckWaitMs = timing.lateAckWaitMs;
  }

  /** True once the client has acknowledged anything: a live client, not a one-off request. */
  get confirmed(): boolean {
    return this.acknowledged;
  }

  /** Blocks the client has acknowledged. */
  get blocksAcked(): number {
    return this.acked;
  }

  /** Begins the transfer: the OACK, or the first window when no options were accepted. */
  start(now: number): SessionStep {
    if (this.params.sendOack) {
      this.sentAt = now;
      return { send: { kind: 'oack' }, timerMs: this.timerAfterSend() };
    }
    this.phase = 'data';
    return this.sendWindow(now);
  }

  /** Handles an ACK carrying the 16-bit wire block number `block`. */
  onAck(block: number, now: number): SessionStep {
    if (this.phase === 'done') return NOTHING;
    if (this.phase === 'oack') {
      if (block !== 0) return NOTHING;
      this.sampleRtt(now);
      this.phase = 'data';
      this.retries = 0;
      this.acknowledged = true;
      return this.sendWindow(now);
    }
    // Distance from the last acknowledged block to this ACK, modulo the 16-bit rollover.
    const delta = (block - (this.acked & 0xffff)) & 0xffff;
    if (delta === 0 || delta > this.sentUpTo - this.acked) return NOTHING; // duplicate or stale
    this.acked += delta;
    this.retries = 0;
    this.acknowledged = true;
    if (this.acked >= this.sentUpTo) this.sampleRtt(now);
    if (this.acked === this.totalBlocks) {
      this.phase = 'done';
      return { finished: 'complete' };
    }
    // RFC 7440 §4: a partial ACK means the rest of the window was lost; resume after it.
    return this.sendWindow(now);
  }

  /** Handles the retransmission timer firing. */
  onTimeout(): SessionStep {
    if (this.phase === 'done') return NOTHING;
    this.retries += 1;
    if (this.retries > (this.acknowledged ? this.maxRetries : this.maxRetriesUnconfirmed)) {
      this.phase = 'done';
      return { finished: 'timeout' };
    }
    this.retransmissions += 1;
    this.sentAt = undefined; // Karn: never time a retransmitted window
    this.rto = Math.min(this.rto * 2, Math.max(this.maxRto, this.params.fixedTimeoutMs ?? 0));
    if (this.phase === 'oack') return { send: { kind: 'oack' }, timerMs: this.timerAfterSend() };
    const first = this.acked + 1;
    const count = Math.min(this.params.windowsize, this.totalBlocks - this.acked);
    this.dataPacketsSent += count;
    return { send: { kind: 'data', first, count }, timerMs: this.timerAfterSend() };
  }

  /** Marks the session finished (client error, server shutdown); later events are ignored. */
  stop(): void {
    this.phase = 'done';
  }

  private sendWindow(now: number): SessionStep {
    const first = this.acked + 1;
    const count = Math.min(this.params.windowsize, this.totalBlocks - this.acked);
    this.sentUpTo = this.acked + count;
    this.sentAt = now;
    this.dataPacketsSent += count;
    return { send: { kind: 'data', first, count }, timerMs: this.timerAfterSend() };
  }

  /** The timer after a send: the RTO, or the wait for a late ACK after the last retry. */
  private timerAfterSend(): number {
    const last = this.acknowledged ? this.maxRetries : this.maxRetriesUnconfirmed;
    return this.retries >= last ? Math.max(this.rto, this.lateAckWaitMs) : this.rto;
  }

  /** RFC 6298 §2 smoothing, used only when the client did not fix a timeout. */
  private sampleRtt(now: number): void {
    if (this.sentAt === undefined || this.params.fixedTimeoutMs !== undefined) return;
    const rtt = Math.max(0, now - this.sentAt);
    if (this.srtt === undefined) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    this.rto = Math.min(this.maxRto, Math.max(this.minRto, this.srtt + 4 * this.rttvar));
  }
}

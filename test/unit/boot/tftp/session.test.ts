import { describe, expect, it } from 'vitest';
import { ReadSession } from '../../../../src-main/boot/tftp/session';

describe('ReadSession', () => {
  it('counts blocks: empty file, exact multiple, remainder', () => {
    expect(
      new ReadSession({ size: 0, blksize: 512, windowsize: 1, sendOack: false }).totalBlocks,
    ).toBe(1);
    expect(
      new ReadSession({ size: 512, blksize: 512, windowsize: 1, sendOack: false }).totalBlocks,
    ).toBe(2);
    expect(
      new ReadSession({ size: 513, blksize: 512, windowsize: 1, sendOack: false }).totalBlocks,
    ).toBe(2);
  });

  it('sends the OACK, waits for ACK 0, then DATA 1', () => {
    const s = new ReadSession({ size: 1000, blksize: 512, windowsize: 1, sendOack: true });
    expect(s.start(0)).toEqual({ send: { kind: 'oack' }, timerMs: 1000 });
    expect(s.onAck(1, 1)).toEqual({});
    expect(s.onAck(0, 2).send).toEqual({ kind: 'data', first: 1, count: 1 });
    expect(s.onAck(1, 3).send).toEqual({ kind: 'data', first: 2, count: 1 });
    expect(s.onAck(2, 4)).toEqual({ finished: 'complete' });
  });

  it('never answers a duplicated ACK (Sorcerer’s Apprentice)', () => {
    const s = new ReadSession({ size: 21 * 512 - 1, blksize: 512, windowsize: 1, sendOack: false });
    s.start(0);
    expect(s.onAck(1, 1).send).toEqual({ kind: 'data', first: 2, count: 1 });
    expect(s.onAck(1, 1)).toEqual({});
    for (let b = 2; b <= 20; b++) s.onAck(b, b);
    expect(s.onAck(21, 30)).toEqual({ finished: 'complete' });
    expect(s.dataPacketsSent).toBe(21);
  });

  it('rolls the 16-bit block number over past 65535', () => {
    const total = 70000;
    const s = new ReadSession({ size: total * 8 - 1, blksize: 8, windowsize: 4, sendOack: false });
    let step = s.start(0);
    let acked = 0;
    while (step.finished === undefined) {
      const send = step.send;
      if (send?.kind !== 'data') throw new Error('expected data');
      acked = send.first + send.count - 1;
      step = s.onAck(acked & 0xffff, acked);
    }
    expect(step.finished).toBe('complete');
    expect(acked).toBe(total);
    expect(s.dataPacketsSent).toBe(total);
  });

  it('resumes after a partial window ACK (RFC 7440 §4) and ignores stale ACKs', () => {
    const s = new ReadSession({ size: 100 * 512, blksize: 512, windowsize: 8, sendOack: false });
    expect(s.start(0).send).toEqual({ kind: 'data', first: 1, count: 8 });
    expect(s.onAck(5, 1).send).toEqual({ kind: 'data', first: 6, count: 8 });
    expect(s.onAck(4, 2)).toEqual({});
    expect(s.onAck(40, 2)).toEqual({}); // beyond what was sent: ignored
    expect(s.onAck(13, 3).send).toEqual({ kind: 'data', first: 14, count: 8 });
  });

  it('retransmits on timeout with backoff, then gives up', () => {
    const s = new ReadSession({
      size: 1000,
      blksize: 512,
      windowsize: 1,
      sendOack: false,
      initialTimeoutMs: 100,
      minTimeoutMs: 100,
      maxTimeoutMs: 350,
      maxRetries: 3,
    });
    s.start(0);
    expect(s.onAck(1, 0)).toEqual({ send: { kind: 'data', first: 2, count: 1 }, timerMs: 100 });
    expect(s.onTimeout()).toEqual({ send: { kind: 'data', first: 2, count: 1 }, timerMs: 200 });
    expect(s.onTimeout()).toEqual({ send: { kind: 'data', first: 2, count: 1 }, timerMs: 350 });
    // The last retry: then it waits for a late ACK before giving up.
    expect(s.onTimeout().timerMs).toBe(8000);
    expect(s.onTimeout()).toEqual({ finished: 'timeout' });
    expect(s.retransmissions).toBe(3);
  });

  it('after its last retry, waits for a late ACK (a client resending on its own timer) and resumes', () => {
    const s = new ReadSession({ size: 2000, blksize: 512, windowsize: 1, sendOack: false });
    s.start(0);
    s.onAck(1, 1);
    const timers = Array.from({ length: 5 }, () => s.onTimeout().timerMs);
    expect(timers.at(-1)).toBe(8000);
    expect(s.onAck(2, 12_000)).toMatchObject({ send: { kind: 'data', first: 3, count: 1 } });
  });

  it('keeps the RTO at 50 ms after fast round trips, so a lost packet costs little', () => {
    const s = new ReadSession({ size: 4000, blksize: 512, windowsize: 1, sendOack: false });
    s.start(0);
    expect(s.onAck(1, 0.3).timerMs).toBe(50);
    expect(s.onAck(2, 0.6).timerMs).toBe(50);
  });

  it('gives a client that never ACKs one retransmission, of DATA 1 or of the OACK', () => {
    for (const sendOack of [false, true]) {
      const s = new ReadSession({ size: 1000, blksize: 512, windowsize: 1, sendOack });
      s.start(0);
      expect(s.confirmed).toBe(false);
      expect(s.onTimeout().send).toEqual(
        sendOack ? { kind: 'oack' } : { kind: 'data', first: 1, count: 1 },
      );
      expect(s.onTimeout()).toEqual({ finished: 'timeout' });
      expect(s.retransmissions).toBe(1);
    }
  });

  it('after the last unconfirmed retry, waits for a late first ACK, which then resumes the transfer', () => {
    // A lossy network lost the client's ACKs; the client resends its ACK on its own 5 s timer.
    const s = new ReadSession({ size: 1000, blksize: 512, windowsize: 1, sendOack: false });
    expect(s.start(0).timerMs).toBe(1000);
    expect(s.onTimeout()).toEqual({ send: { kind: 'data', first: 1, count: 1 }, timerMs: 8000 });
    expect(s.onAck(1, 7000)).toEqual({ send: { kind: 'data', first: 2, count: 1 }, timerMs: 2000 });
    expect(s.confirmed).toBe(true);
    const oack = new ReadSession({
      size: 1000,
      blksize: 512,
      windowsize: 1,
      sendOack: true,
      lateAckWaitMs: 300,
    });
    oack.start(0);
    expect(oack.onTimeout()).toEqual({ send: { kind: 'oack' }, timerMs: 2000 });
    const noRetry = new ReadSession({
      size: 1000,
      blksize: 512,
      windowsize: 1,
      sendOack: false,
      maxRetriesUnconfirmed: 0,
    });
    expect(noRetry.start(0).timerMs).toBe(8000);
  });

  it('is confirmed by the first ACK, of the OACK or of DATA 1, and then keeps every retry', () => {
    const viaOack = new ReadSession({ size: 1000, blksize: 512, windowsize: 1, sendOack: true });
    viaOack.start(0);
    viaOack.onAck(0, 1);
    expect(viaOack.confirmed).toBe(true);
    const viaData = new ReadSession({ size: 1000, blksize: 512, windowsize: 1, sendOack: false });
    viaData.start(0);
    viaData.onAck(7, 1); // not in flight: no confirmation
    expect(viaData.confirmed).toBe(false);
    viaData.onAck(1, 1);
    expect(viaData.confirmed).toBe(true);
    for (let i = 0; i < 5; i++) expect(viaData.onTimeout().send?.kind).toBe('data');
    expect(viaData.onTimeout()).toEqual({ finished: 'timeout' });
  });

  it('never retries an unconfirmed transfer more often than a confirmed one', () => {
    const s = new ReadSession({
      size: 10,
      blksize: 512,
      windowsize: 1,
      sendOack: false,
      maxRetries: 0,
    });
    s.start(0);
    expect(s.onTimeout()).toEqual({ finished: 'timeout' });
  });

  it('adapts the timeout to measured RTT unless the client fixed it', () => {
    const adaptive = new ReadSession({
      size: 4096,
      blksize: 512,
      windowsize: 1,
      sendOack: false,
      minTimeoutMs: 50,
    });
    adaptive.start(0);
    expect(adaptive.onAck(1, 2).timerMs).toBe(50);
    const fixed = new ReadSession({
      size: 4096,
      blksize: 512,
      windowsize: 1,
      sendOack: false,
      fixedTimeoutMs: 3000,
    });
    fixed.start(0);
    expect(fixed.onAck(1, 2).timerMs).toBe(3000);
  });
});

import { describe, expect, it } from 'vitest';
import { EventLog } from '../../../src-main/api/event-log';
import { resyncEventName } from '../../../src-shared/contract/bridge';

const ids = (plan: ReturnType<EventLog['resumeAfter']>): number[] =>
  plan.kind === 'replay' ? plan.events.map((e) => e.id) : [];

describe('the recent-events ring', () => {
  it('numbers events from 1 and frames them for Server-Sent Events', () => {
    const log = new EventLog({ maxEvents: 10, maxChars: 10_000 });
    expect(log.lastId).toBe(0);
    const e = log.append('system.log', { message: 'a' });
    expect(e).toEqual({ id: 1, frame: 'id: 1\nevent: system.log\ndata: {"message":"a"}\n\n' });
    expect(log.lastId).toBe(1);
  });

  it('replays exactly the events after the given id', () => {
    const log = new EventLog({ maxEvents: 10, maxChars: 10_000 });
    for (let i = 0; i < 5; i += 1) log.append('x.y', i);
    expect(ids(log.resumeAfter('2'))).toEqual([3, 4, 5]);
    expect(ids(log.resumeAfter('0'))).toEqual([1, 2, 3, 4, 5]);
    expect(log.resumeAfter('5')).toEqual({ kind: 'replay', events: [] });
    expect(new EventLog({ maxEvents: 1, maxChars: 1 }).resumeAfter('0')).toEqual({
      kind: 'replay',
      events: [],
    });
  });

  it('keeps at most maxEvents and maxChars, and orders a reset once an id is too old', () => {
    const log = new EventLog({ maxEvents: 3, maxChars: 10_000 });
    for (let i = 0; i < 10; i += 1) log.append('x.y', i);
    expect(log.size).toBe(3);
    expect(ids(log.resumeAfter('7'))).toEqual([8, 9, 10]);
    expect(log.resumeAfter('6').kind).toBe('reset');

    const small = new EventLog({ maxEvents: 100, maxChars: 200 });
    for (let i = 0; i < 50; i += 1) small.append('x.y', 'z'.repeat(40));
    expect(small.charSize).toBeLessThanOrEqual(200);
    expect(small.size).toBeGreaterThan(0);
    expect(small.resumeAfter('1').kind).toBe('reset');
  });

  it('orders a reset for ids it never sent: from the future (an earlier run) or not numbers', () => {
    const log = new EventLog({ maxEvents: 10, maxChars: 10_000 });
    log.append('x.y', 1);
    for (const id of ['2', '99999', '', 'abc', '-1', '1.5', '1e3', '9'.repeat(40)]) {
      expect(log.resumeAfter(id).kind, id).toBe('reset');
    }
  });

  it('stays bounded over many events (the ring compacts)', () => {
    const log = new EventLog({ maxEvents: 5, maxChars: 10_000 });
    for (let i = 0; i < 20_000; i += 1) log.append('x.y', i);
    expect(log.size).toBe(5);
    expect(ids(log.resumeAfter('19995'))).toEqual([19_996, 19_997, 19_998, 19_999, 20_000]);
  });

  it('frames a reset so the client moves to the newest id', () => {
    const log = new EventLog({ maxEvents: 5, maxChars: 10_000 });
    log.append('x.y', 1);
    log.append('x.y', 2);
    expect(log.resyncFrame('gone')).toBe(
      `id: 2\nevent: ${resyncEventName}\ndata: {"reason":"gone"}\n\n`,
    );
  });
});

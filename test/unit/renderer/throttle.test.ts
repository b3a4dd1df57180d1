import { describe, expect, it } from 'vitest';
import { throttle, throttledBatch, type ThrottleClock } from '../../../src-renderer/lib/throttle';

/** A hand-driven clock: `advance` moves time and fires what fell due. */
function fakeClock(): ThrottleClock & { advance: (ms: number) => void } {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.push({ at: now + ms, fn, id: next });
      return next++;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
  };
}

describe('throttle', () => {
  it('runs at once, then once per interval after the last trigger of a burst', () => {
    const clock = fakeClock();
    const runs: number[] = [];
    const t = throttle(() => runs.push(clock.now()), 500, clock);
    t.trigger();
    expect(runs).toEqual([0]);
    for (let i = 0; i < 20; i++) {
      clock.advance(50);
      t.trigger();
    }
    // 20 triggers over 1 s: runs every 500 ms, and one more for the trigger after the last run.
    clock.advance(1000);
    expect(runs).toEqual([0, 500, 1000, 1500]);
    clock.advance(2000);
    expect(runs).toHaveLength(4);
    t.trigger();
    expect(runs).toEqual([0, 500, 1000, 1500, 4000]);
  });

  it('drops a pending run when cancelled', () => {
    const clock = fakeClock();
    let runs = 0;
    const t = throttle(() => runs++, 500, clock);
    t.trigger();
    t.trigger();
    t.cancel();
    clock.advance(1000);
    expect(runs).toBe(1);
  });
});

describe('throttledBatch', () => {
  it('hands a burst over in order as one batch at once and one per interval, losing none', () => {
    const clock = fakeClock();
    const batches: number[][] = [];
    const b = throttledBatch<number>((items) => batches.push(items), 200, 1000, clock);
    b.push(0);
    expect(batches).toEqual([[0]]);
    // 100 events 5 ms apart (half a second): one batch per 200 ms, not one per event.
    for (let i = 1; i <= 100; i++) {
      clock.advance(5);
      b.push(i);
    }
    clock.advance(1000);
    expect(batches.length).toBeLessThanOrEqual(4);
    expect(batches.flat()).toEqual(Array.from({ length: 101 }, (_, i) => i));
  });

  it('keeps only the newest items while a flush waits, and drops them when cancelled', () => {
    const clock = fakeClock();
    const batches: string[][] = [];
    const b = throttledBatch<string>((items) => batches.push(items), 200, 3, clock);
    b.push('a');
    for (const x of ['b', 'c', 'd', 'e', 'f']) b.push(x);
    clock.advance(200);
    expect(batches).toEqual([['a'], ['d', 'e', 'f']]);
    b.push('g');
    b.cancel();
    clock.advance(1000);
    expect(batches).toHaveLength(2);
  });
});

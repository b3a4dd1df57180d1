import { describe, expect, it } from 'vitest';
import { throttle, type ThrottleClock } from '../../../src-renderer/lib/throttle';

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

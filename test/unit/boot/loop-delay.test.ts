import { describe, expect, it } from 'vitest';
import {
  bucketCounts,
  formatLoopDelaySummary,
  startLoopDelayMonitor,
} from '../../../src-main/boot/loop-delay';

const ms = (v: number): number => v * 1e6;

describe('formatLoopDelaySummary', () => {
  it('prints the summary line in the shared format: whole seconds, one decimal, counts', () => {
    expect(
      formatLoopDelaySummary({
        seconds: 61.6,
        p50Ms: 0.04,
        p99Ms: 2.25,
        maxMs: 48,
        buckets: [5900, 80, 15, 5, 0],
        events: 20000,
        writes: 79,
      }),
    ).toBe(
      'event loop delay over 62 s: p50 0.0 ms, p99 2.3 ms, max 48.0 ms; boot events 20000 in 79 writes; histogram <=1ms 5900, <=5ms 80, <=20ms 15, <=50ms 5, >50ms 0',
    );
  });

  it('matches the pattern a benchmark parses it with', () => {
    const line = formatLoopDelaySummary({
      seconds: 3,
      p50Ms: 0.1,
      p99Ms: 12.34,
      maxMs: 75.06,
      buckets: [280, 10, 5, 3, 2],
      events: 40,
      writes: 3,
    });
    expect(line).toMatch(
      /^event loop delay over \d+ s: p50 \d+\.\d ms, p99 \d+\.\d ms, max \d+\.\d ms; boot events \d+ in \d+ writes; histogram <=1ms \d+, <=5ms \d+, <=20ms \d+, <=50ms \d+, >50ms \d+$/,
    );
    expect(line).toContain('max 75.1 ms');
  });
});

describe('bucketCounts', () => {
  it("splits the samples by the histogram's percentile points, less the 10 ms sampling interval", () => {
    // Half the samples at most 10.5 ms apart (0.5 ms late), 75 % within 14 ms (4 ms late), 99 % within
    // 40 ms (30 ms), the last at 70 ms (60 ms late: more than 50).
    const points = new Map([
      [0, ms(9.8)],
      [50, ms(10.5)],
      [75, ms(14)],
      [99, ms(40)],
      [100, ms(70)],
    ]);
    expect(bucketCounts(points, 200)).toEqual([100, 50, 0, 48, 2]);
  });

  it('puts every sample in the first bucket when none was late, and handles no samples', () => {
    const idle = new Map([
      [0, ms(9.9)],
      [100, ms(10.4)],
    ]);
    expect(bucketCounts(idle, 37)).toEqual([37, 0, 0, 0, 0]);
    expect(bucketCounts(new Map(), 0)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('startLoopDelayMonitor', () => {
  it('sees an 80 ms stall of the event loop as more than 50 ms late', async () => {
    const monitor = startLoopDelayMonitor();
    await new Promise((resolve) => setTimeout(resolve, 60));
    const until = Date.now() + 80;
    while (Date.now() < until) {
      // Blocks the event loop on purpose, as a long synchronous write would.
    }
    await new Promise((resolve) => setTimeout(resolve, 60));
    const s = monitor.summary({ events: 7, writes: 1 });
    expect(s.maxMs).toBeGreaterThan(50);
    expect(s.maxMs).toBeLessThan(5_000);
    expect(s.buckets[4]).toBeGreaterThanOrEqual(1);
    expect(s.buckets.reduce((a, b) => a + b, 0)).toBeGreaterThan(1);
    expect(s).toMatchObject({ events: 7, writes: 1 });
    expect(s.seconds).toBeGreaterThan(0.19);
  });
});

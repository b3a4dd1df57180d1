/**
 * The event-loop delay of a serving process, sampled from start to stop, and the one summary line
 * `labboot serve` prints when it stops. Node samples with a 10 ms timer and records the time
 * between two ticks; the delay is how much later than the 10 ms a tick came (an idle loop reads
 * about 0 ms; a stall of B ms reads between B − 10 and B ms in the sample it falls in).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Node's sampling interval, which is also the part of each sample that is no delay. */
export const LOOP_DELAY_RESOLUTION_MS = 10;

/** Upper bounds of the histogram's buckets, in ms; one more bucket holds the rest. */
export const LOOP_DELAY_BUCKETS_MS = [1, 5, 20, 50] as const;

/** What a summary line says. */
export interface LoopDelaySummary {
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Samples per bucket: ≤1, ≤5, ≤20, ≤50 and >50 ms. */
  readonly buckets: readonly [number, number, number, number, number];
  /** Boot events stored, and the write transactions that stored them. */
  readonly events: number;
  readonly writes: number;
}

/** formatLoopDelaySummary is the summary line, without its newline. */
export function formatLoopDelaySummary(s: LoopDelaySummary): string {
  const ms = (v: number): string => v.toFixed(1);
  const [le1, le5, le20, le50, over] = s.buckets;
  return (
    `event loop delay over ${Math.round(s.seconds)} s: p50 ${ms(s.p50Ms)} ms, p99 ${ms(s.p99Ms)} ms, ` +
    `max ${ms(s.maxMs)} ms; boot events ${s.events} in ${s.writes} writes; ` +
    `histogram <=1ms ${le1}, <=5ms ${le5}, <=20ms ${le20}, <=50ms ${le50}, >50ms ${over}`
  );
}

/**
 * bucketCounts splits `count` samples into the buckets from the histogram's percentile points
 * (percentile → sample in ns): the samples at or below a bound are the largest percentile whose
 * sample, less the resolution, is within it. Cumulative counts are rounded, so the buckets add up.
 */
export function bucketCounts(
  percentiles: ReadonlyMap<number, number>,
  count: number,
  resolutionMs = LOOP_DELAY_RESOLUTION_MS,
): LoopDelaySummary['buckets'] {
  const points = [...percentiles].sort(([a], [b]) => a - b);
  const atOrBelow = (boundMs: number): number => {
    let share = 0;
    for (const [p, ns] of points) if (ns / 1e6 - resolutionMs <= boundMs) share = p;
    return Math.round((count * share) / 100);
  };
  const cumulative = LOOP_DELAY_BUCKETS_MS.map(atOrBelow);
  const [c1 = 0, c5 = 0, c20 = 0, c50 = 0] = cumulative;
  return [c1, c5 - c1, c20 - c5, c50 - c20, count - c50];
}

/** A running sampler: `summary` stops it and says what it saw. */
export interface LoopDelayMonitor {
  summary(writes: { events: number; writes: number }): LoopDelaySummary;
}

/** startLoopDelayMonitor starts sampling the event loop's delay now. */
export function startLoopDelayMonitor(
  now: () => number = () => performance.now(),
): LoopDelayMonitor {
  const histogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  histogram.enable();
  const started = now();
  return {
    summary: ({ events, writes }) => {
      histogram.disable();
      // No sample yet (a stop within 10 ms) reads as no delay.
      const delay = (ns: number): number =>
        histogram.count === 0 ? 0 : Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);
      return {
        seconds: (now() - started) / 1000,
        p50Ms: delay(histogram.percentile(50)),
        p99Ms: delay(histogram.percentile(99)),
        maxMs: delay(histogram.max),
        buckets: bucketCounts(histogram.percentiles, histogram.count),
        events,
        writes,
      };
    },
  };
}

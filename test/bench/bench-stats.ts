/**
 * Small pieces every benchmark shares: the median of the rounds, the order in which the two sides
 * run in a round (alternated, so neither always gets the warm cache or the quiet moment), and a
 * streaming sha256 of a file for checking what each side produced.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** median is the middle value (the mean of the two middle ones for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** roundOrder keeps `sides` in order on even rounds and reverses it on odd rounds. */
export function roundOrder<T>(sides: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...sides] : [...sides].reverse();
}

/** pairedRatio is the median over rounds of ours[i] / theirs[i]: steadier than a ratio of medians
 * on a machine whose load drifts between rounds. */
export function pairedRatio(ours: readonly number[], theirs: readonly number[]): number {
  return median(ours.map((x, i) => x / (theirs[i] ?? Number.NaN)));
}

/** sha256File hashes a file without reading it into memory at once. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

/** boundedCount reads a positive integer argument, clamped to [min, max], or the fallback. */
export function boundedCount(
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const n = Number(text ?? fallback);
  if (!Number.isInteger(n)) return fallback;
  return Math.max(min, Math.min(max, n));
}

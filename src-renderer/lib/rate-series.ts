import type { BootServeEvent } from '../../src-shared/boot/events';

/**
 * rateSeries turns served requests into bytes per second for each of the last `seconds` whole
 * seconds before `nowMs` (oldest first). A transfer's bytes are spread evenly over its duration,
 * which ends at its `at` time, so a long TFTP transfer shows as a plateau, not a spike.
 */
export function rateSeries(
  events: readonly BootServeEvent[],
  nowMs: number,
  seconds: number,
): number[] {
  const end = Math.floor(nowMs / 1000) * 1000 + 1000;
  const start = end - seconds * 1000;
  const buckets = new Array<number>(seconds).fill(0);
  for (const e of events) {
    if (e.protocol === 'dhcp') continue;
    const stop = Date.parse(e.at);
    if (!Number.isFinite(stop) || e.bytes === 0) continue;
    const duration = Math.max(e.durationMs, 1);
    const begin = stop - duration;
    if (stop <= start || begin >= end) continue;
    const perMs = e.bytes / duration;
    for (let i = Math.max(0, Math.floor((begin - start) / 1000)); i < seconds; i++) {
      const bucketStart = start + i * 1000;
      if (bucketStart >= stop) break;
      const overlap = Math.min(stop, bucketStart + 1000) - Math.max(begin, bucketStart);
      if (overlap > 0) buckets[i]! += overlap * perMs;
    }
  }
  return buckets;
}

/** clientKey is who a row in the live log is about: the client's MAC once DHCP named it, else its address. */
export function clientKey(e: BootServeEvent): string {
  return e.mac ?? e.client.replace(/^::ffff:/, '');
}

/** stepClientKey is clientKey for a stored boot-log step. */
export function stepClientKey(s: { mac: string | null; clientIp: string | null }): string {
  return s.mac ?? s.clientIp?.replace(/^::ffff:/, '') ?? 'unknown client';
}

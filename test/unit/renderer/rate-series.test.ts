import { describe, expect, it } from 'vitest';
import { clientKey, rateSeries } from '../../../src-renderer/lib/rate-series';
import type { BootServeEvent } from '../../../src-shared/boot/events';

const now = Date.parse('2026-01-01T00:01:00.000Z');

function tftp(at: number, bytes: number, durationMs: number): BootServeEvent {
  return {
    protocol: 'tftp',
    at: new Date(at).toISOString(),
    client: '::ffff:10.0.0.5',
    file: 'pxelinux.0',
    outcome: 'complete',
    bytes,
    durationMs,
    bytesPerSecond: durationMs > 0 ? bytes / (durationMs / 1000) : 0,
    blksize: 1468,
    windowsize: null,
    detail: null,
  };
}

describe('rateSeries', () => {
  it('spreads a transfer evenly over the seconds it took', () => {
    // 4000 bytes over the 4 s ending at the start of the last bucket.
    const series = rateSeries([tftp(now, 4000, 4000)], now, 10);
    expect(series).toHaveLength(10);
    expect(series.slice(5, 9)).toEqual([1000, 1000, 1000, 1000]);
    expect(series.reduce((a, b) => a + b, 0)).toBe(4000);
  });

  it('ignores transfers older than the window and keeps the part inside it', () => {
    const old = tftp(now - 120_000, 999, 10);
    // 2000 bytes over now−12 s … now−8 s; the 10-bucket window starts at now−9 s: 1 s of it fits.
    const straddling = tftp(now - 8_000, 2000, 4000);
    const series = rateSeries([old, straddling], now, 10);
    expect(series[0]).toBe(500);
    expect(series.reduce((a, b) => a + b, 0)).toBe(500);
  });

  it('names the client without the IPv4-mapped prefix', () => {
    expect(clientKey(tftp(now, 1, 1))).toBe('10.0.0.5');
  });
});

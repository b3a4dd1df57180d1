/** Formatting for people: sizes, rates and durations in the units a home-lab admin reads. */

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** formatBytes prints 1536 as "1.5 KiB"; whole bytes below 1 KiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** formatRate prints bytes per second as "12 MiB/s". */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** formatDuration prints seconds as "42 s", "3 min 5 s" or "1 h 2 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return 'under 1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** eta estimates the time left; null while the rate says nothing yet. */
export function eta(done: number, total: number, rate: number): number | null {
  if (rate <= 0 || total <= 0 || done >= total) return null;
  return (total - done) / rate;
}

/** percent is done/total as a whole number 0–100 (100 for an empty total). */
export function percent(done: number, total: number): number {
  if (total <= 0) return 100;
  return Math.min(100, Math.floor((done / total) * 100));
}

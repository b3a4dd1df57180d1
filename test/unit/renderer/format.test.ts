import { describe, expect, it } from 'vitest';
import {
  eta,
  formatBytes,
  formatDuration,
  formatRate,
  percent,
} from '../../../src-renderer/lib/format';

describe('formatting for people', () => {
  it('prints sizes in binary units with one decimal below ten', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50 MiB');
    expect(formatBytes(-1)).toBe('—');
    expect(formatRate(2048)).toBe('2.0 KiB/s');
  });

  it('prints durations and estimates the time left', () => {
    expect(formatDuration(0.4)).toBe('under 1 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(3720)).toBe('1 h 2 min');
    expect(eta(50, 150, 10)).toBe(10);
    expect(eta(50, 150, 0)).toBeNull();
    expect(eta(150, 150, 10)).toBeNull();
  });

  it('clamps percentages and treats an empty total as done', () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 3)).toBe(100);
    expect(percent(0, 0)).toBe(100);
  });
});

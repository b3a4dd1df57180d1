import { describe, expect, it } from 'vitest';
import { MacLogThrottle } from '../../../../src-main/boot/dhcp/mac-log-throttle';

const mac = (i: number): string =>
  `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

describe('MacLogThrottle', () => {
  it('lets one line per MAC through per window, and the next once the window has passed', () => {
    const t = new MacLogThrottle(1000, 10);
    expect([0, 1, 500, 999].map((at) => t.shouldLog(mac(1), at))).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(t.shouldLog(mac(2), 999)).toBe(true);
    expect(t.shouldLog(mac(1), 1000)).toBe(true);
    expect(t.shouldLog(mac(1), 1999)).toBe(false);
  });

  it('remembers at most its bound of MACs, forgetting the one logged longest ago', () => {
    const t = new MacLogThrottle(60_000, 3);
    for (let i = 1; i <= 3; i++) expect(t.shouldLog(mac(i), i)).toBe(true);
    expect(t.shouldLog(mac(1), 10)).toBe(false);
    expect(t.shouldLog(mac(4), 11)).toBe(true); // forgets mac(1), the oldest
    expect(t.shouldLog(mac(2), 12)).toBe(false);
    expect(t.shouldLog(mac(1), 13)).toBe(true);
    // A storm of new MACs keeps the memory at the bound and still lets each first line through.
    for (let i = 100; i < 1100; i++) expect(t.shouldLog(mac(i), 20)).toBe(true);
    expect(t.shouldLog(mac(1097), 21)).toBe(false);
    expect(t.shouldLog(mac(1096), 21)).toBe(true);
  });
});

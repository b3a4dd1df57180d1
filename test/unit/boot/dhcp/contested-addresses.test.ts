import { describe, expect, it } from 'vitest';
import { ContestedAddresses } from '../../../../src-main/boot/dhcp/contested-addresses';

describe('ContestedAddresses', () => {
  it('remembers at most its bound of addresses, forgetting the one asked for longest ago', () => {
    const c = new ContestedAddresses(10_000, 2);
    expect(c.note('10.77.0.101', 'aa:00:00:00:00:01', 0)).toBeUndefined();
    expect(c.note('10.77.0.102', 'aa:00:00:00:00:02', 1)).toBeUndefined();
    // Asked again, .101 becomes the newest, so .102 is the one a third address pushes out.
    expect(c.note('10.77.0.101', 'aa:00:00:00:00:01', 2)).toBeUndefined();
    expect(c.note('10.77.0.103', 'aa:00:00:00:00:03', 3)).toBeUndefined();
    expect(c.note('10.77.0.101', 'aa:00:00:00:00:09', 4)).toBe('aa:00:00:00:00:01');
    expect(c.note('10.77.0.102', 'aa:00:00:00:00:09', 5)).toBeUndefined();
  });
});

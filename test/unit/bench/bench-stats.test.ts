import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boundedCount, median, pairedRatio, roundOrder, sha256File } from '../../bench/bench-stats';
import { makeTempDir } from '../../helpers/temp-dir';

describe('bench stats', () => {
  it('median takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('roundOrder alternates which side runs first', () => {
    expect(roundOrder(['labboot', 'peer'], 0)).toEqual(['labboot', 'peer']);
    expect(roundOrder(['labboot', 'peer'], 1)).toEqual(['peer', 'labboot']);
    expect(roundOrder(['labboot', 'peer'], 2)).toEqual(['labboot', 'peer']);
  });

  it('pairedRatio is the median of the per-round ratios', () => {
    expect(pairedRatio([2, 10, 3], [1, 1, 1])).toBe(3);
  });

  it('boundedCount clamps and falls back on junk', () => {
    expect(boundedCount(undefined, 3, 1, 9)).toBe(3);
    expect(boundedCount('50', 3, 1, 9)).toBe(9);
    expect(boundedCount('0', 3, 1, 9)).toBe(1);
    expect(boundedCount('x', 3, 1, 9)).toBe(3);
  });

  it('sha256File hashes a file', async () => {
    const tmp = makeTempDir();
    try {
      const f = join(tmp.path, 'abc');
      writeFileSync(f, 'abc');
      expect(await sha256File(f)).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
    } finally {
      tmp.remove();
    }
  });
});

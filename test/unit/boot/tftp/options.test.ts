import { describe, expect, it } from 'vitest';
import { negotiate } from '../../../../src-main/boot/tftp/options';

const limits = { maxBlksize: 1468, maxWindowsize: 64 };

describe('tftp option negotiation', () => {
  it('clamps blksize to the interface MTU − 32 and answers tsize with the size', () => {
    expect(
      negotiate(
        [
          ['tsize', '0'],
          ['blksize', '8192'],
        ],
        12345,
        limits,
      ),
    ).toEqual({
      ok: true,
      value: {
        blksize: 1468,
        windowsize: 1,
        timeoutMs: undefined,
        oack: [
          ['tsize', '12345'],
          ['blksize', '1468'],
        ],
      },
    });
  });

  it('caps windowsize at 64, honours timeout and ignores unknown options', () => {
    expect(
      negotiate(
        [
          ['windowsize', '200'],
          ['timeout', '3'],
          ['rollover', '0'],
          ['multicast', ''],
        ],
        1,
        limits,
      ),
    ).toEqual({
      ok: true,
      value: {
        blksize: 512,
        windowsize: 64,
        timeoutMs: 3000,
        oack: [
          ['windowsize', '64'],
          ['timeout', '3'],
        ],
      },
    });
  });

  it('sends no OACK when no option is known', () => {
    expect(negotiate([['foo', 'bar']], 1, limits)).toEqual({
      ok: true,
      value: { blksize: 512, windowsize: 1, timeoutMs: undefined, oack: [] },
    });
  });

  it('refuses invalid values (error 8)', () => {
    for (const opt of [
      ['blksize', '7'],
      ['blksize', '65465'],
      ['blksize', 'abc'],
      ['tsize', '-5'],
      ['timeout', '0'],
      ['timeout', '256'],
      ['windowsize', '0'],
    ] as const) {
      const r = negotiate([opt], 1, limits);
      expect(r.ok).toBe(false);
    }
  });
});

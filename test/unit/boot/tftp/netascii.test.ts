import { describe, expect, it } from 'vitest';
import { toNetascii } from '../../../../src-main/boot/tftp/netascii';

describe('toNetascii', () => {
  it('maps LF to CR LF and a bare CR to CR NUL', () => {
    expect([...toNetascii(Uint8Array.of(0x61, 0x0a, 0x0d, 0x62))]).toEqual([
      0x61, 0x0d, 0x0a, 0x0d, 0x00, 0x62,
    ]);
  });
});

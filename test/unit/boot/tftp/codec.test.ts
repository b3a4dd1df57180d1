import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CodecError,
  decodePacket,
  describePacket,
  encodePacket,
  type TftpPacket,
} from '../../../../src-main/boot/tftp/codec';

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(
    parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)),
  );

describe('tftp codec', () => {
  it('decodes an RRQ with options as EDK2 sends it', () => {
    const wire = bytes(
      [0, 1],
      'bootx64.efi',
      [0],
      'octet',
      [0],
      'tsize',
      [0],
      '0',
      [0],
      'BLKSIZE',
      [0],
      '1468',
      [0],
    );
    expect(decodePacket(wire)).toEqual({
      op: 'rrq',
      filename: 'bootx64.efi',
      mode: 'octet',
      options: [
        ['tsize', '0'],
        ['blksize', '1468'],
      ],
    });
    expect(describePacket(decodePacket(wire))).toBe('RRQ "bootx64.efi" octet tsize=0 blksize=1468');
  });

  it('decodes DATA, ACK, ERROR and OACK', () => {
    expect(decodePacket(bytes([0, 3, 1, 2, 9, 8]))).toEqual({
      op: 'data',
      block: 258,
      data: Uint8Array.of(9, 8),
    });
    expect(decodePacket(bytes([0, 4, 255, 255]))).toEqual({ op: 'ack', block: 65535 });
    expect(decodePacket(bytes([0, 5, 0, 8], 'abort', [0]))).toEqual({
      op: 'error',
      code: 8,
      message: 'abort',
    });
    expect(decodePacket(bytes([0, 6], 'tsize', [0], '42', [0]))).toEqual({
      op: 'oack',
      options: [['tsize', '42']],
    });
  });

  it('rejects malformed packets with CodecError only', () => {
    const bad = [
      bytes([0]),
      bytes([0, 9, 0, 0]),
      bytes([0, 1], 'name'),
      bytes([0, 1], 'name', [0]),
      bytes([0, 1], 'name', [0], 'octet', [0], 'blksize', [0]),
      bytes([0, 4, 1]),
      bytes([0, 5, 0, 1], 'a', [0], 'b', [0]),
      new Uint8Array(600).fill(1).map((v, i) => (i < 2 ? ([0, 1][i] ?? v) : v)),
    ];
    for (const b of bad) expect(() => decodePacket(b)).toThrow(CodecError);
  });

  it('any bytes decode or throw CodecError, and decoded packets round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (buf) => {
        let p: TftpPacket;
        try {
          p = decodePacket(buf);
        } catch (error) {
          expect(error).toBeInstanceOf(CodecError);
          return;
        }
        expect(decodePacket(encodePacket(p))).toEqual(p);
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips generated requests', () => {
    const str = fc
      .string({ minLength: 1, maxLength: 20 })
      .filter((s) => !s.includes('\0') && /^[\x20-\x7e]+$/.test(s));
    fc.assert(
      fc.property(
        str,
        fc.array(
          fc.tuple(
            str,
            fc.string({ maxLength: 8 }).filter((s) => /^[0-9a-z]*$/.test(s)),
          ),
          { maxLength: 4 },
        ),
        (name, opts) => {
          const p: TftpPacket = {
            op: 'rrq',
            filename: name,
            mode: 'octet',
            options: opts.map(([k, v]) => [k.toLowerCase(), v] as const),
          };
          expect(decodePacket(encodePacket(p))).toEqual(p);
        },
      ),
      { numRuns: 500 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  encodeNetascii,
  netasciiGrowth,
  NETASCII_START,
} from '../../../../src-main/boot/tftp/netascii';
import { netasciiReader } from '../../../../src-main/boot/tftp/netascii-reader';
import type { ContentReader } from '../../../../src-main/boot/boot-files';

/** The whole-buffer conversion the server used before it streamed: the reference for every test. */
function wholeBuffer(raw: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const b of raw) {
    if (b === 0x0a) out.push(0x0d, 0x0a);
    else if (b === 0x0d) out.push(0x0d, 0x00);
    else out.push(b);
  }
  return Uint8Array.from(out);
}

/** A raw reader over bytes that counts what it hands out, to check reads stay proportional. */
function countingReader(
  data: Uint8Array,
): ContentReader & { readBytes: number; released: boolean } {
  const reader = {
    size: data.length,
    source: { bytes: data },
    readBytes: 0,
    released: false,
    read: (target: Uint8Array, offset: number, length: number, position: number) => {
      const slice = data.subarray(position, Math.min(data.length, position + length));
      target.set(slice, offset);
      reader.readBytes += slice.length;
      return Promise.resolve(slice.length);
    },
    release: () => {
      reader.released = true;
      return Promise.resolve();
    },
  };
  return reader;
}

/** Reads `reader` the way a transfer does: `blksize` blocks in order. */
async function readBlocks(reader: ContentReader, blksize: number): Promise<Uint8Array> {
  const out = new Uint8Array(reader.size);
  for (let at = 0; at < reader.size; at += blksize) {
    const n = await reader.read(out, at, Math.min(blksize, reader.size - at), at);
    expect(n).toBe(Math.min(blksize, reader.size - at));
  }
  return out;
}

/** Bytes rich in CR and LF, so pairs land on every kind of boundary. */
const lineBytes = fc
  .uint8Array({ maxLength: 3000 })
  .map((bytes) => bytes.map((b) => (b % 4 === 0 ? 0x0a : b % 4 === 1 ? 0x0d : b)));

describe('netascii encoding', () => {
  it('maps LF to CR LF and a bare CR to CR NUL', () => {
    const raw = Uint8Array.of(0x61, 0x0a, 0x0d, 0x62);
    const out = new Uint8Array(6);
    expect(encodeNetascii(raw, NETASCII_START, 6, out)).toEqual({ output: 6, input: 4, owed: -1 });
    expect([...out]).toEqual([0x61, 0x0d, 0x0a, 0x0d, 0x00, 0x62]);
    expect(netasciiGrowth(raw)).toBe(2);
  });

  it('carries the second byte of a pair across a 512-byte block boundary', async () => {
    const raw = new Uint8Array(600).fill(0x41);
    raw[511] = 0x0a; // its CR ends block 1, its LF starts block 2
    raw[599] = 0x0d; // the file ends with a pair
    const reader = await netasciiReader(countingReader(raw));
    expect(reader.size).toBe(602);
    const out = await readBlocks(reader, 512);
    expect([out[511], out[512]]).toEqual([0x0d, 0x0a]);
    expect(Buffer.compare(out, wholeBuffer(raw))).toBe(0);
  });

  it('matches the whole-buffer conversion for any bytes, block size and chunking', async () => {
    await fc.assert(
      fc.asyncProperty(lineBytes, fc.integer({ min: 1, max: 700 }), async (raw, blksize) => {
        const expected = wholeBuffer(raw);
        expect(netasciiGrowth(raw) + raw.length).toBe(expected.length);
        const reader = await netasciiReader(countingReader(raw));
        expect(reader.size).toBe(expected.length);
        expect(Buffer.compare(await readBlocks(reader, blksize), expected)).toBe(0);
      }),
      { numRuns: 300, seed: 1350 },
    );
  });

  it('re-reads any earlier window exactly, as a retransmission after loss does', async () => {
    await fc.assert(
      fc.asyncProperty(
        lineBytes,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 1500 })), { maxLength: 20 }),
        async (raw, reads) => {
          const expected = wholeBuffer(raw);
          const reader = await netasciiReader(countingReader(raw));
          for (const [at, length] of reads) {
            const position = expected.length === 0 ? 0 : at % expected.length;
            const target = new Uint8Array(length);
            const n = await reader.read(target, 0, length, position);
            const want = expected.subarray(position, position + length);
            expect(n).toBe(want.length);
            expect(Buffer.compare(target.subarray(0, n), want)).toBe(0);
          }
        },
      ),
      { numRuns: 200, seed: 764 },
    );
  });

  it('reads a forward transfer in about its own size, not the file again per block', async () => {
    const raw = new Uint8Array(2_000_000).map((_, i) => (i % 80 === 79 ? 0x0a : 0x61));
    const source = countingReader(raw);
    const reader = await netasciiReader(source);
    expect(source.readBytes).toBe(raw.length); // the sizing pass
    const out = await readBlocks(reader, 1468);
    expect(Buffer.compare(out, wholeBuffer(raw))).toBe(0);
    // Each block encodes from the place the previous one ended: one more pass over the file.
    expect(source.readBytes).toBeLessThan(3 * raw.length);
    await reader.release();
    expect(source.released).toBe(true);
  });

  it('says so when the file is shorter than its size, while sizing or while serving', async () => {
    const raw = new Uint8Array(1000).fill(0x0a);
    const short = { ...countingReader(raw.subarray(0, 10)), size: 1000 };
    await expect(netasciiReader(short)).rejects.toThrow('file shrank while being served');
    const source = countingReader(raw);
    const reader = await netasciiReader(source);
    source.read = () => Promise.resolve(0);
    await expect(reader.read(new Uint8Array(512), 0, 512, 512)).rejects.toThrow(
      'file shrank while being served',
    );
  });
});

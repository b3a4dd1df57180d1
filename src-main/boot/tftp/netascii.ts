/**
 * netascii encoding (RFC 1350 §1 via RFC 764): LF → CR LF, bare CR → CR NUL, other bytes as they
 * are. Pure, and streaming: a transfer encodes block by block, so a file is never held whole in
 * memory. Each input byte encodes on its own; the only state carried across a block boundary is the
 * second byte of a pair whose first byte ended the previous block.
 */

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/** A place in the encoded stream: how much was written and read, and a pair's second byte still owed. */
export interface NetasciiCursor {
  /** Encoded bytes produced so far. */
  readonly output: number;
  /** Raw bytes consumed so far. */
  readonly input: number;
  /** The second byte of the last consumed byte's pair (LF or NUL) not yet produced, or -1. */
  readonly owed: number;
}

/** The start of every stream. */
export const NETASCII_START: NetasciiCursor = { output: 0, input: 0, owed: -1 };

/** Bytes the encoding adds to `raw`: one per LF and one per CR. */
export function netasciiGrowth(raw: Uint8Array): number {
  let extra = 0;
  for (const byte of [LF, CR]) {
    for (let at = raw.indexOf(byte); at !== -1; at = raw.indexOf(byte, at + 1)) extra += 1;
  }
  return extra;
}

/**
 * encodeNetascii produces up to `count` encoded bytes from `cursor` on, writing them to `out` (or
 * only counting them past when `out` is undefined). `raw` holds the raw bytes from `cursor.input`
 * on. Stops early when `raw` runs out; returns the cursor where it stopped.
 */
export function encodeNetascii(
  raw: Uint8Array,
  cursor: NetasciiCursor,
  count: number,
  out?: Uint8Array,
): NetasciiCursor {
  let read = 0;
  let written = 0;
  let owed = cursor.owed;
  while (written < count) {
    if (owed !== -1) {
      if (out) out[written] = owed;
      written += 1;
      owed = -1;
      continue;
    }
    if (read >= raw.length) break;
    const byte = raw[read] ?? 0;
    read += 1;
    if (byte === LF || byte === CR) {
      if (out) out[written] = CR;
      owed = byte === LF ? LF : NUL;
    } else if (out) {
      out[written] = byte;
    }
    written += 1;
  }
  return { output: cursor.output + written, input: cursor.input + read, owed };
}

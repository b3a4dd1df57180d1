/**
 * A ContentReader that serves the netascii encoding of another reader's bytes without holding
 * either whole: its size comes from one counting pass, and each read encodes forward from the
 * nearest remembered place in the stream. A transfer reads forward and re-reads only a recent
 * window after loss, so a few remembered places make every read cost about its own length.
 */
import type { ContentReader } from '../boot-files';
import { encodeNetascii, netasciiGrowth, NETASCII_START, type NetasciiCursor } from './netascii';

/** Raw bytes read per step: with the transfer's read-ahead, all a netascii transfer holds. */
const RAW_CHUNK = 64 * 1024;
/** Places in the stream remembered besides the start. */
const REMEMBERED = 4;

/** netasciiReader wraps `raw`; its `release()` releases `raw`. Reads the whole file once to size it. */
export async function netasciiReader(raw: ContentReader): Promise<ContentReader> {
  const scratch = new Uint8Array(Math.min(RAW_CHUNK, Math.max(1, raw.size)));
  /** Reads raw bytes at `position`: up to `want`, since each one encodes to at least one byte. */
  const readRaw = async (position: number, want = scratch.length): Promise<Uint8Array> => {
    const length = Math.min(scratch.length, want, raw.size - position);
    const n = await raw.read(scratch, 0, length, position);
    if (n === 0) throw new Error('file shrank while being served');
    return scratch.subarray(0, n);
  };
  let growth = 0;
  for (let position = 0; position < raw.size; ) {
    const chunk = await readRaw(position);
    growth += netasciiGrowth(chunk);
    position += chunk.length;
  }
  const size = raw.size + growth;
  const places: NetasciiCursor[] = [NETASCII_START];
  const remember = (cursor: NetasciiCursor): void => {
    if (places.some((p) => p.output === cursor.output)) return;
    places.push(cursor);
    places.sort((a, b) => a.output - b.output);
    // Keep the start and the latest places: transfers move forward.
    if (places.length > REMEMBERED + 1) places.splice(1, 1);
  };

  const encodeAt = async (
    target: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number> => {
    const end = Math.min(size, position + length);
    let cursor = places.reduce((best, p) => (p.output <= position ? p : best), NETASCII_START);
    while (cursor.output < end) {
      // A pair's owed second byte needs no raw input, even at the end of the file.
      const chunk =
        cursor.input < raw.size
          ? await readRaw(cursor.input, end - cursor.output)
          : new Uint8Array(0);
      if (chunk.length === 0 && cursor.owed === -1)
        throw new Error('file shrank while being served');
      let rest = chunk;
      if (cursor.output < position) {
        const skipped = encodeNetascii(rest, cursor, position - cursor.output);
        rest = rest.subarray(skipped.input - cursor.input);
        cursor = skipped;
        if (cursor.output === position) remember(cursor);
      }
      if (cursor.output >= position) {
        const at = offset + cursor.output - position;
        const wrote = encodeNetascii(rest, cursor, end - cursor.output, target.subarray(at));
        cursor = wrote;
      }
    }
    remember(cursor);
    return Math.max(0, end - position);
  };

  // One scratch buffer: reads take turns.
  let turn: Promise<unknown> = Promise.resolve();
  return {
    size,
    source: undefined,
    read: (target, offset, length, position) => {
      const result = turn.then(() => encodeAt(target, offset, length, position));
      turn = result.catch(() => undefined);
      return result;
    },
    release: () => raw.release(),
  };
}

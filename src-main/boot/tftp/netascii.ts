/** netascii encoding (RFC 1350 §1 via RFC 764): LF → CR LF, bare CR → CR NUL. Pure. */

/** Converts bytes to netascii. */
export function toNetascii(raw: Uint8Array): Uint8Array {
  let extra = 0;
  for (const b of raw) if (b === 0x0a || b === 0x0d) extra += 1;
  const out = new Uint8Array(raw.length + extra);
  let at = 0;
  for (const b of raw) {
    if (b === 0x0a) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    } else if (b === 0x0d) {
      out[at++] = 0x0d;
      out[at++] = 0x00;
    } else {
      out[at++] = b;
    }
  }
  return out;
}

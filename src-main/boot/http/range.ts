/**
 * Single byte-range parsing (RFC 9110 §14). Pure. Multi-range requests are answered with the whole
 * file, which §14.2 allows ("a server MAY ignore the Range header field"); boot clients never send them.
 */

/** What to send for a request: the whole body, one range, or 416. */
export type RangeDecision =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

/** Decides how to answer `Range: <header>` for a representation of `size` bytes. */
export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (m === null) return { kind: 'full' }; // multi-range or another unit: ignore the header
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // Suffix range: the final N bytes (§14.1.2).
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return { kind: 'full' }; // syntactically invalid range: ignore (§14.1.1)
  return { kind: 'partial', start, end };
}

/**
 * RFC 2347 option negotiation for read requests: blksize (RFC 2348), tsize and timeout (RFC 2349),
 * windowsize (RFC 7440). Pure. Options we do not know are left out of the OACK, as RFC 2347 §4 allows.
 */

/** Server-side limits applied while negotiating. */
export interface NegotiationLimits {
  /** Largest block size to grant: the serving interface's MTU − 32 (IPv4 20 + UDP 8 + TFTP 4). */
  readonly maxBlksize: number;
  /** Largest window to grant. */
  readonly maxWindowsize: number;
}

/** The transfer parameters after negotiation, plus the OACK to send (empty when none is due). */
export interface Negotiated {
  readonly blksize: number;
  readonly windowsize: number;
  /** Initial retransmission timeout in ms (client's `timeout` option or the server default). */
  readonly timeoutMs: number | undefined;
  readonly oack: ReadonlyArray<readonly [string, string]>;
}

/** Outcome of negotiation: parameters, or a refusal (TFTP error 8) with its reason. */
export type NegotiationResult =
  | { readonly ok: true; readonly value: Negotiated }
  | { readonly ok: false; readonly reason: string };

/** RFC 2348: valid block sizes are 8..65464 octets. */
export const MIN_BLKSIZE = 8;
export const MAX_BLKSIZE = 65464;
/** RFC 7440: valid window sizes are 1..65535 blocks; we cap at 64 because larger buys nothing on a LAN. */
export const MAX_WINDOWSIZE = 64;

function parseDecimal(value: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(value)) return undefined;
  return Number(value);
}

/** Negotiates the options of a read request for a file of `size` bytes. */
export function negotiate(
  options: ReadonlyArray<readonly [string, string]>,
  size: number,
  limits: NegotiationLimits,
): NegotiationResult {
  let blksize = 512;
  let windowsize = 1;
  let timeoutMs: number | undefined;
  const oack: Array<readonly [string, string]> = [];
  const seen = new Set<string>();
  for (const [name, value] of options) {
    if (seen.has(name)) continue; // first occurrence wins; a repeat is not worth refusing the boot
    seen.add(name);
    const n = parseDecimal(value);
    switch (name) {
      case 'blksize':
        if (n === undefined || n < MIN_BLKSIZE || n > MAX_BLKSIZE)
          return { ok: false, reason: `invalid blksize ${value}` };
        blksize = Math.min(n, limits.maxBlksize);
        oack.push(['blksize', String(blksize)]);
        break;
      case 'tsize':
        // RFC 2349 §4: in a read request the client sends 0 and the server answers the size.
        if (n === undefined) return { ok: false, reason: `invalid tsize ${value}` };
        oack.push(['tsize', String(size)]);
        break;
      case 'timeout':
        if (n === undefined || n < 1 || n > 255)
          return { ok: false, reason: `invalid timeout ${value}` };
        timeoutMs = n * 1000;
        oack.push(['timeout', String(n)]);
        break;
      case 'windowsize':
        if (n === undefined || n < 1 || n > 65535)
          return { ok: false, reason: `invalid windowsize ${value}` };
        windowsize = Math.min(n, limits.maxWindowsize);
        oack.push(['windowsize', String(windowsize)]);
        break;
      default:
        break;
    }
  }
  return { ok: true, value: { blksize, windowsize, timeoutMs, oack } };
}

/**
 * BOOTP/DHCPv4 packet codec (RFC 951, RFC 2131 §2, RFC 2132 options, RFC 3396 long options).
 *
 * Hand-written on purpose: no maintained DHCP library exists on npm (the `dhcp` package sees a few
 * hundred downloads a month and has no PXE support), and the wire format is small and stable.
 * Pure: no I/O, no clock, no `node:` imports. `decodeDhcp` throws only `DhcpCodecError`; anything it
 * returns round-trips: `decodeDhcp(encodeDhcp(p))` equals `p`.
 */

/** DhcpCodecError says why bytes are not a DHCP packet; the server drops such packets. */
export class DhcpCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DhcpCodecError';
  }
}

/** BOOTP op codes (RFC 951). */
export const BootOp = { Request: 1, Reply: 2 } as const;

/** The fixed BOOTP header is 236 bytes; the magic cookie follows (RFC 2131 §3). */
export const HEADER_BYTES = 236;
const MAGIC = [99, 130, 83, 99] as const;
/** Many PXE ROMs drop replies shorter than a BOOTP packet (300 bytes, RFC 951), so pad to it. */
export const MIN_PACKET_BYTES = 300;
/** Largest UDP payload we accept; a DHCP packet over one Ethernet frame is not real traffic. */
export const MAX_PACKET_BYTES = 8192;

const SNAME_OFFSET = 44;
const SNAME_BYTES = 64;
const FILE_OFFSET = 108;
const FILE_BYTES = 128;

const OPT_PAD = 0;
const OPT_OVERLOAD = 52;
const OPT_END = 255;

/** DhcpPacket is one decoded BOOTP/DHCP message. Addresses are dotted quads. */
export interface DhcpPacket {
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  xid: number;
  secs: number;
  flags: number;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** All 16 bytes of the chaddr field; the hardware address is the first `hlen`. */
  chaddr: Uint8Array;
  /** Server host name; empty when the field carries overloaded options. */
  sname: string;
  /** Boot file name; empty when the field carries overloaded options. */
  file: string;
  /**
   * Options by code in the order first seen, values concatenated across repeats (RFC 3396) and across
   * the overloaded file/sname fields (RFC 2132 §9.3). Pad, end and overload itself are not listed.
   */
  options: Map<number, Uint8Array>;
}

/** ipv4ToBytes parses a dotted quad; throws DhcpCodecError on anything else. */
export function ipv4ToBytes(ip: string): Uint8Array {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new DhcpCodecError(`not an IPv4 address: ${ip}`);
  const out = new Uint8Array(4);
  parts.forEach((p, i) => {
    const n = /^\d{1,3}$/.test(p) ? Number(p) : Number.NaN;
    if (!(n >= 0 && n <= 255)) throw new DhcpCodecError(`not an IPv4 address: ${ip}`);
    out[i] = n;
  });
  return out;
}

/** bytesToIpv4 formats 4 bytes at `offset` as a dotted quad. */
export function bytesToIpv4(b: Uint8Array, offset = 0): string {
  return `${b[offset] ?? 0}.${b[offset + 1] ?? 0}.${b[offset + 2] ?? 0}.${b[offset + 3] ?? 0}`;
}

/** macOf returns the client hardware address as lower-case `aa:bb:…` (hlen bytes, at most 16). */
export function macOf(p: Pick<DhcpPacket, 'chaddr' | 'hlen'>): string {
  return [...p.chaddr.subarray(0, Math.min(p.hlen, 16))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
}

/** macToChaddr turns `aa:bb:cc:dd:ee:ff` into a 16-byte chaddr field. */
export function macToChaddr(mac: string): Uint8Array {
  const parts = mac.split(/[:-]/);
  if (parts.length < 1 || parts.length > 16 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) {
    throw new DhcpCodecError(`not a hardware address: ${mac}`);
  }
  const out = new Uint8Array(16);
  parts.forEach((p, i) => (out[i] = Number.parseInt(p, 16)));
  return out;
}

function readString(b: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = offset; i < offset + length; i++) {
    const c = b[i] ?? 0;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function writeString(
  out: Uint8Array,
  offset: number,
  length: number,
  s: string,
  what: string,
): void {
  // A name may fill the whole field without a terminating zero (RFC 951 leaves that open).
  if (s.length > length) {
    throw new DhcpCodecError(`${what} is ${s.length} bytes, the field holds ${length}`);
  }
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || c === 0)
      throw new DhcpCodecError(`${what} has a character that is not one byte`);
    out[offset + i] = c;
  }
}

/** Parses one option area into `chunks`; returns the overload value if option 52 was present. */
function parseOptions(
  b: Uint8Array,
  start: number,
  end: number,
  chunks: Map<number, Uint8Array[]>,
  where: string,
): number | undefined {
  let overload: number | undefined;
  let i = start;
  while (i < end) {
    const code = b[i] ?? OPT_END;
    if (code === OPT_PAD) {
      i += 1;
      continue;
    }
    if (code === OPT_END) return overload;
    if (i + 1 >= end) throw new DhcpCodecError(`option ${code} in ${where} has no length byte`);
    const len = b[i + 1] ?? 0;
    if (i + 2 + len > end) {
      throw new DhcpCodecError(`option ${code} in ${where} runs past the end (${len} bytes)`);
    }
    const data = b.subarray(i + 2, i + 2 + len);
    if (code === OPT_OVERLOAD) {
      if (len !== 1 || (data[0] ?? 0) < 1 || (data[0] ?? 0) > 3) {
        throw new DhcpCodecError('option 52 (overload) must be one byte of 1, 2 or 3');
      }
      overload = data[0];
    } else {
      const list = chunks.get(code);
      if (list) list.push(data);
      else chunks.set(code, [data]);
    }
    i += 2 + len;
  }
  // RFC 2131 requires an end option, but real clients (and the RFC 951 BOOTP ones) sometimes stop
  // at the last option with trailing zero padding only; we accept that like dnsmasq does.
  return overload;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** decodeDhcp parses a UDP payload as BOOTP/DHCP. Throws DhcpCodecError when it is not one. */
export function decodeDhcp(bytes: Uint8Array): DhcpPacket {
  if (bytes.length < HEADER_BYTES + 4) {
    throw new DhcpCodecError(`packet is ${bytes.length} bytes, shorter than a DHCP header (240)`);
  }
  if (bytes.length > MAX_PACKET_BYTES) {
    throw new DhcpCodecError(`packet is ${bytes.length} bytes, longer than ${MAX_PACKET_BYTES}`);
  }
  for (let i = 0; i < 4; i++) {
    if (bytes[HEADER_BYTES + i] !== MAGIC[i]) throw new DhcpCodecError('wrong DHCP magic cookie');
  }
  const op = bytes[0] ?? 0;
  if (op !== BootOp.Request && op !== BootOp.Reply) throw new DhcpCodecError(`unknown op ${op}`);
  const hlen = bytes[2] ?? 0;
  if (hlen > 16) throw new DhcpCodecError(`hardware address length ${hlen} exceeds 16`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  const chunks = new Map<number, Uint8Array[]>();
  const overload = parseOptions(bytes, HEADER_BYTES + 4, bytes.length, chunks, 'options');
  // RFC 2131 §4.1: with overload, options continue in `file` first, then `sname`.
  if (overload === 1 || overload === 3) {
    parseOptions(bytes, FILE_OFFSET, FILE_OFFSET + FILE_BYTES, chunks, 'file');
  }
  if (overload === 2 || overload === 3) {
    parseOptions(bytes, SNAME_OFFSET, SNAME_OFFSET + SNAME_BYTES, chunks, 'sname');
  }
  const options = new Map<number, Uint8Array>();
  for (const [code, parts] of chunks) options.set(code, concat(parts));

  return {
    op,
    htype: bytes[1] ?? 0,
    hlen,
    hops: bytes[3] ?? 0,
    xid: view.getUint32(4),
    secs: view.getUint16(8),
    flags: view.getUint16(10),
    ciaddr: bytesToIpv4(bytes, 12),
    yiaddr: bytesToIpv4(bytes, 16),
    siaddr: bytesToIpv4(bytes, 20),
    giaddr: bytesToIpv4(bytes, 24),
    chaddr: bytes.slice(28, 44),
    sname: overload === 2 || overload === 3 ? '' : readString(bytes, SNAME_OFFSET, SNAME_BYTES),
    file: overload === 1 || overload === 3 ? '' : readString(bytes, FILE_OFFSET, FILE_BYTES),
    options,
  };
}

/** encodeDhcp writes a packet; option values over 255 bytes are split per RFC 3396. */
export function encodeDhcp(p: DhcpPacket): Uint8Array {
  let optionBytes = 1; // end option
  for (const [code, value] of p.options) {
    if (!Number.isInteger(code) || code <= OPT_PAD || code >= OPT_END || code === OPT_OVERLOAD) {
      throw new DhcpCodecError(`option code ${code} cannot be encoded as a value`);
    }
    optionBytes += Math.max(1, Math.ceil(value.length / 255)) * 2 + value.length;
  }
  const size = Math.max(MIN_PACKET_BYTES, HEADER_BYTES + 4 + optionBytes);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[0] = p.op;
  out[1] = p.htype;
  out[2] = p.hlen;
  out[3] = p.hops;
  view.setUint32(4, p.xid >>> 0);
  view.setUint16(8, p.secs);
  view.setUint16(10, p.flags);
  out.set(ipv4ToBytes(p.ciaddr), 12);
  out.set(ipv4ToBytes(p.yiaddr), 16);
  out.set(ipv4ToBytes(p.siaddr), 20);
  out.set(ipv4ToBytes(p.giaddr), 24);
  if (p.chaddr.length !== 16) throw new DhcpCodecError('chaddr must be 16 bytes');
  out.set(p.chaddr, 28);
  writeString(out, SNAME_OFFSET, SNAME_BYTES, p.sname, 'server name (sname)');
  writeString(out, FILE_OFFSET, FILE_BYTES, p.file, 'boot file name (file)');
  out.set(MAGIC, HEADER_BYTES);
  let o = HEADER_BYTES + 4;
  for (const [code, value] of p.options) {
    let at = 0;
    do {
      const n = Math.min(255, value.length - at);
      out[o] = code;
      out[o + 1] = n;
      out.set(value.subarray(at, at + n), o + 2);
      o += 2 + n;
      at += n;
    } while (at < value.length);
  }
  out[o] = OPT_END;
  return out;
}

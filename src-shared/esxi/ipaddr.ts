/**
 * `ipaddr.IPNetwork(value)` as the MAAS ESXi image runs it (google/ipaddr-py 2.2.0, whose parser is
 * the 2.1.11 rewrite): the script prints `str(net.ip)` and `str(net.netmask)` from it, and a value it
 * refuses (e.g. MAAS's unallocated `None/24`) crashes the script with ValueError. No kept npm library
 * reproduces this parser's exact acceptance rules (leading zeros, hostmasks, ints, packed bytes), so it
 * is written out here.
 */
import { pyStr } from './py-format';
import { PyBytes, PyException, type PyValue } from './py-value';

/** IpNetwork is the part of an ipaddr network object the script reads. */
export interface IpNetwork {
  readonly version: 4 | 6;
  /** The address as given, host bits kept. */
  readonly ip: bigint;
  readonly prefixlen: number;
}

const V4_ONES = (1n << 32n) - 1n;
const V6_ONES = (1n << 128n) - 1n;

class AddressError extends Error {}

function parseOctet(text: string): bigint {
  if (!/^[0-9]+$/.test(text)) throw new AddressError(text);
  if (text.length > 1 && text.startsWith('0')) throw new AddressError(text);
  const value = Number(text);
  if (value > 255) throw new AddressError(text);
  return BigInt(value);
}

function v4FromString(text: string): bigint {
  const octets = text.split('.');
  if (octets.length !== 4) throw new AddressError(text);
  return octets.reduce((acc, octet) => (acc << 8n) | parseOctet(octet), 0n);
}

function parseHextet(text: string): bigint {
  if (!/^[0-9a-fA-F]{1,4}$/.test(text)) throw new AddressError(text);
  return BigInt(`0x${text}`);
}

function v6FromString(text: string): bigint {
  const parts = text.split(':');
  if (parts.length < 3) throw new AddressError(text);
  const last = parts[parts.length - 1] ?? '';
  if (last.includes('.')) {
    const v4 = v4FromString(parts.pop() ?? '');
    parts.push(((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
  }
  if (parts.length > 9) throw new AddressError(text);
  const empties: number[] = [];
  for (let i = 1; i < parts.length - 1; i++) if (parts[i] === '') empties.push(i);
  if (empties.length > 1) throw new AddressError(text);
  let hi: number;
  let lo: number;
  let skipped: number;
  const skip = empties[0];
  if (skip !== undefined) {
    hi = skip;
    lo = parts.length - skip - 1;
    if (parts[0] === '') {
      hi -= 1;
      if (hi) throw new AddressError(text);
    }
    if (parts[parts.length - 1] === '') {
      lo -= 1;
      if (lo) throw new AddressError(text);
    }
    skipped = 8 - (hi + lo);
    if (skipped < 1) throw new AddressError(text);
  } else {
    if (parts.length !== 8) throw new AddressError(text);
    hi = parts.length;
    lo = 0;
    skipped = 0;
  }
  let value = 0n;
  for (let i = 0; i < hi; i++) value = (value << 16n) | parseHextet(parts[i] ?? '');
  value <<= 16n * BigInt(skipped);
  for (let i = parts.length - lo; i < parts.length; i++) {
    value = (value << 16n) | parseHextet(parts[i] ?? '');
  }
  return value;
}

function prefixFromPrefixString(text: string, max: number): number {
  if (!/^[0-9]+$/.test(text)) throw new AddressError(text);
  const value = Number(text);
  if (value > max) throw new AddressError(text);
  return value;
}

function prefixFromMaskInt(mask: bigint): number | undefined {
  let prefix = 32;
  let rest = mask;
  while (prefix) {
    if (rest & 1n) break;
    rest >>= 1n;
    prefix -= 1;
  }
  return rest === (1n << BigInt(prefix)) - 1n ? prefix : undefined;
}

function v4PrefixFromMaskString(text: string): number {
  const mask = v4FromString(text);
  const asNetmask = prefixFromMaskInt(mask);
  if (asNetmask !== undefined) return asNetmask;
  const asHostmask = prefixFromMaskInt(mask ^ V4_ONES);
  if (asHostmask !== undefined) return asHostmask;
  throw new AddressError(text);
}

function parseV4(text: string): IpNetwork {
  const addr = text.split('/');
  if (addr.length > 2) throw new AddressError(text);
  const ip = v4FromString(addr[0] ?? '');
  const maskText = addr[1];
  if (maskText === undefined) return { version: 4, ip, prefixlen: 32 };
  let prefixlen: number;
  try {
    prefixlen = prefixFromPrefixString(maskText, 32);
  } catch {
    prefixlen = v4PrefixFromMaskString(maskText);
  }
  return { version: 4, ip, prefixlen };
}

function parseV6(text: string): IpNetwork {
  const addr = text.split('/');
  if (addr.length > 2) throw new AddressError(text);
  const ip = v6FromString(addr[0] ?? '');
  const maskText = addr[1];
  const prefixlen = maskText === undefined ? 128 : prefixFromPrefixString(maskText, 128);
  return { version: 6, ip, prefixlen };
}

function fromInt(value: bigint): IpNetwork {
  if (value >= 0n && value <= V4_ONES) return { version: 4, ip: value, prefixlen: 32 };
  if (value >= 0n && value <= V6_ONES) return { version: 6, ip: value, prefixlen: 128 };
  throw new AddressError(String(value));
}

function fromBytes(bytes: Uint8Array): IpNetwork {
  const value = Array.from(bytes).reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  if (bytes.length === 4) return { version: 4, ip: value, prefixlen: 32 };
  if (bytes.length === 16) return { version: 6, ip: value, prefixlen: 128 };
  throw new AddressError('packed');
}

/** ipNetwork is `ipaddr.IPNetwork(value)`; a refused value raises ValueError like the library. */
export function ipNetwork(value: PyValue): IpNetwork {
  try {
    if (typeof value === 'boolean') return fromInt(value ? 1n : 0n);
    if (typeof value === 'bigint') return fromInt(value);
    if (value instanceof PyBytes) return fromBytes(value.bytes);
    const text = pyStr(value);
    try {
      return parseV4(text);
    } catch {
      return parseV6(text);
    }
  } catch {
    throw new PyException(
      'ValueError',
      `${pyStr(value)} does not appear to be an IPv4 or IPv6 network`,
    );
  }
}

/** tryIpNetwork parses like ipNetwork but answers undefined instead of raising. */
export function tryIpNetwork(value: PyValue): IpNetwork | undefined {
  try {
    return ipNetwork(value);
  } catch {
    return undefined;
  }
}

function maskInt(net: IpNetwork): bigint {
  const ones = net.version === 4 ? V4_ONES : V6_ONES;
  return ones ^ (ones >> BigInt(net.prefixlen));
}

/** formatIp prints an address as ipaddr's `str()` does (dotted, or compressed lower-case v6). */
export function formatIp(version: 4 | 6, value: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const hextets: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) {
    hextets.push(((value >> shift) & 0xffffn).toString(16));
  }
  let bestStart = -1;
  let bestLen = 0;
  let start = -1;
  let len = 0;
  hextets.forEach((h, i) => {
    if (h === '0') {
      len += 1;
      if (start === -1) start = i;
      if (len > bestLen) {
        bestLen = len;
        bestStart = start;
      }
    } else {
      len = 0;
      start = -1;
    }
  });
  if (bestLen > 1) {
    const end = bestStart + bestLen;
    const out: string[] = [...hextets];
    if (end === out.length) out.push('');
    out.splice(bestStart, bestLen, '');
    if (bestStart === 0) out.unshift('');
    return out.join(':');
  }
  return hextets.join(':');
}

/** ipText is `str(net.ip)`. */
export function ipText(net: IpNetwork): string {
  return formatIp(net.version, net.ip);
}

/** netmaskText is `str(net.netmask)` (v6 masks print as addresses, e.g. `ffff:ffff::`). */
export function netmaskText(net: IpNetwork): string {
  return formatIp(net.version, maskInt(net));
}

/** networkText is the network address (host bits cleared), as the route listing shows it. */
export function networkText(net: IpNetwork): string {
  return formatIp(net.version, net.ip & maskInt(net));
}

/** containsIp tells whether an address lies inside a network of the same family. */
export function containsIp(net: IpNetwork, address: IpNetwork): boolean {
  if (net.version !== address.version) return false;
  const mask = maskInt(net);
  return (net.ip & mask) === (address.ip & mask);
}

/**
 * Typed access to the DHCP options PXE needs (RFC 2132, RFC 4578 for 93/94/97, RFC 3004 for 77,
 * PXE 2.1 §2.4 for the option 43 sub-options). Pure, like the codec.
 */
import { DhcpCodecError, bytesToIpv4, ipv4ToBytes, type DhcpPacket } from './codec';

/** Option codes used by LabBoot. */
export const Opt = {
  SubnetMask: 1,
  Router: 3,
  DnsServers: 6,
  HostName: 12,
  BroadcastAddress: 28,
  VendorSpecific: 43,
  RequestedIp: 50,
  LeaseTime: 51,
  MessageType: 53,
  ServerId: 54,
  ParameterList: 55,
  Message: 56,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  VendorClass: 60,
  ClientId: 61,
  TftpServerName: 66,
  BootFileName: 67,
  UserClass: 77,
  ClientArch: 93,
  ClientNdi: 94,
  ClientUuid: 97,
} as const;

/** DHCP message types (RFC 2132 §9.6). */
export const MessageType = {
  Discover: 1,
  Offer: 2,
  Request: 3,
  Decline: 4,
  Ack: 5,
  Nak: 6,
  Release: 7,
  Inform: 8,
} as const;
export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

/** Client system architectures from option 93 (RFC 4578 §2.1, IANA "Processor Architecture Types"). */
export const ClientArch = {
  BiosX86: 0,
  EfiIa32: 6,
  EfiX64: 7,
  EfiBc: 9,
  EfiArm32: 10,
  EfiArm64: 11,
  EfiX64Http: 16,
  EfiArm64Http: 19,
} as const;

const text = new TextEncoder();
const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

/** messageTypeOf returns option 53, or undefined for plain BOOTP. */
export function messageTypeOf(p: DhcpPacket): number | undefined {
  const v = p.options.get(Opt.MessageType);
  return v && v.length === 1 ? v[0] : undefined;
}

/** stringOption reads an option as bytes-as-characters (names and classes are ASCII in practice). */
export function stringOption(p: DhcpPacket, code: number): string | undefined {
  const v = p.options.get(code);
  return v ? latin1(v) : undefined;
}

/** ipOption reads an option holding one IPv4 address. */
export function ipOption(p: DhcpPacket, code: number): string | undefined {
  const v = p.options.get(code);
  return v && v.length === 4 ? bytesToIpv4(v) : undefined;
}

/** clientArchOf returns the first architecture in option 93 (RFC 4578: a list of 16-bit types). */
export function clientArchOf(p: DhcpPacket): number | undefined {
  const v = p.options.get(Opt.ClientArch);
  if (v && v.length >= 2) return ((v[0] ?? 0) << 8) | (v[1] ?? 0);
  // No option 93: PXE 2.1 clients also spell the arch in option 60 "PXEClient:Arch:00007:…".
  const m = /^(?:PXEClient|HTTPClient):Arch:(\d{5})/.exec(stringOption(p, Opt.VendorClass) ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * userClassesOf returns the user classes in option 77. RFC 3004 wants length-prefixed entries,
 * but iPXE and Windows send a bare string ("iPXE"); a value that does not parse as RFC 3004 is
 * taken whole, as dnsmasq does.
 */
export function userClassesOf(p: DhcpPacket): string[] {
  const v = p.options.get(Opt.UserClass);
  if (!v || v.length === 0) return [];
  const out: string[] = [];
  let i = 0;
  while (i < v.length) {
    const n = v[i] ?? 0;
    if (n === 0 || i + 1 + n > v.length) return [latin1(v)];
    out.push(latin1(v.subarray(i + 1, i + 1 + n)));
    i += 1 + n;
  }
  return out;
}

/** parameterListOf returns option 55, the codes the client asks for. */
export function parameterListOf(p: DhcpPacket): number[] {
  return [...(p.options.get(Opt.ParameterList) ?? [])];
}

/** u8 / u32 / ip / str build option values. */
export const value = {
  u8: (n: number): Uint8Array => Uint8Array.of(n & 0xff),
  u16: (n: number): Uint8Array => Uint8Array.of((n >>> 8) & 0xff, n & 0xff),
  u32: (n: number): Uint8Array =>
    Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff),
  ip: (ip: string): Uint8Array => ipv4ToBytes(ip),
  ips: (ips: readonly string[]): Uint8Array => {
    const out = new Uint8Array(ips.length * 4);
    ips.forEach((ip, i) => out.set(ipv4ToBytes(ip), i * 4));
    return out;
  },
  str: (s: string): Uint8Array => text.encode(s),
};

/** readU32 reads a 4-byte option such as the lease time. */
export function u32Option(p: DhcpPacket, code: number): number | undefined {
  const v = p.options.get(code);
  if (!v || v.length !== 4) return undefined;
  return (((v[0] ?? 0) << 24) | ((v[1] ?? 0) << 16) | ((v[2] ?? 0) << 8) | (v[3] ?? 0)) >>> 0;
}

/** PXE option 43 sub-option codes (PXE 2.1 §2.4.1). */
export const PxeSub = {
  DiscoveryControl: 6,
  BootServers: 8,
  BootMenu: 9,
  MenuPrompt: 10,
  BootItem: 71,
} as const;

/** encodeTlv writes sub-options as code/length/value followed by an end marker (255). */
export function encodeTlv(entries: ReadonlyArray<readonly [number, Uint8Array]>): Uint8Array {
  const parts: number[] = [];
  for (const [code, data] of entries) {
    if (data.length > 255) throw new DhcpCodecError(`sub-option ${code} is over 255 bytes`);
    parts.push(code, data.length, ...data);
  }
  parts.push(255);
  return Uint8Array.from(parts);
}

/** decodeTlv reads sub-options (PXE option 43); throws DhcpCodecError on truncation. */
export function decodeTlv(v: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let i = 0;
  while (i < v.length) {
    const code = v[i] ?? 255;
    if (code === 0) {
      i += 1;
      continue;
    }
    if (code === 255) break;
    const n = v[i + 1];
    if (n === undefined || i + 2 + n > v.length) {
      throw new DhcpCodecError(`PXE sub-option ${code} runs past the end`);
    }
    out.set(code, v.slice(i + 2, i + 2 + n));
    i += 2 + n;
  }
  return out;
}

/** pxeBootItemOf returns the boot server type the client asks for (43.71), or undefined. */
export function pxeBootItemOf(p: DhcpPacket): { type: number; layer: number } | undefined {
  const v = p.options.get(Opt.VendorSpecific);
  if (!v) return undefined;
  try {
    const item = decodeTlv(v).get(PxeSub.BootItem);
    if (!item || item.length !== 4) return undefined;
    return {
      type: ((item[0] ?? 0) << 8) | (item[1] ?? 0),
      layer: ((item[2] ?? 0) << 8) | (item[3] ?? 0),
    };
  } catch {
    // Option 43 from a non-PXE client may be any vendor's format: it is simply not a boot item.
    return undefined;
  }
}

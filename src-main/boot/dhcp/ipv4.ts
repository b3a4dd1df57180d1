/** IPv4 arithmetic for ranges and subnets. Pure. */
import { ipv4ToBytes } from './codec';

/** ipToInt turns a dotted quad into an unsigned 32-bit number. */
export function ipToInt(ip: string): number {
  const b = ipv4ToBytes(ip);
  return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}

/** intToIp turns an unsigned 32-bit number into a dotted quad. */
export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
}

/** maskOf returns the netmask of a prefix length as a number. */
export function maskOf(prefixLength: number): number {
  return prefixLength <= 0 ? 0 : (0xffffffff << (32 - Math.min(32, prefixLength))) >>> 0;
}

/** Subnet is an interface's IPv4 network. */
export interface Subnet {
  readonly address: string;
  readonly prefixLength: number;
}

/** netmaskOf returns a subnet's mask as a dotted quad. */
export function netmaskOf(s: Subnet): string {
  return intToIp(maskOf(s.prefixLength));
}

/** broadcastOf returns a subnet's directed broadcast address. */
export function broadcastOf(s: Subnet): string {
  const m = maskOf(s.prefixLength);
  return intToIp(((ipToInt(s.address) & m) | ~m) >>> 0);
}

/** inSubnet is true when `ip` is on the subnet (network and broadcast addresses included). */
export function inSubnet(ip: string, s: Subnet): boolean {
  const m = maskOf(s.prefixLength);
  return (ipToInt(ip) & m) >>> 0 === (ipToInt(s.address) & m) >>> 0;
}

/**
 * isHostOn is true when `ip` is a host address of the subnet: on it, and neither its network nor
 * its broadcast address (RFC 3021: a /31 or /32 has no such addresses). Only such an address may
 * receive a unicast reply.
 */
export function isHostOn(ip: string, s: Subnet): boolean {
  if (!inSubnet(ip, s)) return false;
  if (s.prefixLength >= 31) return true;
  const m = maskOf(s.prefixLength);
  const n = ipToInt(ip);
  return n !== (ipToInt(s.address) & m) >>> 0 && n !== ipToInt(broadcastOf(s));
}

/** subnetText is the subnet as `network/prefix`, e.g. `10.0.0.0/24`. */
export function subnetText(s: Subnet): string {
  return `${intToIp((ipToInt(s.address) & maskOf(s.prefixLength)) >>> 0)}/${s.prefixLength}`;
}

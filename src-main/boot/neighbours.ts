/**
 * Who holds an address on the serving LAN right now, from the kernel's neighbour (ARP) table.
 *
 * TFTP and HTTP requests carry only the client's address. LabBoot ties it to a MAC through what it
 * saw of DHCP, but beside a home router (proxy mode) it sees only the clients' REQUESTs, never the
 * router's ACK or NAK: when the router offers one address to two machines booting together, the
 * one it refuses still asked for it last. Before any machine talks to us it ARPs for our address,
 * which makes the kernel record its MAC for its address, so the table names the real holder.
 */
import { readFileSync } from 'node:fs';
import { normalizeMac } from '../../src-shared/boot/mac';

/** ATF_COM: the entry holds a resolved hardware address. */
const COMPLETE = 0x2;

/** parseProcNetArp reads `/proc/net/arp` text: address → MAC of complete entries on `device`. */
export function parseProcNetArp(text: string, device: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n').slice(1)) {
    const [ip, , flags, mac, , dev] = line.trim().split(/\s+/);
    if (ip === undefined || flags === undefined || mac === undefined || dev !== device) continue;
    if ((Number.parseInt(flags, 16) & COMPLETE) === 0 || mac === '00:00:00:00:00:00') continue;
    const normal = normalizeMac(mac);
    if (normal !== undefined) out.set(ip, normal);
  }
  return out;
}

/** A lookup of the MAC holding an address on one interface; undefined when unknown. */
export type NeighbourLookup = (ip: string) => string | undefined;

/**
 * linuxNeighbours looks addresses up in this network namespace's ARP table for `device`. Where
 * there is no such table (not Linux), every lookup is undefined and DHCP's view is used alone.
 */
export function linuxNeighbours(device: string, path = '/proc/net/arp'): NeighbourLookup {
  return (ip) => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    return parseProcNetArp(text, device).get(ip);
  };
}

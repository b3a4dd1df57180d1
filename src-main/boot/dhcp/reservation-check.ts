/**
 * checkReservation decides whether a MAC → IP reservation may be made on the full-DHCP setup it
 * will be served on, and says in one sentence what to do when not. Pure: the caller passes the
 * current reservations and leases.
 */
import { UserError } from '../../../src-shared/errors';
import { normalizeMac } from '../../../src-shared/boot/mac';
import { broadcastOf, intToIp, ipToInt, inSubnet, maskOf, subnetText, type Subnet } from './ipv4';
import type { Lease } from './lease-store';
import type { DhcpRange } from './responder';

/** The full-DHCP setup a reservation is checked against: where and from which pool. */
export interface FullDhcpSetup {
  readonly interfaceName: string;
  /** The interface's address (LabBoot's own) and prefix. */
  readonly subnet: Subnet;
  readonly range: DhcpRange;
}

/** What the check needs to know besides the request. */
export interface ReservationFacts {
  readonly setup: FullDhcpSetup;
  /** The MAC an address is reserved for, if any. */
  readonly reservedFor: (ip: string) => string | undefined;
  /** The lease row holding an address on the setup's interface, if any. */
  readonly leaseOf: (ip: string) => Lease | undefined;
  readonly now: number;
}

/** A reservation that passed the check, in canonical spelling. */
export interface CheckedReservation {
  readonly mac: string;
  readonly ip: string;
  /** Inside the range: taken out of the pool. Outside: the admin keeps other hosts off it. */
  readonly inPool: boolean;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** parseMac reads a client MAC for a reservation: 48 bits, and not a group (multicast) address. */
export function parseMac(text: string): string {
  const mac = normalizeMac(text);
  if (mac === undefined) {
    throw new UserError(
      `"${text}" is not a MAC address; write it like 52:54:00:12:34:56.`,
      'bad-mac',
    );
  }
  // The low bit of the first octet marks group addresses; no network card has one.
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) {
    throw new UserError(
      `${mac} is a multicast or broadcast MAC, which no machine has; use the MAC of the machine's network card.`,
      'bad-mac',
    );
  }
  return mac;
}

/** parseIpv4 reads a dotted quad without leading zeros (0127 would be octal to some tools). */
export function parseIpv4(text: string): string {
  const m = DOTTED_QUAD.exec(text.trim());
  const octets = m?.slice(1).map((p) => (p.length > 1 && p.startsWith('0') ? NaN : Number(p)));
  if (octets === undefined || octets.some((n) => !(n >= 0 && n <= 255))) {
    throw new UserError(
      `"${text}" is not an IPv4 address; write it like 10.0.0.50.`,
      'bad-address',
    );
  }
  return octets.join('.');
}

/** checkReservation returns the reservation to store, or throws a UserError saying what to do. */
export function checkReservation(
  macText: string,
  ipText: string,
  facts: ReservationFacts,
): CheckedReservation {
  const mac = parseMac(macText);
  const ip = parseIpv4(ipText);
  const { interfaceName, subnet, range } = facts.setup;
  const net = subnetText(subnet);
  if (!inSubnet(ip, subnet)) {
    throw new UserError(
      `${ip} is not on ${interfaceName}'s subnet ${net}, which full DHCP serves; pick an address from that subnet.`,
      'reservation-subnet',
    );
  }
  const n = ipToInt(ip);
  const network = (ipToInt(subnet.address) & maskOf(subnet.prefixLength)) >>> 0;
  if (subnet.prefixLength < 31 && (n === network || ip === broadcastOf(subnet))) {
    const which = n === network ? 'network' : 'broadcast';
    throw new UserError(
      `${ip} is the ${which} address of ${net}, which no machine can use; pick a host address between ${intToIp(network + 1)} and ${intToIp(ipToInt(broadcastOf(subnet)) - 1)}.`,
      'reservation-subnet',
    );
  }
  if (ip === subnet.address) {
    throw new UserError(
      `${ip} is LabBoot's own address on ${interfaceName}; pick another address for ${mac}.`,
      'reservation-conflict',
    );
  }
  const holder = facts.reservedFor(ip);
  if (holder !== undefined && holder !== mac) {
    throw new UserError(
      `${ip} is already reserved for ${holder}; pick another address, or remove that reservation first (labboot leases unreserve ${holder}).`,
      'reservation-conflict',
    );
  }
  const lease = facts.leaseOf(ip);
  if (lease !== undefined && lease.mac !== mac && lease.expiresAt > facts.now) {
    if (lease.state === 'bound') {
      throw new UserError(
        `${ip} is leased to ${lease.mac} until ${new Date(lease.expiresAt).toISOString()}; pick another address, or reserve this one once that machine has let it go.`,
        'reservation-conflict',
      );
    }
    if (lease.state === 'declined') {
      throw new UserError(
        `${ip} was recently refused by a client because another host answers on it; pick another address, or free it on that host first.`,
        'reservation-conflict',
      );
    }
  }
  const inPool = n >= ipToInt(range.first) && n <= ipToInt(range.last);
  return { mac, ip, inPool };
}

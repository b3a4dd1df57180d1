import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { DhcpResponder, type Arrival } from '../../../../src-main/boot/dhcp/responder';
import { LeaseStore } from '../../../../src-main/boot/dhcp/lease-store';
import { ReservationStore } from '../../../../src-main/boot/dhcp/reservation-store';
import { buildRequest } from '../../../../src-main/boot/dhcp/request';
import { macOf, type DhcpPacket } from '../../../../src-main/boot/dhcp/codec';
import { MessageType, messageTypeOf } from '../../../../src-main/boot/dhcp/options';

const subnet = { address: '10.77.0.1', prefixLength: 24 };
const targets = {
  bios: 'lpxelinux.0',
  uefiX64: 'bootx64.efi',
  uefiArm64: 'bootaa64.efi',
};
const from67: Arrival = { address: '0.0.0.0', port: 68, localPort: 67 };
const T0 = 1_700_000_000_000;
const OWNER = '52:54:00:aa:00:01';
const OTHER = '52:54:00:bb:00:02';

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

function setup(): { r: DhcpResponder; leases: LeaseStore; reservations: ReservationStore } {
  db = openDatabase(':memory:');
  const leases = new LeaseStore(db, 'eth0');
  const reservations = new ReservationStore(db);
  const r = new DhcpResponder(
    { mode: 'full', subnet, targets, range: { first: '10.77.0.100', last: '10.77.0.102' } },
    leases,
    reservations,
  );
  return { r, leases, reservations };
}

const discover = (mac: string, xid: number, requestedIp?: string): DhcpPacket =>
  buildRequest({ type: MessageType.Discover, mac, xid, ...(requestedIp ? { requestedIp } : {}) });
const request = (mac: string, xid: number, requestedIp: string): DhcpPacket =>
  buildRequest({ type: MessageType.Request, mac, xid, requestedIp, serverId: '10.77.0.1' });
const renew = (mac: string, xid: number, ciaddr: string): DhcpPacket =>
  buildRequest({ type: MessageType.Request, mac, xid, ciaddr });
const typeOf = (p: DhcpPacket | undefined): number | undefined =>
  p ? messageTypeOf(p) : undefined;

describe('full mode honours reservations', () => {
  it('offers and acks a reserved MAC its address, not the lowest free one', () => {
    const { r, leases, reservations } = setup();
    reservations.set(OWNER, '10.77.0.102', T0);
    const offer = r.handle(discover(OWNER, 1), from67, T0);
    expect(offer.reply?.packet.yiaddr).toBe('10.77.0.102');
    expect(offer.event?.detail).toContain('(reserved)');
    const ack = r.handle(request(OWNER, 1, '10.77.0.102'), from67, T0 + 10);
    expect(typeOf(ack.reply?.packet)).toBe(MessageType.Ack);
    expect(ack.reply?.packet.yiaddr).toBe('10.77.0.102');
    expect(leases.byMac(OWNER)?.state).toBe('bound');
  });

  it('gives a reserved address outside the range to its owner, and refuses the owner any other', () => {
    const { r, reservations } = setup();
    reservations.set(OWNER, '10.77.0.20', T0);
    expect(r.handle(discover(OWNER, 1, '10.77.0.100'), from67, T0).reply?.packet.yiaddr).toBe(
      '10.77.0.20',
    );
    expect(typeOf(r.handle(request(OWNER, 2, '10.77.0.20'), from67, T0).reply?.packet)).toBe(
      MessageType.Ack,
    );
    // An old address from before the reservation: NAK, so the client starts over and gets its own.
    const stale = r.handle(request(OWNER, 3, '10.77.0.100'), from67, T0 + 10);
    expect(typeOf(stale.reply?.packet)).toBe(MessageType.Nak);
  });

  it('never offers or acks a reserved address to another MAC, even when it asks for it', () => {
    const { r, reservations } = setup();
    reservations.set(OWNER, '10.77.0.100', T0);
    const offer = r.handle(discover(OTHER, 1, '10.77.0.100'), from67, T0);
    expect(offer.reply?.packet.yiaddr).toBe('10.77.0.101');
    const grab = r.handle(request(OTHER, 2, '10.77.0.100'), from67, T0 + 10);
    expect(typeOf(grab.reply?.packet)).toBe(MessageType.Nak);
    expect(grab.event?.stage).toBe('dhcp-nak');
  });

  it('leaves the reserved address out of a full pool: the rest share offers, never it', () => {
    const { r, reservations } = setup();
    reservations.set(OWNER, '10.77.0.101', T0);
    const given = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const out = r.handle(discover(`52:54:00:cc:00:0${i}`, i), from67, T0 + i);
      if (out.reply) given.add(out.reply.packet.yiaddr);
    }
    expect([...given].sort()).toEqual(['10.77.0.100', '10.77.0.102']);
    // The owner still gets its address while every other one is offered.
    expect(r.handle(discover(OWNER, 9), from67, T0 + 10).reply?.packet.yiaddr).toBe('10.77.0.101');
  });

  it('moves an address leased before the reservation to its owner; the old holder is refused', () => {
    const { r, leases, reservations } = setup();
    r.handle(request(OTHER, 1, '10.77.0.100'), from67, T0);
    expect(leases.byIp('10.77.0.100')?.mac).toBe(OTHER);
    reservations.set(OWNER, '10.77.0.100', T0 + 5);
    expect(typeOf(r.handle(request(OWNER, 2, '10.77.0.100'), from67, T0 + 10).reply?.packet)).toBe(
      MessageType.Ack,
    );
    expect(leases.byIp('10.77.0.100')?.mac).toBe(OWNER);
    const renewal = r.handle(renew(OTHER, 3, '10.77.0.100'), from67, T0 + 20);
    expect(typeOf(renewal.reply?.packet)).toBe(MessageType.Nak);
    // The old holder's own next DISCOVER gets a free pool address instead.
    expect(r.handle(discover(OTHER, 4), from67, T0 + 30).reply?.packet.yiaddr).toBe('10.77.0.101');
  });

  it('ignores a reservation off the served subnet or on our own address', () => {
    const { r, reservations } = setup();
    reservations.set(OWNER, '192.168.5.5', T0);
    expect(r.handle(discover(OWNER, 1), from67, T0).reply?.packet.yiaddr).toBe('10.77.0.100');
    reservations.set(OWNER, '10.77.0.1', T0);
    expect(r.handle(discover(OWNER, 2), from67, T0).reply?.packet.yiaddr).toBe('10.77.0.100');
  });

  it('does not offer a reserved address the owner declined while the decline holds, and says why', () => {
    const { r, reservations } = setup();
    reservations.set(OWNER, '10.77.0.102', T0);
    r.handle(request(OWNER, 1, '10.77.0.102'), from67, T0);
    const decline = buildRequest({
      type: MessageType.Decline,
      mac: OWNER,
      xid: 2,
      requestedIp: '10.77.0.102',
      serverId: '10.77.0.1',
    });
    expect(r.handle(decline, from67, T0 + 10).event?.stage).toBe('dhcp-decline');
    const again = r.handle(discover(OWNER, 3), from67, T0 + 20);
    expect(again.reply).toBeUndefined();
    expect(again.event?.stage).toBe('dhcp-reserved-declined');
    expect(r.handle(discover(OWNER, 4), from67, T0 + 11 * 60_000).reply?.packet.yiaddr).toBe(
      '10.77.0.102',
    );
  });

  it('under random traffic, owners get only their address and nobody else ever gets one', () => {
    const macs = Array.from({ length: 6 }, (_, i) => `52:54:00:dd:00:0${i}`);
    const ips = ['10.77.0.100', '10.77.0.101', '10.77.0.102', '10.77.0.30'];
    const step = fc.record({
      kind: fc.constantFrom('discover', 'request', 'renew', 'release'),
      mac: fc.constantFrom(...macs),
      ip: fc.constantFrom(...ips),
      dt: fc.nat(5_000_000),
    });
    const plan = fc.record({
      reserved: fc.uniqueArray(fc.tuple(fc.constantFrom(...macs), fc.constantFrom(...ips)), {
        maxLength: 3,
        selector: ([m]) => m,
      }),
      steps: fc.array(step, { maxLength: 50 }),
    });
    fc.assert(
      fc.property(plan, ({ reserved, steps }) => {
        const { r, reservations } = setup();
        try {
          const byMac = new Map<string, string>();
          for (const [m, ip] of reserved) {
            if ([...byMac.values()].includes(ip)) continue;
            reservations.set(m, ip, T0);
            byMac.set(m, ip);
          }
          const owners = new Map([...byMac].map(([m, ip]) => [ip, m]));
          let now = T0;
          for (const [i, s] of steps.entries()) {
            now += s.dt;
            const packet =
              s.kind === 'discover'
                ? discover(s.mac, i, s.ip)
                : s.kind === 'request'
                  ? request(s.mac, i, s.ip)
                  : s.kind === 'renew'
                    ? renew(s.mac, i, s.ip)
                    : buildRequest({ type: MessageType.Release, mac: s.mac, xid: i, ciaddr: s.ip });
            const reply = r.handle(packet, from67, now).reply?.packet;
            const type = typeOf(reply);
            if (reply === undefined || (type !== MessageType.Offer && type !== MessageType.Ack))
              continue;
            if (reply.yiaddr === '0.0.0.0') continue;
            const mac = macOf(reply);
            const mine = byMac.get(mac);
            if (mine !== undefined) expect(reply.yiaddr).toBe(mine);
            const owner = owners.get(reply.yiaddr);
            if (owner !== undefined) expect(mac).toBe(owner);
          }
        } finally {
          db?.close();
          db = undefined;
        }
      }),
      { numRuns: 200 },
    );
  });
});

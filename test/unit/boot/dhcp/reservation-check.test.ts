import { describe, expect, it } from 'vitest';
import {
  checkReservation,
  parseIpv4,
  parseMac,
  type ReservationFacts,
} from '../../../../src-main/boot/dhcp/reservation-check';
import type { Lease } from '../../../../src-main/boot/dhcp/lease-store';
import { isUserError } from '../../../../src-shared/errors';

const NOW = 1_700_000_000_000;
const MAC = '52:54:00:12:34:56';

function facts(
  over: { reserved?: Record<string, string>; leases?: Lease[]; prefixLength?: number } = {},
): ReservationFacts {
  return {
    setup: {
      interfaceName: 'enp3s0',
      subnet: { address: '10.0.0.1', prefixLength: over.prefixLength ?? 24 },
      range: { first: '10.0.0.100', last: '10.0.0.199' },
    },
    reservedFor: (ip) => over.reserved?.[ip],
    leaseOf: (ip) => over.leases?.find((l) => l.ip === ip),
    now: NOW,
  };
}

/** refusal returns the one-sentence message a bad reservation is refused with. */
function refusal(mac: string, ip: string, f: ReservationFacts = facts()): string {
  try {
    checkReservation(mac, ip, f);
  } catch (error) {
    expect(isUserError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`${mac} → ${ip} was accepted`);
}

describe('checkReservation', () => {
  it('accepts a host address in the pool or outside it, in canonical spelling', () => {
    expect(checkReservation('52-54-00-12-34-56', ' 10.0.0.150 ', facts())).toEqual({
      mac: MAC,
      ip: '10.0.0.150',
      inPool: true,
    });
    expect(checkReservation('525400123456', '10.0.0.20', facts()).inPool).toBe(false);
  });

  it('refuses bad MACs and addresses in words', () => {
    expect(refusal('not-a-mac', '10.0.0.5')).toBe(
      '"not-a-mac" is not a MAC address; write it like 52:54:00:12:34:56.',
    );
    expect(refusal('ff:ff:ff:ff:ff:ff', '10.0.0.5')).toMatch(/multicast or broadcast MAC/);
    expect(refusal('01:00:5e:00:00:01', '10.0.0.5')).toMatch(/multicast or broadcast MAC/);
    for (const ip of ['10.0.0', '10.0.0.256', '10.0.0.05', 'ten.0.0.1', '']) {
      expect(refusal(MAC, ip)).toMatch(/is not an IPv4 address; write it like 10\.0\.0\.50\.$/);
    }
  });

  it("refuses addresses off the subnet, its network and broadcast addresses, and LabBoot's own", () => {
    expect(refusal(MAC, '10.0.1.5')).toBe(
      "10.0.1.5 is not on enp3s0's subnet 10.0.0.0/24, which full DHCP serves; pick an address from that subnet.",
    );
    expect(refusal(MAC, '10.0.0.0')).toMatch(
      /^10\.0\.0\.0 is the network address of 10\.0\.0\.0\/24/,
    );
    expect(refusal(MAC, '10.0.0.255')).toBe(
      '10.0.0.255 is the broadcast address of 10.0.0.0/24, which no machine can use; pick a host address between 10.0.0.1 and 10.0.0.254.',
    );
    expect(refusal(MAC, '10.0.0.1')).toMatch(/LabBoot's own address on enp3s0/);
  });

  it('refuses an address reserved for or leased to another MAC, and a declined one', () => {
    const other = '52:54:00:00:00:99';
    expect(refusal(MAC, '10.0.0.150', facts({ reserved: { '10.0.0.150': other } }))).toBe(
      `10.0.0.150 is already reserved for ${other}; pick another address, or remove that reservation first (labboot leases unreserve ${other}).`,
    );
    const bound: Lease = {
      ip: '10.0.0.120',
      mac: other,
      state: 'bound',
      hostname: 'node9',
      expiresAt: NOW + 60_000,
    };
    expect(refusal(MAC, '10.0.0.120', facts({ leases: [bound] }))).toMatch(
      /^10\.0\.0\.120 is leased to 52:54:00:00:00:99 until .*; pick another address/,
    );
    const declined: Lease = { ...bound, state: 'declined', mac: MAC };
    expect(() => checkReservation(MAC, '10.0.0.120', facts({ leases: [declined] }))).not.toThrow();
    expect(refusal(MAC, '10.0.0.120', facts({ leases: [{ ...declined, mac: other }] }))).toMatch(
      /another host answers on it/,
    );
  });

  it('allows what no longer conflicts: its own reservation or lease, expired leases, offers', () => {
    const other = '52:54:00:00:00:99';
    const f = facts({
      reserved: { '10.0.0.150': MAC },
      leases: [
        { ip: '10.0.0.151', mac: MAC, state: 'bound', hostname: null, expiresAt: NOW + 1 },
        { ip: '10.0.0.152', mac: other, state: 'bound', hostname: null, expiresAt: NOW - 1 },
        { ip: '10.0.0.153', mac: other, state: 'offered', hostname: null, expiresAt: NOW + 1 },
      ],
    });
    for (const ip of ['10.0.0.150', '10.0.0.151', '10.0.0.152', '10.0.0.153']) {
      expect(checkReservation(MAC, ip, f).ip).toBe(ip);
    }
  });

  it('treats every address of a /31 as a host address', () => {
    const f = facts({ prefixLength: 31 });
    expect(checkReservation(MAC, '10.0.0.0', f).ip).toBe('10.0.0.0');
  });
});

describe('parseMac and parseIpv4', () => {
  it('normalise the spellings people type', () => {
    expect(parseMac(' 52:54:00:AB:CD:EF ')).toBe('52:54:00:ab:cd:ef');
    expect(parseIpv4('192.168.1.7')).toBe('192.168.1.7');
    expect(parseIpv4('0.0.0.0')).toBe('0.0.0.0');
  });
});

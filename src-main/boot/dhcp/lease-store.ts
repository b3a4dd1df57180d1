/**
 * LeaseStore keeps full-mode DHCP leases in SQLite (table `dhcp_leases`, migration 300), one set per
 * interface. Offers are stored too (a few seconds' expiry), so two clients discovering at once are
 * offered different addresses while the pool has room, and a restart keeps every client's address.
 */
import type { Database } from '../../store/database';
import { writeTransaction } from '../../store/write-transaction';

/** A lease row. `expiresAt` is epoch milliseconds. */
export interface Lease {
  readonly ip: string;
  readonly mac: string;
  readonly state: 'offered' | 'bound' | 'declined';
  readonly hostname: string | null;
  readonly expiresAt: number;
}

interface LeaseRow {
  ip: string;
  mac: string;
  state: Lease['state'];
  hostname: string | null;
  expires_at: number;
}

const toLease = (r: LeaseRow): Lease => ({
  ip: r.ip,
  mac: r.mac,
  state: r.state,
  hostname: r.hostname,
  expiresAt: r.expires_at,
});

/** LeaseStore reads and writes the leases of one interface. */
export class LeaseStore {
  constructor(
    private readonly db: Database,
    private readonly iface: string,
  ) {}

  /** byMac returns the client's current (not declined) row, expired or not. */
  byMac(mac: string): Lease | undefined {
    const r = this.db
      .prepare(
        `SELECT ip, mac, state, hostname, expires_at FROM dhcp_leases
         WHERE interface = ? AND mac = ? AND state <> 'declined'`,
      )
      .get(this.iface, mac) as LeaseRow | undefined;
    return r ? toLease(r) : undefined;
  }

  /** byIp returns the row holding an address, expired or not. */
  byIp(ip: string): Lease | undefined {
    const r = this.db
      .prepare(
        'SELECT ip, mac, state, hostname, expires_at FROM dhcp_leases WHERE interface = ? AND ip = ?',
      )
      .get(this.iface, ip) as LeaseRow | undefined;
    return r ? toLease(r) : undefined;
  }

  /** put gives `lease.ip` to `lease.mac`, dropping the client's previous address, atomically. */
  put(lease: Lease, now: number): void {
    writeTransaction(this.db, () => {
      if (lease.state !== 'declined') {
        this.db
          .prepare(
            `DELETE FROM dhcp_leases WHERE interface = ? AND mac = ? AND ip <> ? AND state <> 'declined'`,
          )
          .run(this.iface, lease.mac, lease.ip);
      }
      this.db
        .prepare(
          `INSERT INTO dhcp_leases (ip, mac, interface, state, hostname, expires_at, updated_at)
           VALUES (@ip, @mac, @iface, @state, @hostname, @expiresAt, @now)
           ON CONFLICT (interface, ip) DO UPDATE SET mac = excluded.mac,
             state = excluded.state, hostname = excluded.hostname,
             expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
        )
        .run({ ...lease, iface: this.iface, now });
    });
  }

  /** remove frees an address. */
  remove(ip: string): void {
    writeTransaction(this.db, () =>
      this.db.prepare('DELETE FROM dhcp_leases WHERE interface = ? AND ip = ?').run(this.iface, ip),
    );
  }

  /** list returns every row of this interface, by address. */
  list(): Lease[] {
    const rows = this.db
      .prepare(
        `SELECT ip, mac, state, hostname, expires_at FROM dhcp_leases WHERE interface = ?
         ORDER BY ip`,
      )
      .all(this.iface) as LeaseRow[];
    return rows.map(toLease);
  }
}

/** A lease row with the interface it was given on. */
export interface InterfaceLease extends Lease {
  readonly interfaceName: string;
}

/** allLeases returns the lease rows of every interface, for the machines list. */
export function allLeases(db: Database): InterfaceLease[] {
  const rows = db
    .prepare('SELECT interface, ip, mac, state, hostname, expires_at FROM dhcp_leases')
    .all() as (LeaseRow & { interface: string })[];
  return rows.map((r) => ({ ...toLease(r), interfaceName: r.interface }));
}

/**
 * ReservationStore keeps full-mode DHCP reservations in SQLite (table `dhcp_reservations`, migration
 * 302): a MAC that always gets one address, an address no other MAC is offered. The responder reads
 * it on every packet, so a reservation made by another process takes effect at the next request.
 */
import type { Database } from '../../store/database';
import { statementCache } from '../../store/statement-cache';
import { writeTransaction } from '../../store/write-transaction';

/** A reservation. `createdAt` is epoch milliseconds. */
export interface Reservation {
  readonly mac: string;
  readonly ip: string;
  readonly createdAt: number;
}

interface ReservationRow {
  mac: string;
  ip: string;
  created_at: number;
}

const toReservation = (r: ReservationRow): Reservation => ({
  mac: r.mac,
  ip: r.ip,
  createdAt: r.created_at,
});

/** What the DHCP responder needs: the address of a MAC, the MAC of an address, and all of them. */
export interface ReservationLookup {
  ipFor(mac: string): string | undefined;
  macFor(ip: string): string | undefined;
  list(): readonly Pick<Reservation, 'mac' | 'ip'>[];
}

/** ReservationStore reads and writes reservations; MACs are stored lower-case with colons. */
export class ReservationStore implements ReservationLookup {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(private readonly db: Database) {
    this.sql = statementCache(db);
  }

  /** ipFor is the address reserved for `mac`, if any. */
  ipFor(mac: string): string | undefined {
    const r = this.sql('SELECT ip FROM dhcp_reservations WHERE mac = ?').get(mac) as
      | { ip: string }
      | undefined;
    return r?.ip;
  }

  /** macFor is the MAC `ip` is reserved for, if any. */
  macFor(ip: string): string | undefined {
    const r = this.sql('SELECT mac FROM dhcp_reservations WHERE ip = ?').get(ip) as
      | { mac: string }
      | undefined;
    return r?.mac;
  }

  /** list returns every reservation, by address. */
  list(): Reservation[] {
    const rows = this.sql(
      'SELECT mac, ip, created_at FROM dhcp_reservations',
    ).all() as ReservationRow[];
    return rows.map(toReservation).sort((a, b) => ipOrder(a.ip) - ipOrder(b.ip));
  }

  /** set reserves `ip` for `mac`, replacing the MAC's previous reservation. */
  set(mac: string, ip: string, now: number): Reservation {
    writeTransaction(this.db, () =>
      this.sql(
        `INSERT INTO dhcp_reservations (mac, ip, created_at) VALUES (?, ?, ?)
         ON CONFLICT (mac) DO UPDATE SET ip = excluded.ip, created_at = excluded.created_at`,
      ).run(mac, ip, now),
    );
    return { mac, ip, createdAt: now };
  }

  /** remove drops the MAC's reservation; false when it had none. */
  remove(mac: string): boolean {
    return writeTransaction(
      this.db,
      () => this.sql('DELETE FROM dhcp_reservations WHERE mac = ?').run(mac).changes > 0,
    );
  }
}

/** ipOrder sorts dotted quads numerically (text order puts 10.0.0.100 before 10.0.0.20). */
export function ipOrder(ip: string): number {
  const parts = ip.split('.').map(Number);
  return parts.length === 4 && parts.every((n) => Number.isInteger(n))
    ? parts.reduce((acc, n) => acc * 256 + n, 0)
    : Number.MAX_SAFE_INTEGER;
}

/**
 * BootLogStore keeps the per-client boot timeline (DHCP → TFTP → HTTP) in SQLite (table
 * `boot_events`, migration 301) for the UI and `--json`. The DHCP server writes its stages here;
 * TFTP and HTTP rows are matched to a MAC through the address the client got.
 */
import type { Database } from '../../store/database';

/** Which protocol a boot event came from. */
export type BootProtocol = 'dhcp' | 'tftp' | 'http';

/** One step of a client's boot. `at` is epoch milliseconds. */
export interface BootEvent {
  readonly at: number;
  readonly mac: string | null;
  readonly clientIp: string | null;
  readonly protocol: BootProtocol;
  /** e.g. `dhcp-offer`, `proxy-ack`, `tftp-sent`, `http-sent`. */
  readonly stage: string;
  readonly detail: string;
}

interface EventRow {
  at: number;
  mac: string | null;
  client_ip: string | null;
  protocol: BootProtocol;
  stage: string;
  detail: string;
}

/** Rows kept at most; the oldest go first so a busy lab cannot fill the disk. */
export const BOOT_LOG_MAX_ROWS = 20_000;

/** BootLogStore appends and reads boot events. */
export class BootLogStore {
  private inserts = 0;

  constructor(
    private readonly db: Database,
    private readonly maxRows = BOOT_LOG_MAX_ROWS,
  ) {}

  /** record appends one event. */
  record(e: BootEvent): void {
    this.db
      .prepare(
        `INSERT INTO boot_events (at, mac, client_ip, protocol, stage, detail)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(e.at, e.mac, e.clientIp, e.protocol, e.stage, e.detail);
    // Pruning every insert would double the write cost; every 500th keeps the bound loose but real.
    if (++this.inserts % 500 === 0) {
      this.db
        .prepare('DELETE FROM boot_events WHERE id <= (SELECT MAX(id) FROM boot_events) - ?')
        .run(this.maxRows);
    }
  }

  /**
   * timeline returns a client's events in time order: rows with its MAC, plus TFTP/HTTP rows from
   * any address DHCP gave it (those protocols do not see the MAC).
   */
  timeline(mac: string, limit = 500): BootEvent[] {
    const rows = this.db
      .prepare(
        `SELECT at, mac, client_ip, protocol, stage, detail FROM boot_events
         WHERE mac = @mac
            OR (mac IS NULL AND client_ip IN (
                 SELECT DISTINCT client_ip FROM boot_events WHERE mac = @mac AND client_ip IS NOT NULL))
         ORDER BY at, id LIMIT @limit`,
      )
      .all({ mac, limit }) as EventRow[];
    return rows.map((r) => ({
      at: r.at,
      mac: r.mac,
      clientIp: r.client_ip,
      protocol: r.protocol,
      stage: r.stage,
      detail: r.detail,
    }));
  }

  /** clients lists MACs seen, most recent first. */
  clients(limit = 200): { mac: string; lastAt: number }[] {
    return this.db
      .prepare(
        `SELECT mac, MAX(at) AS lastAt FROM boot_events WHERE mac IS NOT NULL
         GROUP BY mac ORDER BY lastAt DESC LIMIT ?`,
      )
      .all(limit) as { mac: string; lastAt: number }[];
  }
}

/**
 * BootLogStore keeps the per-client boot timeline (DHCP → TFTP → HTTP) in SQLite (table
 * `boot_events`, migrations 301 and 303) for the UI and `--json`. The DHCP server writes its stages here;
 * TFTP and HTTP rows are matched to a MAC through the address the client got.
 */
import type { Database } from '../../store/database';
import { pruneBootEvents, type HistoryLimits } from '../../store/history-prune';
import { SettingsStore } from '../../store/settings-store';
import { readStoreSettings } from '../../store/store-settings';
import { writeTransaction } from '../../store/write-transaction';
import type { BootPath } from '../../../src-shared/boot/boot-path';

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
  /** The road the client boots by (PXE/TFTP, HTTP Boot, iPXE), when known. */
  readonly bootPath?: BootPath | null;
}

interface EventRow {
  at: number;
  mac: string | null;
  client_ip: string | null;
  protocol: BootProtocol;
  stage: string;
  detail: string;
  boot_path: BootPath | null;
}

const toEvent = (r: EventRow): BootEvent => ({
  at: r.at,
  mac: r.mac,
  clientIp: r.client_ip,
  protocol: r.protocol,
  stage: r.stage,
  detail: r.detail,
  // Rows stored before paths were recorded, and steps on no known path, carry none.
  ...(r.boot_path === null ? {} : { bootPath: r.boot_path }),
});

/** A stored event with its row id: ids only grow, so `labboot log --follow` polls after the last. */
export interface StoredBootEvent extends BootEvent {
  readonly id: number;
}

/**
 * Rows of one client: its MAC, plus MAC-less TFTP/HTTP rows from an address DHCP gave it, from
 * then on (an address used earlier was someone else's). Binds `@mac`. The subquery must walk this
 * MAC's rows: by address it would walk every earlier row of a busy address, once per row.
 */
const OF_CLIENT = `(mac = @mac
  OR (mac IS NULL AND EXISTS (
       SELECT 1 FROM boot_events d INDEXED BY boot_events_mac_at
       WHERE d.mac = @mac AND d.client_ip = boot_events.client_ip
       AND d.at <= boot_events.at)))`;

/**
 * How the boot log stays bounded while it is written: the history limits (the storage settings
 * by default), applied every `pruneEvery` inserts within `pruneBudgetMs`.
 */
export interface BootLogOptions {
  limits?: () => HistoryLimits;
  now?: () => number;
  pruneEvery?: number;
  pruneBudgetMs?: number;
}

/** BootLogStore appends and reads boot events. */
export class BootLogStore {
  private inserts = 0;
  private readonly limits: () => HistoryLimits;

  constructor(
    private readonly db: Database,
    private readonly options: BootLogOptions = {},
  ) {
    const settings = new SettingsStore(db);
    this.limits =
      options.limits ??
      (() => {
        const s = readStoreSettings(settings);
        return { maxAgeDays: s.historyDays, maxEvents: s.historyEvents };
      });
  }

  /** record appends one event, then now and then prunes to the history limits. */
  record(e: BootEvent): void {
    writeTransaction(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO boot_events (at, mac, client_ip, protocol, stage, detail, boot_path)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(e.at, e.mac, e.clientIp, e.protocol, e.stage, e.detail, e.bootPath ?? null);
    });
    // The same rule as history pruning, so a burst never cuts a MAC's newest boot. Every 500th
    // insert keeps the bound loose but real; the budget keeps a DHCP answer from waiting long.
    if (++this.inserts % (this.options.pruneEvery ?? 500) === 0) {
      pruneBootEvents(this.db, this.limits(), {
        now: this.options.now,
        budgetMs: this.options.pruneBudgetMs ?? 50,
        batchRows: 500,
      });
    }
  }

  /**
   * timeline returns a client's events in time order: rows with its MAC, plus MAC-less TFTP/HTTP
   * rows from an address DHCP gave it, from then on (an address used earlier was someone else's).
   */
  timeline(mac: string, limit = 500): BootEvent[] {
    const rows = this.db
      .prepare(
        `SELECT at, mac, client_ip, protocol, stage, detail, boot_path FROM boot_events
         WHERE ${OF_CLIENT}
         ORDER BY at, id LIMIT @limit`,
      )
      .all({ mac, limit }) as EventRow[];
    return rows.map(toEvent);
  }

  /** recent returns the newest `limit` events of every client, oldest first. */
  recent(limit = 2000): BootEvent[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT id, at, mac, client_ip, protocol, stage, detail, boot_path FROM boot_events
         ORDER BY id DESC LIMIT ?) ORDER BY at, id`,
      )
      .all(limit) as EventRow[];
    return rows.map(toEvent);
  }

  /** newest returns the newest `limit` rows (of one client when `mac` is given), oldest first. */
  newest(limit: number, mac?: string): StoredBootEvent[] {
    const rows = this.db
      .prepare(
        `SELECT id, at, mac, client_ip, protocol, stage, detail, boot_path FROM boot_events
         WHERE @mac IS NULL OR ${OF_CLIENT} ORDER BY id DESC LIMIT @limit`,
      )
      .all({ mac: mac ?? null, limit }) as (EventRow & { id: number })[];
    return rows.reverse().map((r) => ({ id: r.id, ...toEvent(r) }));
  }

  /** after returns up to `limit` rows written after row `id` (of one client when `mac` is given). */
  after(id: number, limit: number, mac?: string): StoredBootEvent[] {
    const rows = this.db
      .prepare(
        `SELECT id, at, mac, client_ip, protocol, stage, detail, boot_path FROM boot_events
         WHERE id > @id AND (@mac IS NULL OR ${OF_CLIENT}) ORDER BY id LIMIT @limit`,
      )
      .all({ id, mac: mac ?? null, limit }) as (EventRow & { id: number })[];
    return rows.map((r) => ({ id: r.id, ...toEvent(r) }));
  }

  /** lastId is the id of the newest row (0 when the log is empty). */
  lastId(): number {
    const row = this.db.prepare('SELECT MAX(id) AS id FROM boot_events').get() as {
      id: number | null;
    };
    return row.id ?? 0;
  }

  /** macForIp is the MAC a DHCP step since `sinceMs` tied to this client address, if any. */
  macForIp(ip: string, sinceMs: number): string | undefined {
    const row = this.db
      .prepare(
        `SELECT mac FROM boot_events WHERE client_ip = ? AND mac IS NOT NULL AND protocol = 'dhcp'
         AND at >= ? ORDER BY id DESC LIMIT 1`,
      )
      .get(ip, sinceMs) as { mac: string } | undefined;
    return row?.mac;
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

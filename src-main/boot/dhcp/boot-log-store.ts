/**
 * BootLogStore keeps the per-client boot timeline (DHCP → TFTP → HTTP) in SQLite (table
 * `boot_events`, migrations 301 and 303) for the UI and `--json`. The DHCP server writes its stages here;
 * TFTP and HTTP rows are matched to a MAC through the address the client got.
 *
 * Writes are batched: `record()` only queues, and the queue goes to SQLite in one transaction when
 * it holds `batchSize` events or `flushDelayMs` after its first event, so twenty clients booting at
 * once cost a few transactions a second instead of one per packet. Every read flushes first, so
 * this process always reads what it recorded; another process sees it within `flushDelayMs`.
 */
import type { Logger } from '../../logger';
import type { Database } from '../../store/database';
import { pruneBootEvents, type HistoryLimits } from '../../store/history-prune';
import { SettingsStore } from '../../store/settings-store';
import { readStoreSettings } from '../../store/store-settings';
import { isBusyError, writeTransaction } from '../../store/write-transaction';
import { isUserError } from '../../../src-shared/errors';
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

/**
 * DHCP stages that name an address the client does not hold: a refused request for it (NAK), or
 * one found in use by another host. Such a step must never tie the address to the MAC, or the
 * machine now holding it would have its TFTP and HTTP requests shown as this one's.
 */
export const NOT_HOLDING_STAGES: readonly string[] = [
  'dhcp-nak',
  'dhcp-decline',
  'dhcp-reserved-declined',
];

const NOT_HOLDING_SQL = NOT_HOLDING_STAGES.map((s) => `'${s}'`).join(', ');

/** holdsAddress says whether a DHCP step shows its MAC holding its client address. */
export function holdsAddress(e: Pick<BootEvent, 'protocol' | 'stage'>): boolean {
  return e.protocol === 'dhcp' && !NOT_HOLDING_STAGES.includes(e.stage);
}

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
       AND d.at <= boot_events.at AND d.stage NOT IN (${NOT_HOLDING_SQL}))))`;

/**
 * How the boot log is written: the history limits (the storage settings by default), applied
 * after the flush that crosses every `pruneEvery` inserts, within `pruneBudgetMs`; and the batching.
 */
export interface BootLogOptions {
  limits?: () => HistoryLimits;
  now?: () => number;
  pruneEvery?: number;
  pruneBudgetMs?: number;
  /** A flush starts once this many events are queued (default 256). */
  batchSize?: number;
  /** …or this long after the first queued event (default 50 ms). */
  flushDelayMs?: number;
  /** How long a flush waits for another process's write lock before it retries later (20 ms). */
  lockWaitMs?: number;
  /** Events kept for a retry while the store stays locked; the oldest go beyond it (10,000). */
  maxQueued?: number;
  /** Where a failed write is reported (once per kind of failure). */
  log?: Logger;
}

/** How many events were stored, and in how many write transactions. */
export interface BootLogWrites {
  readonly events: number;
  readonly writes: number;
  /** Events lost to failed writes or to an overfull queue. */
  readonly dropped: number;
}

/** Why a flush failed, each with the sentence a person acts on. */
type WriteFailure = 'busy' | 'full' | 'read-only' | 'other';

const failureAdvice: Record<WriteFailure, string> = {
  busy: 'another LabBoot process holds the store; the events are kept and written once it lets go',
  full: 'the disk holding the data folder is full; free space there, boot events are dropped until then',
  'read-only':
    'the store is read-only; make the data folder writable for this user, boot events are dropped until then',
  other: 'boot events are dropped until it is fixed; check the disk holding the data folder',
};

function failureOf(error: unknown): WriteFailure {
  if (isBusyError(error) || (isUserError(error) && error.code === 'store-busy')) return 'busy';
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_FULL') return 'full';
  if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) return 'read-only';
  return 'other';
}

/** BootLogStore appends and reads boot events. */
export class BootLogStore {
  private inserts = 0;
  private readonly limits: () => HistoryLimits;
  private queue: BootEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private events = 0;
  private writes = 0;
  private dropped = 0;
  /** Failure kinds already logged since the last successful write: one line each, not per batch. */
  private readonly reported = new Set<WriteFailure>();
  /** Flushes in a row that found the store locked: retries back off while it stays so. */
  private lockedFlushes = 0;
  /** A write crossed a multiple of `pruneEvery`; the prune runs in a task of its own. */
  private pruneDue = false;
  private pruneTask: NodeJS.Immediate | undefined;
  /** Set by dispose: the last batch may wait the store's usual time for a lock. */
  private closing = false;

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

  /** record queues one event; it never writes more than one batch and never throws. */
  record(e: BootEvent): void {
    this.queue.push(e);
    if (this.queue.length > (this.options.maxQueued ?? 10_000)) {
      this.queue.shift();
      this.dropped += 1;
    }
    // While the store is locked only the timer retries, so a handler never waits for the lock.
    if (this.queue.length >= (this.options.batchSize ?? 256) && this.lockedFlushes === 0)
      this.writeQueued();
    else this.arm();
  }

  /** flush writes what is queued now, and prunes if a write made that due (reads call it). */
  flush(): void {
    this.writeQueued();
    if (this.pruneDue) this.prune();
  }

  /**
   * writeQueued writes the queued events in one transaction. When the inserts cross a multiple of
   * `pruneEvery` the prune follows in a task of its own, so a write and a prune never add up to
   * one long stall. A failure never reaches the caller (a DHCP, TFTP or HTTP handler): a locked
   * store keeps the batch for the next flush, since the lock is usually brief; any other failure
   * (disk full, read-only, damaged) drops the batch, because retrying would only grow the queue
   * while the machines keep booting.
   */
  private writeQueued(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      this.write(batch);
    } catch (error) {
      this.failed(batch, error);
      return;
    }
    this.reported.clear();
    this.lockedFlushes = 0;
    this.events += batch.length;
    this.writes += 1;
    const every = this.options.pruneEvery ?? 500;
    const before = this.inserts;
    this.inserts += batch.length;
    if (Math.floor(before / every) === Math.floor(this.inserts / every)) return;
    // A prune still waiting when the next falls due runs at once: a burst that never lets the
    // event loop turn (a test's loop, an import) stays bounded too.
    if (this.pruneDue) return this.prune();
    this.pruneDue = true;
    this.pruneTask = setImmediate(() => this.prune()).unref();
  }

  private prune(): void {
    this.pruneDue = false;
    if (this.pruneTask !== undefined) clearImmediate(this.pruneTask);
    this.pruneTask = undefined;
    try {
      // The same rule as history pruning, so a burst never cuts a MAC's newest boot; the budget
      // keeps it from stalling the serving process (the rest goes next time).
      this.withShortLockWait(() =>
        pruneBootEvents(this.db, this.limits(), {
          now: this.options.now,
          budgetMs: this.options.pruneBudgetMs ?? 20,
          batchRows: 500,
        }),
      );
    } catch (error) {
      // The next crossing prunes again; a store that failed here fails the next write too.
      this.report(failureOf(error), error);
    }
  }

  /** written says how many events this store wrote, in how many transactions. */
  written(): BootLogWrites {
    return { events: this.events, writes: this.writes, dropped: this.dropped };
  }

  /** dispose writes what is still queued (and prunes, if due), waiting for a lock if it must. */
  dispose(): void {
    this.closing = true;
    this.flush();
  }

  private write(batch: readonly BootEvent[]): void {
    this.withShortLockWait(() =>
      writeTransaction(this.db, () => {
        const insert = this.db.prepare(
          `INSERT INTO boot_events (at, mac, client_ip, protocol, stage, detail, boot_path)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const e of batch)
          insert.run(e.at, e.mac, e.clientIp, e.protocol, e.stage, e.detail, e.bootPath ?? null);
      }),
    );
  }

  /**
   * withShortLockWait runs `fn` waiting only `lockWaitMs` for another process's write lock, not
   * the store's usual 10 s: it runs on the serving process's event loop, and a locked batch is
   * retried later. Nothing else runs on this connection while the wait is lowered.
   */
  private withShortLockWait<T>(fn: () => T): T {
    const usual = this.db.pragma('busy_timeout', { simple: true }) as number;
    const wait = this.closing ? usual : Math.min(usual, this.options.lockWaitMs ?? 20);
    if (wait === usual) return fn();
    this.db.pragma(`busy_timeout = ${wait}`);
    try {
      return fn();
    } finally {
      this.db.pragma(`busy_timeout = ${usual}`);
    }
  }

  private failed(batch: BootEvent[], error: unknown): void {
    const kind = failureOf(error);
    this.report(kind, error);
    if (kind !== 'busy') {
      this.dropped += batch.length;
      return;
    }
    // Nothing was queued meanwhile (writing is synchronous): the batch is the queue again.
    this.queue = batch;
    this.lockedFlushes += 1;
    this.arm();
  }

  /**
   * arm schedules the next flush: `flushDelayMs` after the first queued event, doubling up to a
   * second while the store stays locked. Unref'd: a pending batch must not keep a finished
   * process alive (dispose flushes it).
   */
  private arm(): void {
    if (this.timer !== undefined) return;
    const base = this.options.flushDelayMs ?? 50;
    const delay = Math.min(base * 2 ** Math.min(this.lockedFlushes, 10), Math.max(base, 1000));
    this.timer = setTimeout(() => this.writeQueued(), delay).unref();
  }

  private report(kind: WriteFailure, error: unknown): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    // A lock held too long says so in the advice; the store's own sentence names its usual wait.
    const what =
      kind === 'busy' ? '' : ` (${error instanceof Error ? error.message : String(error)})`;
    this.options.log?.warn('boot', `boot log write failed${what}: ${failureAdvice[kind]}.`);
  }

  /**
   * timeline returns a client's events in time order: rows with its MAC, plus MAC-less TFTP/HTTP
   * rows from an address DHCP gave it, from then on (an address used earlier was someone else's).
   */
  timeline(mac: string, limit = 500): BootEvent[] {
    this.flush();
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
    this.flush();
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
    this.flush();
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
    this.flush();
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
    this.flush();
    const row = this.db.prepare('SELECT MAX(id) AS id FROM boot_events').get() as {
      id: number | null;
    };
    return row.id ?? 0;
  }

  /**
   * macForIp is the MAC the newest DHCP step since `sinceMs` tied to this client address, if any:
   * queued steps first (they are newer than every row), without a flush, since TFTP and HTTP
   * handlers ask on every request.
   */
  macForIp(ip: string, sinceMs: number): string | undefined {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const e = this.queue[i];
      if (
        e !== undefined &&
        holdsAddress(e) &&
        e.mac !== null &&
        e.clientIp === ip &&
        e.at >= sinceMs
      )
        return e.mac;
    }
    const row = this.db
      .prepare(
        `SELECT mac FROM boot_events WHERE client_ip = ? AND mac IS NOT NULL AND protocol = 'dhcp'
         AND stage NOT IN (${NOT_HOLDING_SQL}) AND at >= ? ORDER BY id DESC LIMIT 1`,
      )
      .get(ip, sinceMs) as { mac: string } | undefined;
    return row?.mac;
  }

  /** clients lists MACs seen, most recent first. */
  clients(limit = 200): { mac: string; lastAt: number }[] {
    this.flush();
    return this.db
      .prepare(
        `SELECT mac, MAX(at) AS lastAt FROM boot_events WHERE mac IS NOT NULL
         GROUP BY mac ORDER BY lastAt DESC LIMIT ?`,
      )
      .all(limit) as { mac: string; lastAt: number }[];
  }
}

/**
 * History pruning keeps the sync and boot history from growing forever: sync runs and their
 * events older than the age limit, sync events beyond the newest `maxEvents`, and boot events
 * older than the age limit or beyond the newest `maxEvents` are deleted. Two things are always
 * kept: the newest sync run (so the UI can say how the last sync ended) with the runs still
 * running, and every MAC's newest boot — its rows from the hour before its newest row, plus the
 * MAC-less TFTP/HTTP rows its address made then — so the boot log's per-MAC timeline survives;
 * only past ten times the count (a storm of made-up MACs) do the oldest boot events go regardless.
 * The boot log store applies the same rule while it writes; there is no other cap.
 *
 * Rows go in small batches, each its own write transaction, until none are left or the time
 * budget is spent (the rest goes next time), so a writer in another process never waits long.
 */
import type { Database } from './database';
import { writeTransaction } from './write-transaction';

/** A MAC's newest boot is its rows from this long before its newest row (a boot takes minutes). */
export const NEWEST_BOOT_WINDOW_MS = 3_600_000;

/**
 * Newest boots are kept beyond the count, but not without end: a DHCP storm of made-up MACs (or
 * one MAC asking for an hour) would make every row someone's newest boot. Past this many times
 * the count, the oldest boot events go whoever they belong to, so the disk cannot fill.
 */
export const BOOT_EVENTS_CEILING_FACTOR = 10;

/** HistoryLimits says how much history is kept. */
export interface HistoryLimits {
  maxAgeDays: number;
  maxEvents: number;
}

/** HistoryPruneOptions: an injectable clock and a time budget (tests set both). */
export interface HistoryPruneOptions {
  now?: () => number;
  budgetMs?: number;
  batchRows?: number;
}

/** HistoryPruneResult counts what was deleted; `complete` is false when the budget ran out. */
export interface HistoryPruneResult {
  syncRuns: number;
  syncEvents: number;
  bootEvents: number;
  complete: boolean;
}

const dayMs = 86_400_000;

/** pruneHistory deletes old history within the limits; see the file comment for what is kept. */
export function pruneHistory(
  db: Database,
  limits: HistoryLimits,
  options: HistoryPruneOptions = {},
): HistoryPruneResult {
  const now = options.now ?? Date.now;
  const deadline = Date.now() + (options.budgetMs ?? 250);
  const batch = options.batchRows ?? 2_000;
  const cutoffMs = now() - limits.maxAgeDays * dayMs;
  const cutoffIso = new Date(cutoffMs).toISOString();
  const result: HistoryPruneResult = { syncRuns: 0, syncEvents: 0, bootEvents: 0, complete: true };

  const syncEventCut = db.prepare(
    `DELETE FROM sync_events WHERE id IN (
       SELECT e.id FROM sync_events e JOIN sync_runs r ON r.id = e.run_id
       WHERE r.status != 'running'
         AND (e.at < @cutoff OR e.id <= (SELECT MAX(id) FROM sync_events) - @max)
       LIMIT @batch)`,
  );
  const syncRunCut = db.prepare(
    `DELETE FROM sync_runs WHERE id IN (
       SELECT id FROM sync_runs
       WHERE status != 'running' AND started_at < @cutoff
         AND id != (SELECT MAX(id) FROM sync_runs)
       LIMIT @batch)`,
  );
  const bootCut = bootEventCut(db, limits, cutoffMs, batch);

  const steps: [keyof Omit<HistoryPruneResult, 'complete'>, () => number][] = [
    [
      'syncEvents',
      () => syncEventCut.run({ cutoff: cutoffIso, max: limits.maxEvents, batch }).changes,
    ],
    ['syncRuns', () => syncRunCut.run({ cutoff: cutoffIso, batch }).changes],
    ['bootEvents', bootCut],
  ];
  for (const [field, step] of steps) {
    const { deleted, complete } = runBatches(db, step, batch, deadline);
    // Runs cascade to their events; counted as runs.
    result[field] += deleted;
    if (!complete) {
      result.complete = false;
      return result;
    }
  }
  return result;
}

/**
 * pruneBootEvents applies the same rule to the boot log alone; the boot log store calls it as it
 * writes, so a burst of events is bounded by these limits and no other cap.
 */
export function pruneBootEvents(
  db: Database,
  limits: HistoryLimits,
  options: HistoryPruneOptions = {},
): { deleted: number; complete: boolean } {
  const now = options.now ?? Date.now;
  const deadline = Date.now() + (options.budgetMs ?? 250);
  const batch = options.batchRows ?? 2_000;
  const cutoffMs = now() - limits.maxAgeDays * dayMs;
  return runBatches(db, bootEventCut(db, limits, cutoffMs, batch), batch, deadline);
}

/**
 * bootEventCut deletes one batch of boot events past the limits. A row is protected when it lies
 * in its MAC's newest boot, or is a MAC-less row from an address that such a boot's DHCP steps
 * used, at or after that step.
 */
function bootEventCut(
  db: Database,
  limits: HistoryLimits,
  cutoffMs: number,
  batch: number,
): () => number {
  const ceiling = db.prepare(
    `DELETE FROM boot_events WHERE id IN (
       SELECT id FROM boot_events WHERE id <= (SELECT MAX(id) FROM boot_events) - @max
       ORDER BY id LIMIT @batch)`,
  );
  // `newest`: where each MAC's newest boot starts; `guarded`: from when each address belongs to
  // such a boot (its earliest MAC row there). Computed once per batch rather than per row, so a
  // burst from one address costs one pass, not one pass per row.
  const cut = db.prepare(
    `DELETE FROM boot_events WHERE id IN (
       WITH newest AS (
              SELECT mac, MAX(at) - @window AS since FROM boot_events
              WHERE mac IS NOT NULL GROUP BY mac),
            guarded AS (
              SELECT d.client_ip AS ip, MIN(d.at) AS since FROM boot_events d
              JOIN newest n ON n.mac = d.mac
              WHERE d.at >= n.since AND d.client_ip IS NOT NULL GROUP BY d.client_ip)
       SELECT e.id FROM boot_events e
       LEFT JOIN newest n ON n.mac = e.mac
       LEFT JOIN guarded g ON e.mac IS NULL AND g.ip = e.client_ip
       WHERE (e.at < @cutoffMs OR e.id <= (SELECT MAX(id) FROM boot_events) - @max)
         AND NOT (n.since IS NOT NULL AND e.at >= n.since)
         AND NOT (g.since IS NOT NULL AND e.at >= g.since)
       LIMIT @batch)`,
  );
  // The ceiling first: after a storm it leaves the slower rule less to look at.
  return () =>
    ceiling.run({ max: limits.maxEvents * BOOT_EVENTS_CEILING_FACTOR, batch }).changes +
    cut.run({ cutoffMs, max: limits.maxEvents, window: NEWEST_BOOT_WINDOW_MS, batch }).changes;
}

/** runBatches runs a delete step, each batch its own write transaction, until done or out of time. */
function runBatches(
  db: Database,
  step: () => number,
  batch: number,
  deadline: number,
): { deleted: number; complete: boolean } {
  let deleted = 0;
  for (;;) {
    if (Date.now() > deadline) return { deleted, complete: false };
    const n = writeTransaction(db, step);
    deleted += n;
    if (n < batch) return { deleted, complete: true };
  }
}

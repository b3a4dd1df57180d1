/**
 * History pruning keeps the sync and boot history from growing forever: sync runs and their
 * events older than the age limit, sync events beyond the newest `maxEvents`, and boot events
 * older than the age limit or beyond the newest `maxEvents` are deleted. Two things are always
 * kept: the newest sync run (so the UI can say how the last sync ended) with the runs still
 * running, and every MAC's newest boot — its rows from the hour before its newest row, plus the
 * MAC-less TFTP/HTTP rows its address made then — so the boot log's per-MAC timeline survives.
 *
 * Rows go in small batches, each its own write transaction, until none are left or the time
 * budget is spent (the rest goes next time), so a writer in another process never waits long.
 */
import type { Database } from './database';
import { writeTransaction } from './write-transaction';

/** A MAC's newest boot is its rows from this long before its newest row (a boot takes minutes). */
export const NEWEST_BOOT_WINDOW_MS = 3_600_000;

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
  // A row is protected when it lies in its MAC's newest boot, or is a MAC-less row from an
  // address that such a boot's DHCP steps used, at or after that step.
  const bootCut = db.prepare(
    `DELETE FROM boot_events WHERE id IN (
       SELECT e.id FROM boot_events e
       WHERE (e.at < @cutoffMs OR e.id <= (SELECT MAX(id) FROM boot_events) - @max)
         AND NOT (e.mac IS NOT NULL
                  AND e.at >= (SELECT MAX(m.at) FROM boot_events m WHERE m.mac = e.mac) - @window)
         AND NOT (e.mac IS NULL AND EXISTS (
                  SELECT 1 FROM boot_events d
                  WHERE d.client_ip = e.client_ip AND d.mac IS NOT NULL AND d.at <= e.at
                    AND d.at >= (SELECT MAX(m.at) FROM boot_events m WHERE m.mac = d.mac) - @window))
       LIMIT @batch)`,
  );

  const steps: [keyof Omit<HistoryPruneResult, 'complete'>, () => number][] = [
    [
      'syncEvents',
      () => syncEventCut.run({ cutoff: cutoffIso, max: limits.maxEvents, batch }).changes,
    ],
    ['syncRuns', () => syncRunCut.run({ cutoff: cutoffIso, batch }).changes],
    [
      'bootEvents',
      () =>
        bootCut.run({
          cutoffMs,
          max: limits.maxEvents,
          window: NEWEST_BOOT_WINDOW_MS,
          batch,
        }).changes,
    ],
  ];
  for (const [field, step] of steps) {
    for (;;) {
      if (Date.now() > deadline) {
        result.complete = false;
        return result;
      }
      // Runs cascade to their events; counted as runs.
      const deleted = writeTransaction(db, step);
      result[field] += deleted;
      if (deleted < batch) break;
    }
  }
  return result;
}

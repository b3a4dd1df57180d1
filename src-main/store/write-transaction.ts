/**
 * Every write to the store goes through `writeTransaction`. It takes the write lock up front
 * (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later cannot wait for
 * another process's write lock (SQLite returns SQLITE_BUSY at once), so "database is locked" would
 * reach the person. With the lock taken first, the busy timeout applies and the write just waits.
 *
 * Durability: the database runs WAL with `synchronous = NORMAL`, where a power loss may drop the
 * last commits. Writes that files on disk depend on (a version published, versions dropped before
 * their blobs are deleted) pass `'full'`, which syncs the WAL at commit, and with it every commit
 * before.
 */
import type { Database } from 'better-sqlite3';
import { UserError } from '../../src-shared/errors';

/** busyTimeoutMs is how long a write waits for another process to release the write lock. */
export const busyTimeoutMs = 10_000;

/** Durability is `'normal'` for bookkeeping and `'full'` when files are removed or trusted next. */
export type Durability = 'normal' | 'full';

/** writeTransaction runs `fn` as one immediate transaction (a savepoint when nested). */
export function writeTransaction<T>(
  db: Database,
  fn: () => T,
  durability: Durability = 'normal',
): T {
  // The synchronous level cannot change inside a transaction; a nested call commits with its parent.
  const full = durability === 'full' && !db.inTransaction;
  if (full) db.pragma('synchronous = FULL');
  try {
    return db.transaction(fn).immediate();
  } catch (error) {
    if (isBusyError(error)) {
      throw new UserError(
        `Another LabBoot process kept the store busy for more than ${busyTimeoutMs / 1000} s; wait for it to finish (a sync, for instance) and try again.`,
        'store-busy',
      );
    }
    throw error;
  } finally {
    if (full) db.pragma('synchronous = NORMAL');
  }
}

/** isBusyError tells whether SQLite gave up waiting for a lock another connection holds. */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

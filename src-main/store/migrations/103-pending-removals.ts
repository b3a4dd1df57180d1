import type { Migration } from './types';

/**
 * pendingRemovalsMigration adds a journal of folders to delete: pruning records the unpack folders
 * of the versions it drops in the same transaction that drops them, and removes each row once the
 * folder is gone. A crash in between leaves the row, so the next prune finishes the job instead
 * of leaving the folder behind for good.
 */
export const pendingRemovalsMigration: Migration = {
  id: 103,
  name: 'pending-removals',
  up(db) {
    db.exec(`
      CREATE TABLE pending_removals (
        path TEXT PRIMARY KEY,
        added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
    `);
  },
};

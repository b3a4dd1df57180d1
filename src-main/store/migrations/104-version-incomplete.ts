import type { Migration } from './types';

/**
 * versionIncompleteMigration lets `store verify --repair` mark a version whose file could not be
 * fetched again: such a version is not trusted (the boot server skips it, the next sync fetches it
 * again) until a publish stores it whole and clears the mark. Indexes help history pruning.
 */
export const versionIncompleteMigration: Migration = {
  id: 104,
  name: 'version-incomplete',
  up(db) {
    db.exec(`
      ALTER TABLE resource_versions ADD COLUMN incomplete INTEGER NOT NULL DEFAULT 0
        CHECK (incomplete IN (0, 1));
      CREATE INDEX sync_events_run ON sync_events (run_id);
    `);
  },
};

import type { Migration } from './types';

/**
 * boot_servers records every process that serves PXE from this data folder (the app, the console
 * or `labboot serve`), so another process can tell that an image is in use before deleting it.
 * A row whose process is gone (killed) is ignored and removed by the next reader on that host.
 */
export const bootServersMigration: Migration = {
  id: 220,
  name: 'boot-servers',
  up(db) {
    db.exec(`
      CREATE TABLE boot_servers (
        id INTEGER PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        address TEXT NOT NULL,
        started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
    `);
  },
};

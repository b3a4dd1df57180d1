import type { Migration } from './types';

/**
 * boot_events.boot_path names the road a step's client boots by (`pxe`, `http-boot`, `ipxe`), or
 * NULL when it is not known (rows stored before, a booted system renewing its address).
 */
export const bootEventPathMigration: Migration = {
  id: 303,
  name: 'boot-event-path',
  up(db) {
    db.exec(`
      ALTER TABLE boot_events ADD COLUMN boot_path TEXT
        CHECK (boot_path IS NULL OR boot_path IN ('pxe', 'http-boot', 'ipxe'));
    `);
  },
};

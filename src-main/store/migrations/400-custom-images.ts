import type { Migration } from './types';

/**
 * custom_images holds uploaded disk images (`custom/NAME`); the file itself is a blob named by its
 * sha256 in the blob store. `disk_bytes` is the size of the disk image inside, which the installer
 * compares with the target disk before writing.
 */
export const customImagesMigration: Migration = {
  id: 400,
  name: 'custom-images',
  up(db) {
    db.exec(`
      CREATE TABLE custom_images (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        arch TEXT NOT NULL,
        firmware TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        disk_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};

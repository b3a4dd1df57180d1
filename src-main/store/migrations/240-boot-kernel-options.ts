import type { Migration } from './types';

/**
 * boot_kernel_options holds one machine's extra kernel options, keyed by MAC, appended after the
 * global ones (settings key `boot.kernelOptions`). A table of its own, so options can be set for a
 * machine that boots the default image without giving it a boot choice of its own.
 */
export const bootKernelOptionsMigration: Migration = {
  id: 240,
  name: 'boot-kernel-options',
  up(db) {
    db.exec(`
      CREATE TABLE boot_kernel_options (
        mac TEXT PRIMARY KEY,
        options TEXT NOT NULL CHECK (options <> ''),
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
    `);
  },
};

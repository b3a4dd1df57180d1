import type { Migration } from './types';

/**
 * boot_choices says what each machine boots, keyed by MAC; the row with mac `default` applies to
 * machines without their own. `image` is an `OS/RELEASE/ARCH[/SUBARCH]` spec, resolved to the newest
 * complete version when a client asks, so a finished sync takes effect on the next boot.
 */
export const bootChoicesMigration: Migration = {
  id: 200,
  name: 'boot-choices',
  up(db) {
    db.exec(`
      CREATE TABLE boot_choices (
        mac TEXT PRIMARY KEY,
        action TEXT NOT NULL CHECK (action IN ('image', 'local')),
        image TEXT,
        hostname TEXT,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        CHECK ((action = 'image') = (image IS NOT NULL))
      ) STRICT;
    `);
  },
};

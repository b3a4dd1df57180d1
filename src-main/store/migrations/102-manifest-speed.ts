import type { Migration } from './types';

/**
 * manifestSpeedMigration makes manifest import and diff cheap (test/bench/manifest-search.ts):
 * - drops the package-name index on manifest_packages: each import touched ~1,500 scattered
 *   leaves of it (most of the index at 200 manifests), which dominated import time and WAL
 *   checkpoints; search now seeks the primary key per stored manifest × matching name instead;
 * - adds `manifests.packages`, the manifest as `name[:arch]<TAB>version` lines sorted by that
 *   qualified name, so show and diff read one value instead of 1,500 rows (SQLite's BINARY order
 *   equals JavaScript's string order for these ASCII names). Existing manifests are backfilled.
 */
export const manifestSpeedMigration: Migration = {
  id: 102,
  name: 'manifest-speed',
  up(db) {
    db.exec(`
      DROP INDEX IF EXISTS manifest_packages_name;
      ALTER TABLE manifests ADD COLUMN packages TEXT NOT NULL DEFAULT '';
      UPDATE manifests SET packages = coalesce((
        SELECT group_concat(q.pkg || char(9) || q.version, char(10) ORDER BY q.pkg)
        FROM (SELECT CASE WHEN mp.arch = '' THEN n.name ELSE n.name || ':' || mp.arch END AS pkg,
                     mp.version AS version
              FROM manifest_packages mp JOIN package_names n ON n.id = mp.name_id
              WHERE mp.manifest_id = manifests.id) q), '');
    `);
  },
};

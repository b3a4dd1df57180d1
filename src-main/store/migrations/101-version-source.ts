import type { Migration } from './types';

/**
 * versionSourceMigration records which boot source supplied each stored version (name and URL as
 * they were at sync time, so the record outlives the source and the built-in default, which has
 * no row). Versions stored earlier get the resource's URL and, when it still exists, its name.
 */
export const versionSourceMigration: Migration = {
  id: 101,
  name: 'version-source',
  up(db) {
    db.exec(`
      ALTER TABLE resource_versions ADD COLUMN source_name TEXT;
      ALTER TABLE resource_versions ADD COLUMN source_url TEXT;
      UPDATE resource_versions SET
        source_url = (SELECT r.source_url FROM resources r WHERE r.id = resource_id),
        source_name = (SELECT s.name FROM resources r JOIN boot_sources s ON s.url = r.source_url
                       WHERE r.id = resource_id);
    `);
  },
};

import type { Migration } from './types';

/**
 * catalogue_generation is one counter that every change to the stored resources, versions or files
 * bumps (by trigger, so writes from any process or connection count). The boot server keeps the
 * catalogue in memory and reads this one row per request to know when to read the catalogue again.
 */
export const catalogueGenerationMigration: Migration = {
  id: 210,
  name: 'catalogue-generation',
  up(db) {
    db.exec(`
      CREATE TABLE catalogue_generation (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        n INTEGER NOT NULL
      ) STRICT;
      INSERT INTO catalogue_generation (id, n) VALUES (1, 0);
    `);
    for (const table of ['resources', 'resource_versions', 'resource_files']) {
      for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
        db.exec(`
          CREATE TRIGGER ${table}_${event.toLowerCase()}_generation AFTER ${event} ON ${table}
          BEGIN
            UPDATE catalogue_generation SET n = n + 1 WHERE id = 1;
          END;
        `);
      }
    }
  },
};

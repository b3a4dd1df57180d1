import type { Migration } from './types';

/**
 * deployments is the deploy state of each MAC LabBoot was told to deploy or release: `deploying`
 * (marked; the installer runs on its next network boot), `deployed`, `failed` or `released`. The
 * image's sha256, kind and sizes are copied at deploy time, so the installer a machine gets never
 * changes under it. `token` is the per-deploy secret its reports must carry.
 */
export const deploymentsMigration: Migration = {
  id: 410,
  name: 'deployments',
  up(db) {
    db.exec(`
      CREATE TABLE deployments (
        mac TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        phase TEXT NOT NULL,
        image TEXT,
        sha256 TEXT,
        kind TEXT,
        image_size INTEGER,
        disk_bytes INTEGER,
        disk TEXT NOT NULL DEFAULT 'auto',
        erase INTEGER NOT NULL DEFAULT 0,
        token TEXT,
        bytes INTEGER NOT NULL DEFAULT 0,
        total INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        updated_at INTEGER NOT NULL,
        reported_at INTEGER,
        deployed_at INTEGER
      ) STRICT;
    `);
  },
};

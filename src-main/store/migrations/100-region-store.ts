import type { Migration } from './types';

/**
 * regionStoreMigration creates the region store: boot sources and selections, the catalog as the
 * streams describe it (products → versions → items), the local boot resources with their stored
 * files, parsed squashfs manifests, and sync runs with their events. File bytes live outside
 * SQLite in the content-addressed blob folder; `resource_files.sha256` names them.
 */
export const regionStoreMigration: Migration = {
  id: 100,
  name: 'region-store',
  up(db) {
    db.exec(`
      CREATE TABLE boot_sources (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        url TEXT NOT NULL UNIQUE,
        -- 'custom': keyring bytes below; 'default': the pinned Ubuntu cloud-image keys, resolved on
        -- use; 'none': signature verification explicitly turned off by the person.
        keyring_kind TEXT NOT NULL CHECK (keyring_kind IN ('custom', 'default', 'none')),
        keyring BLOB,
        fingerprints TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;

      CREATE TABLE selections (
        id INTEGER PRIMARY KEY,
        os TEXT NOT NULL,
        release TEXT NOT NULL,
        arch TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        UNIQUE (os, release, arch)
      ) STRICT;

      CREATE TABLE products (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES boot_sources(id) ON DELETE CASCADE,
        content_id TEXT NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('image', 'bootloader')),
        os TEXT NOT NULL,
        release TEXT NOT NULL,
        release_version TEXT NOT NULL,
        arch TEXT NOT NULL,
        subarch TEXT NOT NULL,
        kflavor TEXT NOT NULL,
        label TEXT NOT NULL,
        bootloader_type TEXT NOT NULL,
        attrs TEXT NOT NULL,
        UNIQUE (source_id, name)
      ) STRICT;

      CREATE TABLE product_versions (
        id INTEGER PRIMARY KEY,
        product_id INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        UNIQUE (product_id, version)
      ) STRICT;

      CREATE TABLE product_items (
        version_id INTEGER NOT NULL REFERENCES product_versions(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        ftype TEXT NOT NULL,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        attrs TEXT NOT NULL,
        PRIMARY KEY (version_id, name)
      ) STRICT;

      -- A resource is one bootable image (os/release/arch/subarch with kflavor folded in) or one
      -- bootloader product; it outlives the catalog and its source.
      CREATE TABLE resources (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('image', 'bootloader')),
        os TEXT NOT NULL,
        release TEXT NOT NULL,
        arch TEXT NOT NULL,
        subarch TEXT NOT NULL,
        kflavor TEXT NOT NULL,
        label TEXT NOT NULL,
        bootloader_type TEXT NOT NULL,
        product TEXT NOT NULL,
        source_url TEXT NOT NULL,
        UNIQUE (kind, os, release, arch, subarch)
      ) STRICT;

      -- A row exists only once every file of the version is stored (inserted in one transaction).
      CREATE TABLE resource_versions (
        id INTEGER PRIMARY KEY,
        resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
        version TEXT NOT NULL,
        unpack_dir TEXT,
        published_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        UNIQUE (resource_id, version)
      ) STRICT;

      CREATE TABLE resource_files (
        version_id INTEGER NOT NULL REFERENCES resource_versions(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        ftype TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        path TEXT NOT NULL,
        PRIMARY KEY (version_id, name)
      ) STRICT;
      CREATE INDEX resource_files_sha256 ON resource_files(sha256);

      -- Manifests are keyed by the sha256 of the manifest file: kernels of one release/version share it.
      CREATE TABLE manifests (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        package_count INTEGER NOT NULL
      ) STRICT;
      -- Distinct package names are few (thousands); search scans them, then uses the index below.
      CREATE TABLE package_names (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      ) STRICT;
      CREATE TABLE manifest_packages (
        manifest_id INTEGER NOT NULL REFERENCES manifests(id) ON DELETE CASCADE,
        name_id INTEGER NOT NULL REFERENCES package_names(id),
        arch TEXT NOT NULL,
        version TEXT NOT NULL,
        PRIMARY KEY (manifest_id, name_id, arch)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX manifest_packages_name ON manifest_packages(name_id);

      CREATE TABLE sync_runs (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled', 'interrupted')),
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        finished_at TEXT,
        error TEXT
      ) STRICT;
      CREATE TABLE sync_events (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        event TEXT NOT NULL,
        payload TEXT NOT NULL
      ) STRICT;
    `);
  },
};

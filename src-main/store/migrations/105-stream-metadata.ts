import type { Migration } from './types';

/**
 * streamMetadataMigration keeps the signed simplestreams metadata a sync verified, byte for byte,
 * so LabBoot can serve and export itself as a mirror: `stream_documents` holds each signed index
 * or product file once (by the sha256 of its bytes), `stream_files` maps each source's newest tree
 * (stream path → document), and each stored version records the product file that described it.
 * Changes bump the catalogue generation, so servers of the tree see them on the next request.
 */
export const streamMetadataMigration: Migration = {
  id: 105,
  name: 'stream-metadata',
  up(db) {
    db.exec(`
      CREATE TABLE stream_documents (
        sha256 TEXT PRIMARY KEY,
        bytes BLOB NOT NULL
      ) STRICT;
      CREATE TABLE stream_files (
        source_url TEXT NOT NULL,
        path TEXT NOT NULL,
        -- '' for the index; the product file's content_id otherwise.
        content_id TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        -- 1 when the signature was checked against the source's keyring at sync time.
        verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
        stored_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        PRIMARY KEY (source_url, path)
      ) STRICT;
      ALTER TABLE resource_versions ADD COLUMN stream_document TEXT;
    `);
    for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
      db.exec(`
        CREATE TRIGGER stream_files_${event.toLowerCase()}_generation AFTER ${event} ON stream_files
        BEGIN
          UPDATE catalogue_generation SET n = n + 1 WHERE id = 1;
        END;
      `);
    }
  },
};

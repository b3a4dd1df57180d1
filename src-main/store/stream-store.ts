/**
 * StreamStore keeps the signed simplestreams metadata a sync verified, byte for byte: each
 * source's newest tree (`stream_files`: stream path → document) and, per stored version, the
 * product file that described it. Documents go when neither a source's newest tree nor a kept
 * version refers to them, in the same transaction that drops the versions.
 */
import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { statementCache } from './statement-cache';
import type { ResourceIdentity } from './types';
import { writeTransaction } from './write-transaction';

/** StreamFileInput is one signed file of a source's tree as a sync fetched and verified it. */
export interface StreamFileInput {
  /** Relative to the mirror root: `streams/v1/index.sjson`. */
  path: string;
  /** '' for the index, the product file's content_id otherwise. */
  contentId: string;
  bytes: Uint8Array;
  verified: boolean;
}

/** StreamFileRow is one stored file of a source's newest tree. */
export interface StreamFileRow {
  sourceUrl: string;
  path: string;
  contentId: string;
  sha256: string;
  verified: boolean;
}

/** VersionLink says which product file (by sha256) describes a stored version. */
export interface VersionLink {
  resource: ResourceIdentity;
  version: string;
  document: string;
}

/** HeldFile is one stored file of a complete version, at its path on the mirror. */
export interface HeldFile {
  name: string;
  ftype: string;
  sha256: string;
  size: number;
  /** Relative to the mirror root, as the stream listed it. */
  path: string;
}

/** HeldVersion is a complete stored version with what a mirror of it needs. */
export interface HeldVersion {
  kind: 'image' | 'bootloader';
  os: string;
  release: string;
  arch: string;
  subarch: string;
  product: string;
  version: string;
  sourceUrl: string | null;
  /** sha256 of the product file that described it; null when stored before that was kept. */
  document: string | null;
  files: HeldFile[];
}

/** sha256Hex is the hex digest of bytes (documents are keyed by it). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface HeldRow extends HeldFile {
  versionId: number;
  kind: 'image' | 'bootloader';
  os: string;
  release: string;
  arch: string;
  subarch: string;
  product: string;
  version: string;
  sourceUrl: string | null;
  document: string | null;
}

/** StreamStore reads and writes the stored stream metadata. */
export class StreamStore {
  private readonly stmt;

  constructor(private readonly db: Database) {
    this.stmt = statementCache(db);
  }

  /** saveTree replaces a source's newest tree with the files of one verified read, atomically. */
  saveTree(sourceUrl: string, files: readonly StreamFileInput[]): void {
    writeTransaction(this.db, () => {
      const doc = this.stmt('INSERT OR IGNORE INTO stream_documents (sha256, bytes) VALUES (?, ?)');
      const file = this.stmt(
        `INSERT INTO stream_files (source_url, path, content_id, sha256, verified)
           VALUES (?, ?, ?, ?, ?)`,
      );
      this.stmt('DELETE FROM stream_files WHERE source_url = ?').run(sourceUrl);
      for (const f of files) {
        const sha = sha256Hex(f.bytes);
        doc.run(sha, Buffer.from(f.bytes));
        file.run(sourceUrl, f.path, f.contentId, sha, f.verified ? 1 : 0);
      }
      this.dropUnreferencedDocuments();
    });
  }

  /** linkVersions records which product file describes each stored version. */
  linkVersions(links: readonly VersionLink[]): void {
    if (links.length === 0) return;
    writeTransaction(this.db, () => {
      const link = this.stmt(
        `UPDATE resource_versions SET stream_document = ?
           WHERE version = ? AND stream_document IS NOT ? AND resource_id =
             (SELECT id FROM resources
                WHERE kind = ? AND os = ? AND release = ? AND arch = ? AND subarch = ?)`,
      );
      for (const l of links) {
        const r = l.resource;
        link.run(l.document, l.version, l.document, r.kind, r.os, r.release, r.arch, r.subarch);
      }
    });
  }

  /** files lists every source's newest tree. */
  files(): StreamFileRow[] {
    const rows = this.stmt(
      `SELECT source_url AS sourceUrl, path, content_id AS contentId, sha256, verified
         FROM stream_files ORDER BY source_url, path`,
    ).all() as (Omit<StreamFileRow, 'verified'> & { verified: number })[];
    return rows.map((r) => ({ ...r, verified: r.verified === 1 }));
  }

  /** document returns the stored bytes of a document, or undefined. */
  document(sha256: string): Uint8Array | undefined {
    const row = this.stmt('SELECT bytes FROM stream_documents WHERE sha256 = ?')
      .pluck()
      .get(sha256) as Buffer | undefined;
    return row === undefined ? undefined : new Uint8Array(row);
  }

  /** heldVersions lists every complete stored version with its files at their mirror paths. */
  heldVersions(): HeldVersion[] {
    const rows = this.stmt(
      `SELECT v.id AS versionId, r.kind, r.os, r.release, r.arch, r.subarch, r.product, v.version,
              v.source_url AS sourceUrl, v.stream_document AS document,
              f.name, f.ftype, f.sha256, f.size, f.path
         FROM resource_versions v
         JOIN resources r ON r.id = v.resource_id
         JOIN resource_files f ON f.version_id = v.id
        WHERE v.incomplete = 0
        ORDER BY r.kind DESC, r.os, r.release, r.arch, r.subarch, v.version DESC, f.name`,
    ).all() as HeldRow[];
    const out: HeldVersion[] = [];
    let current: HeldVersion | undefined;
    let currentId = -1;
    for (const row of rows) {
      if (row.versionId !== currentId) {
        currentId = row.versionId;
        current = {
          kind: row.kind,
          os: row.os,
          release: row.release,
          arch: row.arch,
          subarch: row.subarch,
          product: row.product,
          version: row.version,
          sourceUrl: row.sourceUrl,
          document: row.document,
          files: [],
        };
        out.push(current);
      }
      current?.files.push({
        name: row.name,
        ftype: row.ftype,
        sha256: row.sha256,
        size: row.size,
        path: row.path,
      });
    }
    return out;
  }

  /**
   * dropUnreferenced forgets the trees of sources that supply no stored version any more and the
   * documents nothing refers to. Runs inside the transaction that drops versions.
   */
  dropUnreferenced(): void {
    this.stmt(
      `DELETE FROM stream_files WHERE source_url NOT IN
         (SELECT source_url FROM resource_versions WHERE source_url IS NOT NULL)`,
    ).run();
    this.dropUnreferencedDocuments();
  }

  private dropUnreferencedDocuments(): void {
    this.stmt(
      `DELETE FROM stream_documents
         WHERE sha256 NOT IN (SELECT sha256 FROM stream_files)
           AND sha256 NOT IN
             (SELECT stream_document FROM resource_versions WHERE stream_document IS NOT NULL)`,
    ).run();
  }
}

/**
 * ResourceStore keeps the local boot resources: `resources` → `resource_versions` →
 * `resource_files`, whose bytes live in the blob store.
 *
 * Crash and power-loss safety rests on three rules:
 * - a version is published in one durable transaction, after all its blobs are stored and synced;
 * - pruning drops versions in one durable transaction and deletes files only after it, so a lost
 *   commit can never leave a version whose blobs were already deleted (folders to delete are
 *   journalled in `pending_removals`, so a crash in between does not leak them);
 * - `hasVersion` trusts a stored version only when every blob is present with its size, so
 *   whatever a crash left behind is fetched again by the next sync; a version `store verify`
 *   marked incomplete (a file it could not fetch again) is not trusted until published again.
 * Deleting versions (`labboot images delete`) follows the same order as pruning.
 */
import type { Database } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { BlobStore } from './blob-store';
import { statementCache } from './statement-cache';
import { StreamStore } from './stream-store';
import type {
  CatalogItem,
  ProductKind,
  Resource,
  ResourceIdentity,
  StoredFile,
  StoredResource,
  StoredVersion,
} from './types';
import { writeTransaction } from './write-transaction';

/** PublishFile is one verified blob of a version being published (`path` is its mirror path). */
export type PublishFile = Omit<CatalogItem, 'attrs'>;

/** PruneStep names the points between the steps of `prune`, in order. */
export type PruneStep = 'versions-dropped' | 'folders-removed' | 'blobs-collected';

/** PruneOptions says what `prune` keeps. */
export interface PruneOptions {
  /** How many of the newest versions of each resource to keep. */
  keep: number;
  /** When given, images it rejects are dropped entirely (no longer selected). */
  isSelected?: (r: Resource) => boolean;
  /** The folder unpacked bootloaders live in: nothing outside it is ever deleted. */
  unpackRoot: string;
  /** Called after each step; only the crash tests pass it, to stop the process there. */
  afterStep?: (step: PruneStep) => Promise<void>;
}

/** PruneResult lists what `prune` deleted. */
export interface PruneResult {
  folders: string[];
  blobs: string[];
}

type ResourceRow = Omit<StoredResource, 'versions' | 'sourceName'>;
type VersionRow = Omit<StoredVersion, 'files' | 'source' | 'complete'> & {
  resourceId: number;
  incomplete: number;
  sourceName: string | null;
  sourceUrl: string | null;
};
type FileRow = StoredFile & { versionId: number };

const resourceColumns = `id, kind, os, release, arch, subarch, kflavor, label,
  bootloader_type AS bootloaderType, product, source_url AS sourceUrl`;

/** ResourceStore reads, publishes and prunes stored resources. */
export class ResourceStore {
  private readonly stmt;
  private readonly streams: StreamStore;

  constructor(
    private readonly db: Database,
    readonly blobs: BlobStore,
  ) {
    this.stmt = statementCache(db);
    this.streams = new StreamStore(db);
  }

  /**
   * hasVersion tells whether that version of that resource is stored and still whole on disk:
   * not marked incomplete, every blob present with its recorded size, and the unpack folder of a
   * bootloader present.
   */
  hasVersion(resource: ResourceIdentity, version: string): boolean {
    const row = this.stmt(
      `SELECT v.id, v.unpack_dir AS unpackDir, v.incomplete
         FROM resource_versions v JOIN resources r ON r.id = v.resource_id
         WHERE r.kind = ? AND r.os = ? AND r.release = ? AND r.arch = ? AND r.subarch = ?
           AND v.version = ?`,
    ).get(
      resource.kind,
      resource.os,
      resource.release,
      resource.arch,
      resource.subarch,
      version,
    ) as { id: number; unpackDir: string | null; incomplete: number } | undefined;
    if (row === undefined || row.incomplete !== 0) return false;
    if (row.unpackDir !== null && !isDirectory(row.unpackDir)) return false;
    const files = this.stmt('SELECT sha256, size FROM resource_files WHERE version_id = ?').all(
      row.id,
    ) as { sha256: string; size: number }[];
    return files.every((f) => this.blobs.hasSync(f.sha256, f.size));
  }

  /**
   * publishVersion makes a version visible: the resource row, the version row and all file rows
   * in one durable transaction. Every blob must already be stored; `extra` runs inside the same
   * transaction (manifest import).
   */
  publishVersion(
    resource: Resource,
    version: string,
    files: readonly PublishFile[],
    unpackDir: string | null,
    extra?: () => void,
  ): void {
    writeTransaction(
      this.db,
      () => {
        const { id: resourceId } = this.stmt(
          `INSERT INTO resources (kind, os, release, arch, subarch, kflavor, label, bootloader_type,
               product, source_url)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (kind, os, release, arch, subarch) DO UPDATE SET
               kflavor = excluded.kflavor, label = excluded.label, product = excluded.product,
               source_url = excluded.source_url, bootloader_type = excluded.bootloader_type
             RETURNING id`,
        ).get(
          resource.kind,
          resource.os,
          resource.release,
          resource.arch,
          resource.subarch,
          resource.kflavor,
          resource.label,
          resource.bootloaderType,
          resource.product,
          resource.sourceUrl,
        ) as { id: number };
        const { id: versionId } = this.stmt(
          `INSERT INTO resource_versions (resource_id, version, unpack_dir, source_name, source_url)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (resource_id, version) DO UPDATE SET unpack_dir = excluded.unpack_dir,
               source_name = excluded.source_name, source_url = excluded.source_url,
               incomplete = 0
             RETURNING id`,
        ).get(resourceId, version, unpackDir, resource.sourceName, resource.sourceUrl) as {
          id: number;
        };
        this.stmt('DELETE FROM resource_files WHERE version_id = ?').run(versionId);
        const ins = this.stmt(
          'INSERT INTO resource_files (version_id, name, ftype, sha256, size, path) VALUES (?, ?, ?, ?, ?, ?)',
        );
        for (const f of files) ins.run(versionId, f.name, f.ftype, f.sha256, f.size, f.path);
        // A folder an earlier prune dropped may be in use again (the same version re-selected).
        if (unpackDir !== null) {
          this.stmt('DELETE FROM pending_removals WHERE path = ?').run(unpackDir);
        }
        extra?.();
      },
      'full',
    );
  }

  /** listResources returns every local resource with its versions, newest version first. */
  listResources(kind?: ProductKind): StoredResource[] {
    const resources = (
      kind === undefined
        ? this.stmt(
            `SELECT ${resourceColumns} FROM resources ORDER BY kind DESC, os, release, arch, subarch`,
          ).all()
        : this.stmt(
            `SELECT ${resourceColumns} FROM resources WHERE kind = ? ORDER BY os, release, arch, subarch`,
          ).all(kind)
    ) as ResourceRow[];
    const versions = this.stmt(
      `SELECT id, resource_id AS resourceId, version, unpack_dir AS unpackDir,
         published_at AS publishedAt, source_name AS sourceName, source_url AS sourceUrl,
         incomplete
       FROM resource_versions ORDER BY version DESC`,
    ).all() as VersionRow[];
    const files = this.stmt(
      `SELECT version_id AS versionId, name, ftype, sha256, size
       FROM resource_files ORDER BY name`,
    ).all() as Omit<FileRow, 'path'>[];
    const filesByVersion = groupBy(
      files,
      (f) => f.versionId,
      ({ versionId: _, ...f }) => ({
        ...f,
        path: this.blobs.pathFor(f.sha256),
      }),
    );
    const versionsByResource = groupBy(
      versions,
      (v) => v.resourceId,
      ({ resourceId: _, sourceName, sourceUrl, incomplete, ...v }): StoredVersion => ({
        ...v,
        complete: incomplete === 0,
        source: { name: sourceName, url: sourceUrl },
        files: filesByVersion.get(v.id) ?? [],
      }),
    );
    return resources.flatMap((r) => {
      const stored = versionsByResource.get(r.id) ?? [];
      if (stored.length === 0) return [];
      return [{ ...r, sourceName: stored[0]?.source.name ?? '', versions: stored }];
    });
  }

  /**
   * prune keeps the newest `keep` versions of every resource (and drops images `isSelected`
   * rejects), then deletes the folders and blobs nothing refers to any more — only after the
   * transaction that dropped them is durable.
   */
  async prune(options: PruneOptions): Promise<PruneResult> {
    this.pruneVersions(options.keep, options.isSelected);
    await options.afterStep?.('versions-dropped');
    return this.removeUnreferenced(options.unpackRoot, options.afterStep);
  }

  /**
   * removeUnreferenced deletes the journalled folders and the blobs no stored version refers to.
   * Call it only after the transaction that dropped versions has committed, under the sync lock.
   */
  async removeUnreferenced(
    unpackRoot: string,
    afterStep?: (step: PruneStep) => Promise<void>,
  ): Promise<PruneResult> {
    const folders = await this.removePendingFolders(unpackRoot);
    await afterStep?.('folders-removed');
    const blobs = await this.blobs.collect(this.referencedBlobs());
    await afterStep?.('blobs-collected');
    return { folders, blobs };
  }

  /**
   * deleteVersions drops these versions (by id) in one durable transaction, with every resource
   * left without a version and the manifests no file refers to, and journals their unpack
   * folders; `extra` runs inside the same transaction. `removeUnreferenced` deletes the files.
   */
  deleteVersions(versionIds: readonly number[], extra?: () => void): void {
    writeTransaction(
      this.db,
      () => {
        const journal = this.stmt(
          `INSERT OR IGNORE INTO pending_removals (path)
             SELECT unpack_dir FROM resource_versions WHERE id = ? AND unpack_dir IS NOT NULL`,
        );
        const drop = this.stmt('DELETE FROM resource_versions WHERE id = ?');
        for (const id of versionIds) {
          journal.run(id);
          drop.run(id);
        }
        this.stmt(
          `DELETE FROM resources WHERE id NOT IN (SELECT resource_id FROM resource_versions)`,
        ).run();
        this.dropUnreferencedManifests();
        extra?.();
      },
      'full',
    );
  }

  /**
   * setComplete marks versions incomplete (a file of theirs is damaged: `hasVersion` is false, the
   * boot server skips them and the next sync fetches them again) or, once repaired, complete.
   * Durable, because damaged blobs are deleted right after marking.
   */
  setComplete(versionIds: readonly number[], complete: boolean): void {
    writeTransaction(
      this.db,
      () => {
        const mark = this.stmt('UPDATE resource_versions SET incomplete = ? WHERE id = ?');
        for (const id of versionIds) mark.run(complete ? 0 : 1, id);
      },
      'full',
    );
  }

  /** mirrorFiles lists a version's files with their paths on the mirror, for fetching them again. */
  mirrorFiles(versionId: number): (Omit<StoredFile, 'path'> & { mirrorPath: string })[] {
    return this.stmt(
      `SELECT name, ftype, sha256, size, path AS mirrorPath FROM resource_files
         WHERE version_id = ? ORDER BY name`,
    ).all(versionId) as (Omit<StoredFile, 'path'> & { mirrorPath: string })[];
  }

  /**
   * pruneVersions drops old and unselected versions in one durable transaction and journals their
   * unpack folders for removal; returns those folders. `prune` also deletes the files.
   */
  pruneVersions(keep: number, isSelected?: (r: Resource) => boolean): string[] {
    const dirs: string[] = [];
    writeTransaction(
      this.db,
      () => {
        const dropVersion = this.stmt('DELETE FROM resource_versions WHERE id = ?');
        const dropResource = this.stmt('DELETE FROM resources WHERE id = ?');
        const journal = this.stmt('INSERT OR IGNORE INTO pending_removals (path) VALUES (?)');
        for (const r of this.listResources()) {
          const drop =
            r.kind === 'image' && isSelected !== undefined && !isSelected(r)
              ? r.versions
              : r.versions.slice(keep);
          for (const v of drop) {
            if (v.unpackDir !== null) {
              dirs.push(v.unpackDir);
              journal.run(v.unpackDir);
            }
            dropVersion.run(v.id);
          }
          if (drop.length === r.versions.length) dropResource.run(r.id);
        }
        this.dropUnreferencedManifests();
      },
      'full',
    );
    return dirs;
  }

  /**
   * dropUnreferencedManifests deletes the manifests no stored file refers to any more, and the
   * stream metadata no stored version needs.
   */
  private dropUnreferencedManifests(): void {
    this.stmt(
      `DELETE FROM manifests WHERE sha256 NOT IN
         (SELECT sha256 FROM resource_files WHERE ftype = 'manifest')`,
    ).run();
    this.streams.dropUnreferenced();
  }

  /** referencedBlobs is every sha256 a stored version or a custom image still needs. */
  referencedBlobs(): Set<string> {
    return new Set(
      this.stmt('SELECT sha256 FROM resource_files UNION SELECT sha256 FROM custom_images')
        .pluck()
        .all() as string[],
    );
  }

  /** unpackDirs is every bootloader folder a stored version still uses. */
  unpackDirs(): Set<string> {
    return new Set(
      this.stmt('SELECT unpack_dir FROM resource_versions WHERE unpack_dir IS NOT NULL')
        .pluck()
        .all() as string[],
    );
  }

  /**
   * removePendingFolders deletes every journalled folder below `root` that no version uses, then
   * its journal row (a folder elsewhere, whatever an older store recorded, is left alone).
   */
  private async removePendingFolders(root: string): Promise<string[]> {
    const pending = this.stmt('SELECT path FROM pending_removals ORDER BY path')
      .pluck()
      .all() as string[];
    const inUse = this.unpackDirs();
    const removed: string[] = [];
    for (const path of pending) {
      if (!inUse.has(path) && isInside(root, path)) {
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      }
      writeTransaction(this.db, () =>
        this.stmt('DELETE FROM pending_removals WHERE path = ?').run(path),
      );
    }
    return removed;
  }
}

function isInside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

function groupBy<T, K, V>(items: readonly T[], key: (t: T) => K, value: (t: T) => V): Map<K, V[]> {
  const out = new Map<K, V[]>();
  for (const item of items) {
    const list = out.get(key(item));
    if (list === undefined) out.set(key(item), [value(item)]);
    else list.push(value(item));
  }
  return out;
}

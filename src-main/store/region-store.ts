/**
 * RegionStore is the typed door to the region tables: sources, selections, the catalog, local
 * resources and sync runs. Every multi-row change runs in one transaction, so a crash leaves either
 * the old or the new state. Only this folder talks SQL.
 */
import type { Database, Statement } from 'better-sqlite3';
import { UserError } from '../../src-shared/errors';
import type { BlobStore } from './blob-store';
import type {
  CatalogProduct,
  KeyringKind,
  ResourceKey,
  SelectionRecord,
  SourceRecord,
  StoredFile,
  StoredResource,
  StoredVersion,
  SyncRunStatus,
} from './types';

interface SourceRow {
  id: number;
  name: string;
  url: string;
  keyring_kind: KeyringKind;
  keyring: Buffer | null;
  fingerprints: string;
  created_at: string;
}

interface ResourceRow {
  id: number;
  kind: 'image' | 'bootloader';
  os: string;
  release: string;
  arch: string;
  subarch: string;
  kflavor: string;
  label: string;
  bootloader_type: string;
  product: string;
  source_url: string;
}

interface VersionRow {
  id: number;
  resource_id: number;
  version: string;
  unpack_dir: string | null;
  published_at: string;
  source_name: string | null;
  source_url: string | null;
}

interface FileRow {
  version_id: number;
  name: string;
  ftype: string;
  sha256: string;
  size: number;
}

/** SyncRunRow is one recorded sync run. */
export interface SyncRunRow {
  id: number;
  status: SyncRunStatus;
  pid: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

/** NewSource is what `sources add` supplies. */
export interface NewSource {
  name: string;
  url: string;
  keyringKind: KeyringKind;
  keyring: Uint8Array | null;
  fingerprints: string[];
}

/** PublishFile is one verified blob that belongs to a version being published. */
export interface PublishFile {
  name: string;
  ftype: string;
  sha256: string;
  size: number;
  /** Mirror-relative path it was fetched from (kept for provenance). */
  path: string;
}

function toSource(row: SourceRow): SourceRecord {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    keyringKind: row.keyring_kind,
    keyring: row.keyring === null ? null : new Uint8Array(row.keyring),
    fingerprints: JSON.parse(row.fingerprints) as string[],
    createdAt: row.created_at,
  };
}

/** RegionStore wraps the region tables of one database; blob paths come from `blobs`. */
export class RegionStore {
  private readonly statements = new Map<string, Statement>();

  constructor(
    readonly db: Database,
    readonly blobs: BlobStore,
  ) {}

  /** stmt prepares a statement once; publishing runs per version and preparing was its main cost. */
  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  // ---- sources ---------------------------------------------------------------------------------

  /** listSources returns sources in the order they were added (the first one wins a tie). */
  listSources(): SourceRecord[] {
    const rows = this.db.prepare('SELECT * FROM boot_sources ORDER BY id').all() as SourceRow[];
    return rows.map(toSource);
  }

  /** findSource looks a source up by numeric id or by name. */
  findSource(idOrName: string): SourceRecord | undefined {
    const row = (
      /^\d+$/.test(idOrName)
        ? this.db.prepare('SELECT * FROM boot_sources WHERE id = ?').get(Number(idOrName))
        : this.db.prepare('SELECT * FROM boot_sources WHERE name = ?').get(idOrName)
    ) as SourceRow | undefined;
    return row === undefined ? undefined : toSource(row);
  }

  addSource(source: NewSource): SourceRecord {
    const clash = this.db
      .prepare('SELECT name, url FROM boot_sources WHERE name = ? OR url = ?')
      .get(source.name, source.url) as { name: string; url: string } | undefined;
    if (clash !== undefined) {
      throw new UserError(
        clash.url === source.url
          ? `The boot source ${source.url} is already configured as "${clash.name}"; remove it first to change its keyring.`
          : `A boot source named "${source.name}" already exists; choose another name with --name.`,
        'source-exists',
      );
    }
    const info = this.db
      .prepare(
        'INSERT INTO boot_sources (name, url, keyring_kind, keyring, fingerprints) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        source.name,
        source.url,
        source.keyringKind,
        source.keyring === null ? null : Buffer.from(source.keyring),
        JSON.stringify(source.fingerprints),
      );
    const added = this.findSource(String(info.lastInsertRowid));
    if (added === undefined) throw new Error('inserted source vanished');
    return added;
  }

  /** removeSource deletes a source and its catalog; images synced from it stay. */
  removeSource(idOrName: string): SourceRecord {
    const source = this.findSource(idOrName);
    if (source === undefined) {
      throw new UserError(
        `No boot source "${idOrName}" exists; run "labboot sources list" to see ids and names.`,
        'source-not-found',
      );
    }
    this.db.prepare('DELETE FROM boot_sources WHERE id = ?').run(source.id);
    return source;
  }

  // ---- selections ------------------------------------------------------------------------------

  listSelections(): SelectionRecord[] {
    return this.db
      .prepare('SELECT id, os, release, arch FROM selections ORDER BY os, release, arch')
      .all() as SelectionRecord[];
  }

  /** addSelections inserts the ones not yet present and returns the full list. */
  addSelections(items: readonly Omit<SelectionRecord, 'id'>[]): SelectionRecord[] {
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO selections (os, release, arch) VALUES (?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const s of items) insert.run(s.os, s.release, s.arch);
    })();
    return this.listSelections();
  }

  /** replaceSelections swaps `remove` (missing ones ignored) for `add` in one transaction. */
  replaceSelections(
    remove: readonly Omit<SelectionRecord, 'id'>[],
    add: readonly Omit<SelectionRecord, 'id'>[],
  ): SelectionRecord[] {
    const del = this.db.prepare('DELETE FROM selections WHERE os = ? AND release = ? AND arch = ?');
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO selections (os, release, arch) VALUES (?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const s of remove) del.run(s.os, s.release, s.arch);
      for (const s of add) insert.run(s.os, s.release, s.arch);
    })();
    return this.listSelections();
  }

  /** removeSelections deletes matching selections; throws when one of them does not exist. */
  removeSelections(items: readonly Omit<SelectionRecord, 'id'>[]): SelectionRecord[] {
    const del = this.db.prepare('DELETE FROM selections WHERE os = ? AND release = ? AND arch = ?');
    this.db.transaction(() => {
      for (const s of items) {
        if (del.run(s.os, s.release, s.arch).changes === 0) {
          throw new UserError(
            `${s.os}/${s.release}/${s.arch} is not selected; run "labboot select list" to see the selections.`,
            'selection-not-found',
          );
        }
      }
    })();
    return this.listSelections();
  }

  // ---- catalog ---------------------------------------------------------------------------------

  /**
   * catalogRelease names the release codename the cached catalog uses for `release` (a codename
   * or a number such as 22.04) of os/arch; undefined when no fetched catalog offers it.
   */
  catalogRelease(os: string, release: string, arch: string): string | undefined {
    const rows = this.stmt(
      `SELECT DISTINCT release FROM products
       WHERE kind = 'image' AND os = ? AND arch = ? AND (release = ? OR release_version = ?)`,
    )
      .pluck()
      .all(os, arch, release, release) as string[];
    // A number shared by two codenames would be ambiguous; keep what the person wrote then.
    return rows.length === 1 ? rows[0] : undefined;
  }

  /** replaceCatalog swaps a source's cached products for freshly verified ones, atomically. */
  replaceCatalog(sourceId: number, products: readonly CatalogProduct[]): void {
    const insProduct = this.db.prepare(
      `INSERT INTO products (source_id, content_id, name, kind, os, release, release_version, arch,
         subarch, kflavor, label, bootloader_type, attrs)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insVersion = this.db.prepare(
      'INSERT INTO product_versions (product_id, version) VALUES (?, ?)',
    );
    const insItem = this.db.prepare(
      `INSERT INTO product_items (version_id, name, ftype, path, sha256, size, attrs)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM products WHERE source_id = ?').run(sourceId);
      for (const p of products) {
        const pid = insProduct.run(
          sourceId,
          p.contentId,
          p.name,
          p.kind,
          p.os,
          p.release,
          p.releaseVersion,
          p.arch,
          p.subarch,
          p.kflavor,
          p.label,
          p.bootloaderType,
          JSON.stringify(p.attrs),
        ).lastInsertRowid;
        for (const v of p.versions) {
          const vid = insVersion.run(pid, v.version).lastInsertRowid;
          for (const it of v.items) {
            insItem.run(
              vid,
              it.name,
              it.ftype,
              it.path,
              it.sha256,
              it.size,
              JSON.stringify(it.attrs),
            );
          }
        }
      }
    })();
  }

  // ---- resources -------------------------------------------------------------------------------

  /** hasVersion tells whether that version of that resource is already published. */
  hasVersion(key: ResourceKey, version: string): boolean {
    return (
      this.stmt(
        `SELECT 1 FROM resource_versions v JOIN resources r ON r.id = v.resource_id
           WHERE r.kind = ? AND r.os = ? AND r.release = ? AND r.arch = ? AND r.subarch = ?
             AND v.version = ?`,
      ).get(key.kind, key.os, key.release, key.arch, key.subarch, version) !== undefined
    );
  }

  /**
   * publishVersion makes a version visible: the resource row, the version row and all file rows
   * in one transaction. Every blob must already be stored; `extra` runs inside the same
   * transaction (manifest import).
   */
  publishVersion(
    key: ResourceKey,
    version: string,
    files: readonly PublishFile[],
    unpackDir: string | null,
    extra?: () => void,
  ): void {
    this.db.transaction(() => {
      this.stmt(
        `INSERT INTO resources (kind, os, release, arch, subarch, kflavor, label, bootloader_type,
             product, source_url)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (kind, os, release, arch, subarch) DO UPDATE SET
             kflavor = excluded.kflavor, label = excluded.label, product = excluded.product,
             source_url = excluded.source_url, bootloader_type = excluded.bootloader_type`,
      ).run(
        key.kind,
        key.os,
        key.release,
        key.arch,
        key.subarch,
        key.kflavor,
        key.label,
        key.bootloaderType,
        key.product,
        key.sourceUrl,
      );
      const { id: resourceId } = this.stmt(
        'SELECT id FROM resources WHERE kind = ? AND os = ? AND release = ? AND arch = ? AND subarch = ?',
      ).get(key.kind, key.os, key.release, key.arch, key.subarch) as { id: number };
      const vid = this.stmt(
        `INSERT INTO resource_versions (resource_id, version, unpack_dir, source_name, source_url)
           VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (resource_id, version) DO UPDATE SET unpack_dir = excluded.unpack_dir,
             source_name = excluded.source_name, source_url = excluded.source_url
           RETURNING id`,
      ).get(resourceId, version, unpackDir, key.sourceName, key.sourceUrl) as { id: number };
      this.stmt('DELETE FROM resource_files WHERE version_id = ?').run(vid.id);
      const ins = this.stmt(
        'INSERT INTO resource_files (version_id, name, ftype, sha256, size, path) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const f of files) ins.run(vid.id, f.name, f.ftype, f.sha256, f.size, f.path);
      extra?.();
    })();
  }

  /** listResources returns every local resource with its versions, newest version first. */
  listResources(kind?: 'image' | 'bootloader'): StoredResource[] {
    const resources = (
      kind === undefined
        ? this.db
            .prepare('SELECT * FROM resources ORDER BY kind DESC, os, release, arch, subarch')
            .all()
        : this.db
            .prepare('SELECT * FROM resources WHERE kind = ? ORDER BY os, release, arch, subarch')
            .all(kind)
    ) as ResourceRow[];
    const versions = this.db
      .prepare('SELECT * FROM resource_versions ORDER BY version DESC')
      .all() as VersionRow[];
    const files = this.db
      .prepare('SELECT version_id, name, ftype, sha256, size FROM resource_files ORDER BY name')
      .all() as FileRow[];
    const filesByVersion = new Map<number, StoredFile[]>();
    for (const f of files) {
      const list = filesByVersion.get(f.version_id) ?? [];
      list.push({
        name: f.name,
        ftype: f.ftype,
        sha256: f.sha256,
        size: f.size,
        path: this.blobs.pathFor(f.sha256),
      });
      filesByVersion.set(f.version_id, list);
    }
    const versionsByResource = new Map<number, StoredVersion[]>();
    for (const v of versions) {
      const list = versionsByResource.get(v.resource_id) ?? [];
      list.push({
        id: v.id,
        version: v.version,
        publishedAt: v.published_at,
        unpackDir: v.unpack_dir,
        source: { name: v.source_name, url: v.source_url },
        files: filesByVersion.get(v.id) ?? [],
      });
      versionsByResource.set(v.resource_id, list);
    }
    return resources
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        os: r.os,
        release: r.release,
        arch: r.arch,
        subarch: r.subarch,
        kflavor: r.kflavor,
        label: r.label,
        bootloaderType: r.bootloader_type,
        product: r.product,
        sourceUrl: r.source_url,
        sourceName: versionsByResource.get(r.id)?.[0]?.source.name ?? '',
        versions: versionsByResource.get(r.id) ?? [],
      }))
      .filter((r) => r.versions.length > 0);
  }

  /**
   * pruneVersions keeps the newest `keep` versions of every resource and deletes the rest (and
   * resources of images no longer selected when `selected` is given). Returns the unpack folders
   * of deleted bootloader versions so the caller can remove them.
   */
  pruneVersions(keep: number, isSelected?: (r: ResourceKey) => boolean): string[] {
    const dirs: string[] = [];
    this.db.transaction(() => {
      for (const r of this.listResources()) {
        const drop =
          r.kind === 'image' && isSelected !== undefined && !isSelected(r)
            ? r.versions
            : r.versions.slice(keep);
        for (const v of drop) {
          if (v.unpackDir !== null) dirs.push(v.unpackDir);
          this.db.prepare('DELETE FROM resource_versions WHERE id = ?').run(v.id);
        }
        if (drop.length === r.versions.length) {
          this.db.prepare('DELETE FROM resources WHERE id = ?').run(r.id);
        }
      }
      // Manifests no stored file refers to any more.
      this.db
        .prepare(
          `DELETE FROM manifests WHERE sha256 NOT IN
             (SELECT sha256 FROM resource_files WHERE ftype = 'manifest')`,
        )
        .run();
    })();
    return dirs;
  }

  /** referencedBlobs is every sha256 a stored version still needs. */
  referencedBlobs(): Set<string> {
    const rows = this.db.prepare('SELECT DISTINCT sha256 FROM resource_files').all() as {
      sha256: string;
    }[];
    return new Set(rows.map((r) => r.sha256));
  }

  /** unpackDirs is every bootloader folder a stored version still uses. */
  unpackDirs(): Set<string> {
    const rows = this.db
      .prepare('SELECT unpack_dir FROM resource_versions WHERE unpack_dir IS NOT NULL')
      .all() as { unpack_dir: string }[];
    return new Set(rows.map((r) => r.unpack_dir));
  }

  // ---- sync runs -------------------------------------------------------------------------------

  /** startRun records a new run; earlier 'running' rows whose process is gone become 'interrupted'. */
  startRun(pid: number, isAlive: (pid: number) => boolean): number {
    return this.db.transaction(() => {
      const running = this.db
        .prepare("SELECT id, pid FROM sync_runs WHERE status = 'running'")
        .all() as { id: number; pid: number }[];
      for (const r of running) {
        if (!isAlive(r.pid) || r.pid === pid) {
          this.db
            .prepare(
              `UPDATE sync_runs SET status = 'interrupted',
                 finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`,
            )
            .run(r.id);
        }
      }
      return Number(
        this.db.prepare("INSERT INTO sync_runs (status, pid) VALUES ('running', ?)").run(pid)
          .lastInsertRowid,
      );
    })();
  }

  finishRun(id: number, status: Exclude<SyncRunStatus, 'running'>, error?: string): void {
    this.db
      .prepare(
        `UPDATE sync_runs SET status = ?, error = ?,
           finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?`,
      )
      .run(status, error ?? null, id);
  }

  addRunEvent(runId: number, event: string, payload: unknown): void {
    this.db
      .prepare('INSERT INTO sync_events (run_id, event, payload) VALUES (?, ?, ?)')
      .run(runId, event, JSON.stringify(payload));
  }

  /** listRuns returns the most recent runs first. */
  listRuns(limit = 20): SyncRunRow[] {
    return this.db
      .prepare(
        `SELECT id, status, pid, started_at AS startedAt, finished_at AS finishedAt, error
         FROM sync_runs ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as SyncRunRow[];
  }
}

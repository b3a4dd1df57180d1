/**
 * ManifestStore keeps parsed squashfs manifests (one row per package) and answers show, search
 * and diff offline. A manifest is stored once per sha256 and linked to image versions through the
 * `resource_files` row of ftype `manifest`, so kernels sharing one squashfs share its manifest.
 *
 * Speed (test/bench/manifest-search.ts, migration 102): statements are prepared once per store;
 * package name ids are cached and refreshed incrementally (ids only grow, names are never
 * deleted); rows go in sorted by primary key so the insert only appends; search seeks the
 * primary key (manifest, name) per stored manifest × matching name; show and diff read the
 * manifest's packed `packages` text (sorted `name[:arch]<TAB>version` lines), one value per
 * manifest, and diff merges two sorted lists without a sort of its own.
 */
import type { Database, Statement } from 'better-sqlite3';
import { writeTransaction } from './write-transaction';
import { UserError } from '../../src-shared/errors';
import type { ManifestDiff } from '../../src-shared/manifest/diff';
import { qualifiedName, type ManifestEntry } from '../../src-shared/manifest/parse';

/** ManifestHit is one package found by search (cli.md `manifest search --json` shape). */
export interface ManifestHit {
  image: string;
  version: string;
  package: string;
  pkgVersion: string;
}

/** ImageVersionRef names one stored image version and its manifest digest. */
export interface ImageVersionRef {
  image: string;
  version: string;
  manifestSha256: string;
}

/** A package row in primary-key order: [nameId, arch, version]. */
type PackageRow = [number, string, string];

/** packManifest renders entries as sorted `name[:arch]<TAB>version` lines (the `packages` column). */
export function packManifest(entries: readonly ManifestEntry[]): string {
  return entries
    .map((e) => `${qualifiedName(e)}\t${e.version}`)
    .sort()
    .join('\n');
}

/** unpackEntries parses packed text back into entries, by name then arch when `sorted`. */
function unpackEntries(packed: string, sorted: boolean): ManifestEntry[] {
  const out = unpackLines(packed).map((line) => {
    const tab = line.indexOf('\t');
    const qualified = line.slice(0, tab);
    // Package names never contain ':', so the first one starts the arch qualifier.
    const colon = qualified.indexOf(':');
    return {
      name: colon < 0 ? qualified : qualified.slice(0, colon),
      arch: colon < 0 ? '' : qualified.slice(colon + 1),
      version: line.slice(tab + 1),
    };
  });
  if (!sorted) return out;
  return out.sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0,
  );
}

/** unpackLines splits packed text into lines; the empty manifest has none. */
function unpackLines(packed: string): string[] {
  return packed === '' ? [] : packed.split('\n');
}

const sql = {
  manifestId: 'SELECT id FROM manifests WHERE sha256 = ?',
  packed: 'SELECT packages FROM manifests WHERE sha256 = ?',
  insertManifest: 'INSERT INTO manifests (sha256, package_count, packages) VALUES (?, ?, ?)',
  namesAfter: 'SELECT id, name FROM package_names WHERE id > ? ORDER BY id',
  namesStored: `SELECT count(*) FROM json_each(?) j
                JOIN package_names n ON n.id = j.value ->> 0 AND n.name = j.value ->> 1`,
  insertNames: `INSERT INTO package_names (name) SELECT value FROM json_each(?)
                RETURNING id, name`,
  // One statement for all rows: a single call into SQLite instead of 1,500.
  insertPackages: `INSERT INTO manifest_packages (manifest_id, name_id, arch, version)
                   SELECT ?, value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)`,
  // The packed text joins after LIMIT 1, so the sort never carries it.
  resolve: `SELECT x.version AS version, x.sha256 AS sha256, m.packages AS packages
            FROM (SELECT v.version AS version, f.sha256 AS sha256 FROM resources r
                  JOIN resource_versions v ON v.resource_id = r.id
                  JOIN resource_files f ON f.version_id = v.id AND f.ftype = 'manifest'
                  JOIN manifests m ON m.sha256 = f.sha256
                  WHERE r.kind = 'image' AND r.os = ? AND r.release = ? AND r.arch = ?
                    AND (? IS NULL OR r.subarch = ?) AND (? IS NULL OR v.version = ?)
                  ORDER BY v.version DESC LIMIT 1) x
            JOIN manifests m ON m.sha256 = x.sha256`,
  // Matching names are few and stored manifests are few: one primary-key seek per pair.
  search: `WITH hit AS MATERIALIZED (
               SELECT id, name FROM package_names WHERE name LIKE ? ESCAPE '\\'),
             stored AS MATERIALIZED (
               SELECT DISTINCT m.id AS mid, r.os || '/' || r.release || '/' || r.arch AS image,
                      v.version AS version
               FROM resource_files f
               JOIN manifests m ON m.sha256 = f.sha256
               JOIN resource_versions v ON v.id = f.version_id
               JOIN resources r ON r.id = v.resource_id
               WHERE f.ftype = 'manifest')
           SELECT DISTINCT s.image AS image, s.version AS version, hit.name AS name,
                  mp.arch AS arch, mp.version AS pkgVersion
           FROM hit CROSS JOIN stored s
           CROSS JOIN manifest_packages mp ON mp.manifest_id = s.mid AND mp.name_id = hit.id
           ORDER BY hit.name, mp.arch, s.image, s.version DESC
           LIMIT ?`,
} as const;

/** ManifestStore reads and writes the manifest tables. */
export class ManifestStore {
  private readonly statements = new Map<string, Statement>();
  private idByName = new Map<string, number>();
  private maxNameId = 0;
  /** Names this store inserted inside a caller's transaction, which may still have rolled back. */
  private unconfirmed: [number, string][] = [];

  constructor(private readonly db: Database) {}

  private stmt(text: string): Statement {
    let s = this.statements.get(text);
    if (s === undefined) {
      s = this.db.prepare(text);
      this.statements.set(text, s);
    }
    return s;
  }

  /** loadNewNames reads only names added since the last read (by this or another process). */
  private loadNewNames(): void {
    const rows = this.stmt(sql.namesAfter).raw().all(this.maxNameId) as [number, string][];
    for (const [id, name] of rows) {
      this.idByName.set(name, id);
      this.maxNameId = id;
    }
  }

  private forgetNames(): void {
    this.idByName = new Map();
    this.maxNameId = 0;
    this.unconfirmed = [];
  }

  /** confirmNames drops the cache when a caller's transaction rolled our new names back. */
  private confirmNames(): void {
    if (this.unconfirmed.length === 0) return;
    const stored = this.stmt(sql.namesStored)
      .pluck()
      .get(JSON.stringify(this.unconfirmed)) as number;
    if (stored === this.unconfirmed.length) this.unconfirmed = [];
    else this.forgetNames();
  }

  /** importManifest stores a parsed manifest under its digest; a second import is a no-op. */
  importManifest(sha256: string, entries: readonly ManifestEntry[]): void {
    if (this.stmt(sql.manifestId).get(sha256) !== undefined) return;
    const insPkgs = this.stmt(sql.insertPackages);
    // Inside a caller's transaction (publishVersion) our commit is not the final word.
    const nested = this.db.inTransaction;
    const added: [number, string][] = [];
    try {
      writeTransaction(this.db, () => {
        const mid = this.stmt(sql.insertManifest).run(
          sha256,
          entries.length,
          packManifest(entries),
        ).lastInsertRowid;
        // We hold the write lock now, so names another process added are visible and final.
        this.confirmNames();
        this.loadNewNames();
        const fresh = [...new Set(entries.map((e) => e.name))].filter((n) => !this.idByName.has(n));
        if (fresh.length > 0) {
          // All new names in one statement: a fresh store meets ~1,500 of them at once.
          const made = this.stmt(sql.insertNames).raw().all(JSON.stringify(fresh)) as [
            number,
            string,
          ][];
          for (const [id, name] of made) {
            this.idByName.set(name, id);
            this.maxNameId = Math.max(this.maxNameId, id);
            added.push([id, name]);
          }
        }
        const rows = entries.map((e): PackageRow => {
          const id = this.idByName.get(e.name);
          if (id === undefined) throw new Error(`package name ${e.name} has no id`);
          return [id, e.arch, e.version];
        });
        // Primary-key order makes every insert an append to the B-tree.
        rows.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
        insPkgs.run(mid, JSON.stringify(rows));
      });
      if (nested) this.unconfirmed.push(...added);
    } catch (error) {
      // The transaction rolled back: name ids handed out inside it may be reused; reload later.
      this.forgetNames();
      throw error;
    }
  }

  /** entries returns the packages of one manifest, sorted by name then arch unless `sorted` is false. */
  entries(sha256: string, sorted = true): ManifestEntry[] {
    const packed = this.stmt(sql.packed).pluck().get(sha256) as string | undefined;
    return unpackEntries(packed ?? '', sorted);
  }

  /**
   * resolve finds the manifest of `os/release/arch[/subarch][@version]` (newest stored version when
   * none is given). Kernels of one release share a squashfs, so the subarch only narrows the search.
   */
  resolve(spec: string): ImageVersionRef {
    const r = this.resolveWithPackages(spec);
    return { image: r.image, version: r.version, manifestSha256: r.manifestSha256 };
  }

  /** resolveWithPackages also returns the packed manifest, saving show and diff a query. */
  private resolveWithPackages(spec: string): ImageVersionRef & { packages: string } {
    const at = spec.lastIndexOf('@');
    const image = at < 0 ? spec : spec.slice(0, at);
    const version = at < 0 ? undefined : spec.slice(at + 1);
    const parts = image.split('/');
    const [os, release, arch, subarch] = parts;
    if (parts.length < 3 || parts.length > 4 || !os || !release || !arch || version === '') {
      throw new UserError(
        `"${spec}" is not an image; write OS/RELEASE/ARCH[/SUBARCH][@VERSION], e.g. ubuntu/jammy/amd64@20250701.`,
        'bad-image-spec',
      );
    }
    const row = this.stmt(sql.resolve).get(
      os,
      release,
      arch,
      subarch ?? null,
      subarch ?? null,
      version ?? null,
      version ?? null,
    ) as { version: string; sha256: string; packages: string } | undefined;
    if (row === undefined) {
      throw new UserError(
        `No stored manifest for ${spec}; run "labboot images" to see stored images and versions.`,
        'manifest-not-found',
      );
    }
    return {
      image: `${os}/${release}/${arch}`,
      version: row.version,
      manifestSha256: row.sha256,
      packages: row.packages,
    };
  }

  /** show returns the packages of an image version. */
  show(spec: string): { ref: ImageVersionRef; entries: ManifestEntry[] } {
    const r = this.resolveWithPackages(spec);
    const ref = { image: r.image, version: r.version, manifestSha256: r.manifestSha256 };
    return { ref, entries: unpackEntries(r.packages, true) };
  }

  /** search finds packages whose name contains `term` (case-insensitive), across stored images. */
  search(term: string, limit = 10_000): ManifestHit[] {
    if (term.trim() === '') {
      throw new UserError(
        'The search term is empty; give part of a package name, e.g. openssl.',
        'bad-term',
      );
    }
    const like = `%${term.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = this.stmt(sql.search).all(like, limit) as {
      image: string;
      version: string;
      name: string;
      arch: string;
      pkgVersion: string;
    }[];
    return rows.map((r) => ({
      image: r.image,
      version: r.version,
      package: qualifiedName(r),
      pkgVersion: r.pkgVersion,
    }));
  }

  /**
   * diff compares the manifests of two image versions (a = old, b = new) by merging their packed
   * lines, which are sorted by qualified name: the result comes out sorted, as `diffManifests`
   * in src-shared sorts it (test/unit/store/manifest-store.test.ts checks they agree).
   */
  diff(a: string, b: string): ManifestDiff {
    const la = unpackLines(this.resolveWithPackages(a).packages);
    const lb = unpackLines(this.resolveWithPackages(b).packages);
    const diff: ManifestDiff = { added: [], removed: [], changed: [] };
    let i = 0;
    let j = 0;
    while (i < la.length || j < lb.length) {
      const x = la[i];
      const y = lb[j];
      const tx = x === undefined ? -1 : x.indexOf('\t');
      const ty = y === undefined ? -1 : y.indexOf('\t');
      const kx = x?.slice(0, tx);
      const ky = y?.slice(0, ty);
      if (x !== undefined && kx !== undefined && (ky === undefined || kx < ky)) {
        diff.removed.push({ package: kx, pkgVersion: x.slice(tx + 1) });
        i++;
      } else if (y !== undefined && ky !== undefined && (kx === undefined || ky < kx)) {
        diff.added.push({ package: ky, pkgVersion: y.slice(ty + 1) });
        j++;
      } else if (x !== undefined && y !== undefined && kx !== undefined) {
        const from = x.slice(tx + 1);
        const to = y.slice(ty + 1);
        if (from !== to) diff.changed.push({ package: kx, from, to });
        i++;
        j++;
      }
    }
    return diff;
  }
}

/**
 * ManifestStore keeps parsed squashfs manifests (one row per package) and answers show, search
 * and diff offline. A manifest is stored once per sha256 and linked to image versions through the
 * `resource_files` row of ftype `manifest`, so kernels sharing one squashfs share its manifest.
 */
import type { Database } from 'better-sqlite3';
import { UserError } from '../../src-shared/errors';
import { diffManifests, type ManifestDiff } from '../../src-shared/manifest/diff';
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

/** ManifestStore reads and writes the manifest tables. */
export class ManifestStore {
  private names: Map<string, number> | undefined;
  private namesById: Map<number, string> | undefined;

  constructor(private readonly db: Database) {}

  /** importManifest stores a parsed manifest under its digest; a second import is a no-op. */
  importManifest(sha256: string, entries: readonly ManifestEntry[]): void {
    const existing = this.db.prepare('SELECT id FROM manifests WHERE sha256 = ?').get(sha256);
    if (existing !== undefined) return;
    const names = this.nameIds();
    const insName = this.db.prepare('INSERT INTO package_names (name) VALUES (?) RETURNING id');
    // One statement for all rows (json_each) instead of one round trip per package.
    const insPkgs = this.db.prepare(
      `INSERT INTO manifest_packages (manifest_id, name_id, arch, version)
       SELECT ?, value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)`,
    );
    const added: string[] = [];
    try {
      this.db.transaction(() => {
        const mid = this.db
          .prepare('INSERT INTO manifests (sha256, package_count) VALUES (?, ?)')
          .run(sha256, entries.length).lastInsertRowid;
        const rows: [number, string, string][] = [];
        for (const e of entries) {
          let id = names.get(e.name);
          if (id === undefined) {
            id = (insName.get(e.name) as { id: number }).id;
            names.set(e.name, id);
            added.push(e.name);
          }
          rows.push([id, e.arch, e.version]);
        }
        insPkgs.run(mid, JSON.stringify(rows));
      })();
    } catch (error) {
      // The transaction rolled back: forget ids that were never committed.
      for (const n of added) names.delete(n);
      throw error;
    }
  }

  /** nameIds caches package name → id; names are never deleted, so the cache stays valid. */
  private nameIds(): Map<string, number> {
    if (this.names === undefined) {
      const rows = this.db.prepare('SELECT id, name FROM package_names').all() as {
        id: number;
        name: string;
      }[];
      this.names = new Map(rows.map((r) => [r.name, r.id]));
    }
    return this.names;
  }

  /** entries returns the packages of one manifest, sorted by name unless `sorted` is false. */
  entries(sha256: string, sorted = true): ManifestEntry[] {
    // Read by primary key, then name the ids from the cache: no join, no SQL sort.
    const rows = this.db
      .prepare(
        `SELECT mp.name_id AS nameId, mp.arch AS arch, mp.version AS version
         FROM manifests m JOIN manifest_packages mp ON mp.manifest_id = m.id WHERE m.sha256 = ?`,
      )
      .all(sha256) as { nameId: number; arch: string; version: string }[];
    let byId = this.namesById;
    if (byId === undefined || rows.some((r) => !byId?.has(r.nameId))) {
      byId = new Map([...this.refreshNames()].map(([n, id]) => [id, n]));
      this.namesById = byId;
    }
    const out = rows.map((r) => ({
      name: byId.get(r.nameId) ?? '',
      arch: r.arch,
      version: r.version,
    }));
    if (!sorted) return out;
    return out.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.arch < b.arch ? -1 : a.arch > b.arch ? 1 : 0,
    );
  }

  private refreshNames(): Map<string, number> {
    this.names = undefined;
    return this.nameIds();
  }

  /**
   * resolve finds the manifest of `os/release/arch[/subarch][@version]` (newest stored version when
   * none is given). Kernels of one release share a squashfs, so the subarch only narrows the search.
   */
  resolve(spec: string): ImageVersionRef {
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
    const row = this.db
      .prepare(
        `SELECT v.version, f.sha256 FROM resources r
         JOIN resource_versions v ON v.resource_id = r.id
         JOIN resource_files f ON f.version_id = v.id AND f.ftype = 'manifest'
         WHERE r.kind = 'image' AND r.os = ? AND r.release = ? AND r.arch = ?
           AND (? IS NULL OR r.subarch = ?) AND (? IS NULL OR v.version = ?)
         ORDER BY v.version DESC LIMIT 1`,
      )
      .get(
        os,
        release,
        arch,
        subarch ?? null,
        subarch ?? null,
        version ?? null,
        version ?? null,
      ) as { version: string; sha256: string } | undefined;
    if (row === undefined) {
      throw new UserError(
        `No stored manifest for ${spec}; run "labboot images" to see stored images and versions.`,
        'manifest-not-found',
      );
    }
    return { image: `${os}/${release}/${arch}`, version: row.version, manifestSha256: row.sha256 };
  }

  /** show returns the packages of an image version. */
  show(spec: string): { ref: ImageVersionRef; entries: ManifestEntry[] } {
    const ref = this.resolve(spec);
    return { ref, entries: this.entries(ref.manifestSha256) };
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
    const rows = this.db
      .prepare(
        `SELECT DISTINCT r.os || '/' || r.release || '/' || r.arch AS image, v.version AS version,
                n.name AS name, mp.arch AS arch, mp.version AS pkgVersion
         FROM package_names n
         CROSS JOIN manifest_packages mp ON mp.name_id = n.id
         CROSS JOIN manifests m ON m.id = mp.manifest_id
         JOIN resource_files f ON f.sha256 = m.sha256 AND f.ftype = 'manifest'
         JOIN resource_versions v ON v.id = f.version_id
         JOIN resources r ON r.id = v.resource_id
         WHERE n.name LIKE ? ESCAPE '\\'
         ORDER BY n.name, mp.arch, image, v.version DESC
         LIMIT ?`,
      )
      .all(like, limit) as {
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

  /** diff compares the manifests of two image versions (a = old, b = new). */
  diff(a: string, b: string): ManifestDiff {
    // diffManifests sorts its own output, so the inputs need no sorting.
    const ea = this.entries(this.resolve(a).manifestSha256, false);
    const eb = this.entries(this.resolve(b).manifestSha256, false);
    return diffManifests(ea, eb);
  }
}

/** CatalogueStore caches what each source offers (`products` → `product_versions` → `product_items`). */
import type { Database } from 'better-sqlite3';
import { statementCache } from './statement-cache';
import type { CatalogProduct } from './types';
import { writeTransaction } from './write-transaction';

/** CatalogueStore reads and replaces the cached catalogue. */
export class CatalogueStore {
  private readonly stmt;

  constructor(private readonly db: Database) {
    this.stmt = statementCache(db);
  }

  /**
   * releaseCodename names the release codename the cached catalogue uses for `release` (a codename
   * or a number such as 22.04) of os/arch; undefined when no fetched catalogue offers it.
   */
  releaseCodename(os: string, release: string, arch: string): string | undefined {
    const rows = this.stmt(
      `SELECT DISTINCT release FROM products
       WHERE kind = 'image' AND os = ? AND arch = ? AND (release = ? OR release_version = ?)`,
    )
      .pluck()
      .all(os, arch, release, release) as string[];
    // A number shared by two codenames would be ambiguous; keep what the person wrote then.
    return rows.length === 1 ? rows[0] : undefined;
  }

  /** replace swaps a source's cached products for freshly verified ones, atomically. */
  replace(sourceId: number, products: readonly CatalogProduct[]): void {
    const insProduct = this.stmt(
      `INSERT INTO products (source_id, content_id, name, kind, os, release, release_version, arch,
         subarch, kflavor, label, bootloader_type, attrs)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insVersion = this.stmt(
      'INSERT INTO product_versions (product_id, version) VALUES (?, ?)',
    );
    const insItem = this.stmt(
      `INSERT INTO product_items (version_id, name, ftype, path, sha256, size, attrs)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    writeTransaction(this.db, () => {
      this.stmt('DELETE FROM products WHERE source_id = ?').run(sourceId);
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
    });
  }
}

/**
 * CustomImageStore keeps the rows of uploaded disk images (`custom/NAME`, table `custom_images`);
 * the files themselves are blobs in the content-addressed blob store.
 */
import type { Database } from './database';
import { writeTransaction } from './write-transaction';
import type { ImageArch, ImageFirmware, ImageKind } from '../../src-shared/deploy/image-kinds';

/** One stored custom image. `createdAt` is epoch milliseconds. */
export interface CustomImage {
  /** Without the `custom/` prefix. */
  readonly name: string;
  readonly kind: ImageKind;
  readonly arch: ImageArch;
  readonly firmware: ImageFirmware;
  /** sha256 of the stored file (compressed, as uploaded). */
  readonly sha256: string;
  /** Size of the stored file. */
  readonly size: number;
  /** Size of the disk image once decompressed (and taken out of its archive). */
  readonly diskBytes: number;
  readonly createdAt: number;
}

interface Row {
  name: string;
  kind: string;
  arch: string;
  firmware: string;
  sha256: string;
  size: number;
  disk_bytes: number;
  created_at: number;
}

const toImage = (r: Row): CustomImage => ({
  name: r.name,
  kind: r.kind as ImageKind,
  arch: r.arch as ImageArch,
  firmware: r.firmware as ImageFirmware,
  sha256: r.sha256,
  size: r.size,
  diskBytes: r.disk_bytes,
  createdAt: r.created_at,
});

/** CustomImageStore reads and writes `custom_images`. */
export class CustomImageStore {
  constructor(private readonly db: Database) {}

  list(): CustomImage[] {
    return (this.db.prepare('SELECT * FROM custom_images ORDER BY name').all() as Row[]).map(
      toImage,
    );
  }

  get(name: string): CustomImage | undefined {
    const row = this.db.prepare('SELECT * FROM custom_images WHERE name = ?').get(name) as
      | Row
      | undefined;
    return row === undefined ? undefined : toImage(row);
  }

  /** add inserts the row; false when the name is taken. Durable: the blob is trusted from now on. */
  add(image: CustomImage): boolean {
    return writeTransaction(
      this.db,
      () =>
        this.db
          .prepare(
            `INSERT OR IGNORE INTO custom_images
               (name, kind, arch, firmware, sha256, size, disk_bytes, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            image.name,
            image.kind,
            image.arch,
            image.firmware,
            image.sha256,
            image.size,
            image.diskBytes,
            image.createdAt,
          ).changes === 1,
      'full',
    );
  }

  /**
   * remove deletes the row unless `inUse` (checked inside the same transaction) says a deploy
   * needs it; returns the removed image, or the reason it was kept.
   */
  remove(
    name: string,
    inUse: () => string | undefined,
  ): { removed: CustomImage } | { kept: 'missing' | string } {
    return writeTransaction(
      this.db,
      () => {
        const image = this.get(name);
        if (image === undefined) return { kept: 'missing' };
        const user = inUse();
        if (user !== undefined) return { kept: user };
        this.db.prepare('DELETE FROM custom_images WHERE name = ?').run(name);
        return { removed: image };
      },
      'full',
    );
  }

  /** isReferenced tells whether any row still names this blob. */
  isReferenced(sha256: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM custom_images WHERE sha256 = ? LIMIT 1').get(sha256) !==
      undefined
    );
  }
}

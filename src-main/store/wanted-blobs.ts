import type { Database } from './database';

/**
 * wantedBlobs is every sha256 the store may still need: files of stored versions, and files the
 * fetched catalogues offer (a partial download of one of those is resumed by the next sync), and
 * uploaded custom images.
 */
export function wantedBlobs(db: Database): Set<string> {
  return new Set(
    db
      .prepare(
        `SELECT sha256 FROM resource_files UNION SELECT sha256 FROM product_items
         UNION SELECT sha256 FROM custom_images`,
      )
      .pluck()
      .all() as string[],
  );
}

/**
 * What a killed process leaves behind, removed when LabBoot starts: bootloader unpack folders
 * (`<version>.tmp-<pid>`) of processes that are gone, and partial downloads no stored version and
 * no fetched catalogue wants. A partial file is only removed once it has not been written for an
 * hour, so a download another process has just started is never pulled from under it.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../store/blob-store';
import { removeStaleUnpackFolders } from '../sync/stale-temp';

/** A partial file untouched this long is no download in progress. */
export const PARTIAL_IDLE_MS = 3_600_000;

/** StartupCleanupResult lists what was removed. */
export interface StartupCleanupResult {
  unpackFolders: string[];
  partials: string[];
}

/** removeOrphanTemp deletes stale unpack folders and orphan partial downloads; see above. */
export async function removeOrphanTemp(
  dataDir: string,
  blobs: BlobStore,
  wanted: () => ReadonlySet<string>,
  now: () => number = Date.now,
): Promise<StartupCleanupResult> {
  const unpackFolders = await removeStaleUnpackFolders(dataDir);
  const partials: string[] = [];
  const names = await readdir(blobs.partialDir).catch(() => [] as string[]);
  if (names.length > 0) {
    const keep = wanted();
    for (const name of names) {
      if (keep.has(name)) continue;
      const path = join(blobs.partialDir, name);
      const s = await stat(path).catch(() => undefined);
      if (s === undefined || now() - s.mtimeMs < PARTIAL_IDLE_MS) continue;
      await rm(path, { recursive: true, force: true });
      partials.push(path);
    }
  }
  return { unpackFolders, partials };
}

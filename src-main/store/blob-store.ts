/**
 * BlobStore keeps large files outside SQLite, named by content: `blobs/sha256/ab/abcd…`.
 *
 * A file is written under `blobs/partial/<sha256>` (kept across crashes so a download can resume
 * from its on-disk size), verified, fsynced, then renamed into place and the folder fsynced. So a
 * blob at its final name is always complete and correct; a crash leaves at most a partial file.
 */
import { closeSync, fsyncSync, openSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const sha256Pattern = /^[0-9a-f]{64}$/;

/** isSha256 tells whether a string is a lowercase hex sha256 digest. */
export function isSha256(value: string): boolean {
  return sha256Pattern.test(value);
}

/** BlobStore owns `<dataDir>/blobs`. */
export class BlobStore {
  readonly root: string;
  readonly partialDir: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'blobs', 'sha256');
    this.partialDir = join(dataDir, 'blobs', 'partial');
  }

  /** pathFor is the final path of a blob (whether or not it exists yet). */
  pathFor(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  /** partialPathFor is where a download of that blob accumulates until verified. */
  partialPathFor(sha256: string): string {
    if (!isSha256(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
    return join(this.partialDir, sha256);
  }

  /** has tells whether the blob is stored with the expected size. */
  async has(sha256: string, size: number): Promise<boolean> {
    try {
      const s = await stat(this.pathFor(sha256));
      return s.isFile() && s.size === size;
    } catch {
      return false;
    }
  }

  /** hasSync is `has` for synchronous callers (sync planning checks every file of a version). */
  hasSync(sha256: string, size: number): boolean {
    try {
      const s = statSync(this.pathFor(sha256));
      return s.isFile() && s.size === size;
    } catch {
      return false;
    }
  }

  /** partialSize is how many bytes of that blob are already on disk (0 when none). */
  async partialSize(sha256: string): Promise<number> {
    try {
      return (await stat(this.partialPathFor(sha256))).size;
    } catch {
      return 0;
    }
  }

  async ensureDirs(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await mkdir(this.partialDir, { recursive: true });
  }

  /**
   * publish moves a verified partial file to its final name. The caller has checked size and
   * sha256 and fsynced the file; this renames and fsyncs the folder so the name survives a crash.
   */
  async publish(sha256: string): Promise<string> {
    const dest = this.pathFor(sha256);
    const dir = join(this.root, sha256.slice(0, 2));
    await mkdir(dir, { recursive: true });
    await rename(this.partialPathFor(sha256), dest);
    fsyncDir(dir);
    return dest;
  }

  /** discardPartial drops a partial download (after a checksum mismatch, for instance). */
  async discardPartial(sha256: string): Promise<void> {
    await rm(this.partialPathFor(sha256), { force: true });
  }

  /** list yields every stored blob digest. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    let prefixes: string[];
    try {
      prefixes = await readdir(this.root);
    } catch {
      return out;
    }
    for (const prefix of prefixes) {
      for (const name of await readdir(join(this.root, prefix)).catch(() => [] as string[])) {
        if (isSha256(name)) out.push(name);
      }
    }
    return out;
  }

  /**
   * collect deletes every blob and partial not in `keep`; returns the digests removed. Partial files
   * of blobs still wanted are kept so a later sync can resume them.
   */
  async collect(keep: ReadonlySet<string>): Promise<string[]> {
    const removed: string[] = [];
    for (const sha of await this.list()) {
      if (keep.has(sha)) continue;
      await rm(this.pathFor(sha), { force: true });
      removed.push(sha);
    }
    for (const name of await readdir(this.partialDir).catch(() => [] as string[])) {
      if (!keep.has(name)) await rm(join(this.partialDir, name), { force: true });
    }
    return removed;
  }
}

/** fsyncDir makes a rename inside `dir` durable (a no-op where folders cannot be opened). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open folders; NTFS journals the rename itself.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

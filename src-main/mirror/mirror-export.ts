/**
 * exportTree writes a mirror tree into a folder (a USB drive): every file goes to a temporary
 * name beside its final one, is synced, read back and checked against its sha256, and only then
 * renamed into place, so a file at its final name is always whole. A second run keeps every file
 * that is already there with the right digest and copies only what is missing or wrong. Metadata
 * is written last, so an interrupted export never has an index that lists files not yet written.
 * Nothing outside the folder is touched.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { UserError } from '../../src-shared/errors';
import type { MirrorExportEvent } from '../../src-shared/contract/mirror';
import { fsyncDir, type BlobStore } from '../store/blob-store';
import { isSafeMirrorPath } from '../sync/streams';
import type { StreamTree, TreeEntry } from './mirror-tree';

/** ExportOptions wire one export. */
export interface ExportOptions {
  blobs: BlobStore;
  onEvent: (e: MirrorExportEvent) => void;
  signal?: AbortSignal;
  /** Free bytes in a folder (tests override it to reach the disk-full path mid-copy). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Minimum interval between progress events. */
  progressIntervalMs?: number;
}

/** ExportSummary is what a finished export reports. */
export interface ExportSummary {
  dir: string;
  files: number;
  copied: number;
  kept: number;
  bytes: number;
  seconds: number;
}

const tempSuffix = '.labboot-partial';

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

async function freeBytesOf(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

async function sha256Of(path: string, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return hash.digest('hex');
}

function sizeOf(e: TreeEntry): number {
  return e.kind === 'blob' ? e.size : e.bytes.length;
}

/** Blobs first, then product files, then the index: the index names files already written. */
function writeOrder(path: string): number {
  if (!path.startsWith('streams/')) return 0;
  return /\/index\.s?json$/.test(path) ? 2 : 1;
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** exportError turns a file-system failure into one sentence for the person. */
function exportError(error: unknown, dir: string, path: string, missingBytes: number): unknown {
  switch (code(error)) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new UserError(
        `The export folder ${dir} ran out of space while writing ${path} (about ${mb(missingBytes)} more are needed); free some space or choose a larger drive, then export again: files already written are whole and are kept.`,
        'disk-full',
      );
    case 'EROFS':
      return new UserError(
        `Cannot export to ${dir}: it is on a read-only file system; mount the drive writable or choose another folder.`,
        'export-read-only',
      );
    case 'EACCES':
    case 'EPERM':
      return new UserError(
        `Cannot export to ${dir}: permission denied writing ${path}; choose a folder you can write to.`,
        'export-denied',
      );
    case 'EINVAL':
      return path.includes(':')
        ? new UserError(
            `Cannot export to ${dir}: its file system does not allow ":" in file names, which simplestreams product files use (${path}); format the drive with ext4 (or another Linux file system) and export again.`,
            'export-names',
          )
        : error;
    default:
      return error;
  }
}

/** exportTree copies a tree into `dir`, verified and resumable (see the file comment). */
export async function exportTree(
  tree: StreamTree,
  dir: string,
  opts: ExportOptions,
): Promise<ExportSummary> {
  const started = Date.now();
  const root = resolve(dir);
  try {
    await mkdir(root);
  } catch (error) {
    if (code(error) !== 'EEXIST') {
      if (code(error) === 'ENOENT') {
        throw new UserError(
          `Cannot export to ${root}: the folder above it does not exist; create it (or mount the drive) first.`,
          'export-folder',
        );
      }
      throw exportError(error, root, '.', 0);
    }
    if ((await stat(root)).isDirectory() !== true) {
      throw new UserError(`Cannot export to ${root}: it is not a folder.`, 'export-folder');
    }
  }
  const entries = [...tree.entries]
    .filter(([path]) => isSafeMirrorPath(path))
    .sort(([a], [b]) => writeOrder(a) - writeOrder(b) || a.localeCompare(b));
  const target = (path: string): string => {
    const dest = resolve(root, path);
    // The paths come from signed streams and are checked plain; this guards the write itself.
    if (!dest.startsWith(root + sep)) throw new Error(`export path escapes the folder: ${path}`);
    return dest;
  };

  // Phase 1: what is already there and right.
  const todo: [string, TreeEntry][] = [];
  let kept = 0;
  for (const [path, entry] of entries) {
    if (opts.signal?.aborted) throw new UserError('The export was cancelled.', 'cancelled');
    const dest = target(path);
    const st = await stat(dest).catch(() => undefined);
    if (
      st?.isFile() === true &&
      st.size === sizeOf(entry) &&
      (await sha256Of(dest)) === entry.sha256
    ) {
      kept++;
      opts.onEvent({ event: 'file', path, action: 'kept' });
      continue;
    }
    todo.push([path, entry]);
  }
  const total = todo.reduce((n, [, e]) => n + sizeOf(e), 0);
  opts.onEvent({
    event: 'start',
    dir: root,
    files: entries.length,
    copy: todo.length,
    bytes: total,
  });
  const free = await (opts.freeBytes ?? freeBytesOf)(root).catch(() => Infinity);
  if (total > free) {
    throw new UserError(
      `The export folder ${root} has ${mb(free)} free but the export needs ${mb(total)} more; free some space or choose a larger drive.`,
      'disk-full',
    );
  }

  // Phase 2: copy, sync, verify, rename.
  let done = 0;
  let lastProgress = 0;
  const interval = opts.progressIntervalMs ?? 200;
  const progress = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastProgress < interval) return;
    lastProgress = now;
    opts.onEvent({ event: 'progress', bytes: done, total });
  };
  const dirs = new Set<string>();
  for (const [path, entry] of todo) {
    if (opts.signal?.aborted) throw new UserError('The export was cancelled.', 'cancelled');
    const dest = target(path);
    const temp = dest + tempSuffix;
    try {
      await mkdir(dirname(dest), { recursive: true });
      await rm(temp, { force: true });
      if (entry.kind === 'blob') {
        await copyFile(opts.blobs.pathFor(entry.sha256), temp);
      } else {
        const fh = await open(temp, 'w');
        try {
          await fh.writeFile(entry.bytes);
        } finally {
          await fh.close();
        }
      }
      const fh = await open(temp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      const before = done;
      const written = await sha256Of(temp, (n) => {
        done += n;
        progress();
      });
      done = before + sizeOf(entry);
      if (written !== entry.sha256) {
        throw new UserError(
          `The exported copy of ${path} does not match its sha256 (${written}, not ${entry.sha256}); the stored file may be damaged, run "labboot store verify --repair" and export again.`,
          'export-checksum',
        );
      }
      await rename(temp, dest);
      dirs.add(dirname(dest));
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw exportError(error, root, path, total - done);
    }
    opts.onEvent({ event: 'file', path, action: 'copied' });
    progress(true);
  }
  for (const d of dirs) fsyncDir(d);
  const summary: ExportSummary = {
    dir: root,
    files: entries.length,
    copied: todo.length,
    kept,
    bytes: total,
    seconds: (Date.now() - started) / 1000,
  };
  opts.onEvent({ event: 'done', ...summary });
  return summary;
}

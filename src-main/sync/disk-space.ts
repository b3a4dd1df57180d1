/**
 * Disk space for a sync: the free bytes of the data folder's disk, how to recognise "the disk is
 * full" from the file system or from SQLite, and a small reserve file. The reserve is written when
 * a run starts and deleted when the disk fills up, so the store can still record that the run
 * failed and why (SQLite needs a little room to commit even one row).
 */
import { open, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../src-shared/errors';
import { DownloadError } from './downloader';

const reserveBytes = 1024 * 1024;

/** freeBytesOf is what an unprivileged process may still write on the disk holding `dir`. */
export async function freeBytesOf(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** isDiskFullError tells whether a failure (a bug-free one, not a UserError) means the disk is full. */
export function isDiskFullError(error: unknown): boolean {
  if (error instanceof DownloadError) return error.code === 'disk-full';
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL';
}

/** diskFullError is the one sentence a person gets when the disk fills up during a sync. */
export function diskFullError(dataDir: string, stillNeeded: number, free: number): UserError {
  const mb = Math.max(1, Math.ceil((stillNeeded - free) / 1e6));
  return new UserError(
    `The disk holding ${dataDir} is full; free ${mb} MB and run sync again.`,
    'disk-full',
  );
}

/** SpaceReserve holds a little disk space for the store while a sync runs. */
export class SpaceReserve {
  private constructor(private readonly path: string | undefined) {}

  /** take writes the reserve file; on a disk already too full it holds nothing. */
  static async take(dataDir: string): Promise<SpaceReserve> {
    const path = join(dataDir, 'sync.reserve');
    try {
      const fh = await open(path, 'w');
      try {
        // Written, not sparse: the blocks must really be allocated to be given back later.
        await fh.write(Buffer.alloc(reserveBytes));
        await fh.sync();
      } finally {
        await fh.close();
      }
      return new SpaceReserve(path);
    } catch (error) {
      await rm(path, { force: true });
      if (!isDiskFullError(error)) throw error;
      return new SpaceReserve(undefined);
    }
  }

  /** release gives the space back. */
  async release(): Promise<void> {
    if (this.path !== undefined) await rm(this.path, { force: true });
  }
}

/**
 * SyncLock makes sure one sync runs at a time per data folder, across processes: an exclusive
 * `sync.lock` file holding the owner's pid. A lock whose process is gone (killed with -9, say) is
 * stale and taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../src-shared/errors';

/** isProcessAlive tells whether a pid exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** SyncLock is held while a sync runs. */
export class SyncLock {
  private constructor(private readonly path: string) {}

  /** acquire takes the lock or throws a UserError naming the process that holds it. */
  static async acquire(dataDir: string): Promise<SyncLock> {
    const path = join(dataDir, 'sync.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(path, 'wx');
        await fh.writeFile(String(process.pid));
        await fh.close();
        return new SyncLock(path);
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST') throw error;
      }
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (isProcessAlive(pid)) {
        throw new UserError(
          `A sync is already running in this data folder (process ${pid}); wait for it to finish or cancel it, then run sync again.`,
          'sync-busy',
        );
      }
      await rm(path, { force: true });
    }
    throw new UserError(
      `Could not take the sync lock ${path}; another sync is starting at the same moment, try again.`,
      'sync-busy',
    );
  }

  async release(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

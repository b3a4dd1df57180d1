/**
 * removeStaleUnpackFolders deletes the `<version>.tmp-<pid>` folders a bootloader unpack leaves
 * when its process is killed. It runs under the sync lock, so no unpack of this process is under
 * way; a folder whose pid is still alive in another process is kept (that pid may have been
 * reused, but deleting a live process's folder would be worse than keeping a few MB).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive } from './sync-lock';

const tempSuffix = /\.tmp-(\d+)$/;

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

/** removeStaleUnpackFolders returns the folders it removed (below `<dataDir>/bootloaders`). */
export async function removeStaleUnpackFolders(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'bootloaders');
  const removed: string[] = [];
  for (const type of await list(root)) {
    for (const arch of await list(join(root, type))) {
      for (const name of await list(join(root, type, arch))) {
        const pid = Number(tempSuffix.exec(name)?.[1]);
        if (!Number.isInteger(pid) || pid <= 0) continue;
        if (pid !== process.pid && isProcessAlive(pid)) continue;
        const path = join(root, type, arch, name);
        await rm(path, { recursive: true, force: true });
        removed.push(path);
      }
    }
  }
  return removed;
}

import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore } from '../../../src-main/store/blob-store';
import { PARTIAL_IDLE_MS, removeOrphanTemp } from '../../../src-main/upkeep/startup-cleanup';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('removeOrphanTemp', () => {
  it('removes unpack folders of dead processes and idle partials nothing wants, nothing else', async () => {
    const tmp = makeTempDir();
    cleanups.push(tmp.remove);
    const blobs = new BlobStore(tmp.path);
    await blobs.ensureDirs();
    const arch = join(tmp.path, 'bootloaders', 'pxe', 'i386');
    const dead = join(arch, `pxelinux-1.tmp-${deadPid()}`);
    const live = join(arch, `pxelinux-2.tmp-${process.ppid}`);
    const kept = join(arch, 'pxelinux-3');
    for (const d of [dead, live, kept]) mkdirSync(d, { recursive: true });
    const wanted = 'a'.repeat(64);
    const orphan = 'b'.repeat(64);
    const fresh = 'c'.repeat(64);
    for (const sha of [wanted, orphan, fresh]) writeFileSync(blobs.partialPathFor(sha), 'x');
    const old = new Date(Date.now() - PARTIAL_IDLE_MS - 60_000);
    utimesSync(blobs.partialPathFor(wanted), old, old);
    utimesSync(blobs.partialPathFor(orphan), old, old);

    const removed = await removeOrphanTemp(tmp.path, blobs, () => new Set([wanted]));
    expect(removed).toEqual({ unpackFolders: [dead], partials: [blobs.partialPathFor(orphan)] });
    expect([dead, live, kept].map(existsSync)).toEqual([false, true, true]);
    expect([wanted, orphan, fresh].map((s) => existsSync(blobs.partialPathFor(s)))).toEqual([
      true,
      false,
      true,
    ]);
  });
});

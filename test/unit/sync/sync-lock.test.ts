import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isUserError } from '../../../src-shared/errors';
import { SyncLock } from '../../../src-main/sync/sync-lock';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dataDir(): string {
  const t = makeTempDir();
  cleanups.push(t.remove);
  return t.path;
}

/** deadPid is the pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

async function take(dir: string, opts?: Parameters<typeof SyncLock.acquire>[1]): Promise<SyncLock> {
  const lock = await SyncLock.acquire(dir, opts);
  cleanups.push(() => lock.release());
  return lock;
}

function plantFolderLock(dir: string, owner: object, ageMs = 0): void {
  mkdirSync(join(dir, 'sync.lock'));
  const file = join(dir, 'sync.lock', 'owner.json');
  writeFileSync(file, JSON.stringify(owner));
  const t = new Date(Date.now() - ageMs);
  utimesSync(file, t, t);
}

const busy = (pid: number | string) =>
  `A sync is already running in this data folder (pid ${pid}); wait for it to finish or cancel it, then run sync again.`;

describe('SyncLock', () => {
  it('is exclusive, names its holder, and is free again after release', async () => {
    const dir = dataDir();
    const lock = await SyncLock.acquire(dir);
    await expect(SyncLock.acquire(dir)).rejects.toThrow(busy(process.pid));
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
    await take(dir);
  });

  it('takes over a lock whose process is gone, in either format', async () => {
    const dir = dataDir();
    plantFolderLock(dir, { pid: deadPid(), host: hostname(), token: 't1' });
    await (await SyncLock.acquire(dir)).release();
    // The pid-only file an older LabBoot left behind when it was killed.
    writeFileSync(join(dir, 'sync.lock'), String(deadPid()));
    await take(dir);
  });

  it('keeps a pid-only lock whose pid is not written yet, until it is old', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'sync.lock'), '');
    await expect(SyncLock.acquire(dir)).rejects.toThrow(busy('not written yet'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'sync.lock'), old, old);
    await take(dir);
  });

  it('judges a lock from another host by its heartbeat only', async () => {
    const dir = dataDir();
    plantFolderLock(dir, { pid: deadPid(), host: 'elsewhere', token: 't2' }, 1_000);
    await expect(SyncLock.acquire(dir)).rejects.toThrow(/\(pid \d+ on elsewhere\)/);
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'sync.lock', 'owner.json'), old, old);
    await take(dir);
  });

  it('a live pid whose heartbeat stopped long ago is a reused pid', async () => {
    const dir = dataDir();
    plantFolderLock(dir, { pid: process.pid, host: hostname(), token: 't3' }, 10 * 60_000);
    await take(dir);
  });

  it('of twenty simultaneous takers of one stale lock, exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const dir = dataDir();
      plantFolderLock(dir, { pid: deadPid(), host: hostname(), token: `r${round}` });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => SyncLock.acquire(dir)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(isUserError(r.reason)).toBe(true);
          expect((r.reason as Error).message).toBe(busy(process.pid));
        }
      }
      for (const r of won) await r.value.release();
      expect(existsSync(join(dir, 'sync.lock'))).toBe(false);
    }
  });

  it('tells its holder when another process has taken the lock', async () => {
    const dir = dataDir();
    let lost = false;
    const lock = await take(dir, { heartbeatMs: 10, onLost: () => (lost = true) });
    renameSync(join(dir, 'sync.lock'), join(dir, 'moved'));
    plantFolderLock(dir, { pid: process.pid, host: hostname(), token: 'other' });
    const deadline = Date.now() + 5_000;
    while (!lost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(lost).toBe(true);
    // Releasing must not remove the other process's lock.
    await lock.release();
    expect(existsSync(join(dir, 'sync.lock', 'owner.json'))).toBe(true);
  });
});

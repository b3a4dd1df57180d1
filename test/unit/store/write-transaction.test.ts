import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { isUserError } from '../../../src-shared/errors';
import { BlobStore } from '../../../src-main/store/blob-store';
import { openDatabase } from '../../../src-main/store/database';
import { RegionStore } from '../../../src-main/store/region-store';
import { holdWriteLock } from '../../helpers/store/hold-write-lock';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void | Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function open(): { file: string; store: RegionStore } {
  const tmp = makeTempDir();
  const file = join(tmp.path, 'labboot.sqlite');
  const db = openDatabase(file);
  cleanups.push(tmp.remove, () => {
    db.close();
  });
  return { file, store: new RegionStore(db, new BlobStore(tmp.path)) };
}

describe('writes while another process holds the write lock', () => {
  it('wait for the lock instead of failing with "database is locked"', async () => {
    const { file, store } = open();
    store.startRun(1, () => false);
    const lock = await holdWriteLock(file, 300);
    cleanups.push(() => lock.released);
    // startRun reads the running rows before it writes: the case a deferred transaction failed.
    const started = Date.now();
    const id = store.startRun(2, () => false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(store.listRuns().map((r) => [r.id, r.status])).toEqual([
      [id, 'running'],
      [1, 'interrupted'],
    ]);
  });

  it('end with one sentence for a person when the lock is held past the timeout', async () => {
    const { file, store } = open();
    store.db.pragma('busy_timeout = 100');
    const lock = await holdWriteLock(file, 1_000);
    cleanups.push(() => lock.released);
    let error: unknown;
    try {
      store.addSelections([{ os: 'ubuntu', release: 'jammy', arch: 'amd64' }]);
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^Another LabBoot process kept the store busy for more than \d+ s; wait for it to finish/,
    );
  });
});

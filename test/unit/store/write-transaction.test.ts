import { afterEach, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isUserError } from '../../../src-shared/errors';
import { BlobStore } from '../../../src-main/store/blob-store';
import { openDatabase } from '../../../src-main/store/database';
import { RegionStore } from '../../../src-main/store/region-store';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void | Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * holdWriteLock makes another thread (another connection, as another process would be) take the
 * write lock for `ms`; resolves once it holds it. The thread ends by itself.
 */
async function holdWriteLock(file: string, ms: number): Promise<void> {
  const worker = new Worker(
    `
    const Database = require(${JSON.stringify(driver)});
    const { parentPort } = require('node:worker_threads');
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT INTO settings (key, value) VALUES ('lock-holder', '1')").run();
    parentPort.postMessage('locked');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
    db.exec('COMMIT');
    db.close();
    `,
    { eval: true },
  );
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  cleanups.push(() => exited);
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
}

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
    await holdWriteLock(file, 300);
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
    await holdWriteLock(file, 1_000);
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

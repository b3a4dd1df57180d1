import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/**
 * holdWriteLock makes another thread (another connection, as another process would be) take the
 * store's write lock for `ms`; resolves once it holds it, with a promise of the thread's end. The
 * thread ends by itself; await `released` in cleanup so no test leaves it running.
 */
export async function holdWriteLock(
  file: string,
  ms: number,
): Promise<{ released: Promise<unknown> }> {
  const worker = new Worker(
    `
    const Database = require(${JSON.stringify(driver)});
    const { parentPort } = require('node:worker_threads');
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('lock-holder', '1')").run();
    parentPort.postMessage('locked');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
    db.exec('COMMIT');
    db.close();
    `,
    { eval: true },
  );
  const released = new Promise((resolve) => worker.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return { released };
}

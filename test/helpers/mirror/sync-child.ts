/**
 * A sync in its own process, for the kill -9 test: `node --import tsx sync-child.ts DATA_DIR`.
 * The store must already hold the source and selections. Prints one NDJSON event per line.
 */
import { join } from 'node:path';
import { openDatabase } from '../../../src-main/store/database';
import { SourcesService } from '../../../src-main/sync/sources-service';
import { SyncService } from '../../../src-main/sync/sync-service';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: sync-child.ts DATA_DIR');
const db = openDatabase(join(dataDir, 'labboot.sqlite'));
const retry = { attempts: 3, baseDelayMs: 10 };
const sources = new SourcesService(db, dataDir, { retry });
const sync = new SyncService(db, sources, {
  dataDir,
  retry,
  concurrency: 3,
  progressIntervalMs: 50,
});
try {
  await sync.run((e) => process.stdout.write(`${JSON.stringify(e)}\n`));
  process.exitCode = 0;
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  db.close();
}

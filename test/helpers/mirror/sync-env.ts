/**
 * makeSyncEnv wires a temp data folder, a signed mirror served on 127.0.0.1 and the store/sync
 * services for sync tests. Everything it starts is released by `cleanup()` (call it in afterEach).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SyncEvent } from '../../../src-shared/contract/images';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { SourcesService } from '../../../src-main/sync/sources-service';
import { SyncService, type SyncServiceOptions } from '../../../src-main/sync/sync-service';
import type { BuiltMirror, TestKey } from './build-mirror';
import { MirrorServer } from './mirror-server';
import { standardMirror } from './standard-mirror';
import { makeTempDir } from '../temp-dir';

export interface SyncEnv {
  tmp: string;
  mirror: BuiltMirror;
  server: MirrorServer;
  dataDir: string;
  db: Database;
  sources: SourcesService;
  sync: SyncService;
  events: SyncEvent[];
  /** run syncs once, recording events; resolves with the error (if any) instead of throwing. */
  run(): Promise<Error | undefined>;
  cleanup(): Promise<void>;
}

export interface SyncEnvOptions {
  key: TestKey;
  sync?: Partial<SyncServiceOptions>;
  /** Build a custom mirror instead of the standard one. */
  build?: (root: string, key: TestKey) => Promise<BuiltMirror>;
  /** Add the loopback source and select jammy (default true). */
  configure?: boolean;
  /** Called with the (not yet created) data folder before the store opens; returns its undo. */
  prepareDataDir?: (dataDir: string) => Promise<() => unknown>;
}

export const fastRetry = { attempts: 3, baseDelayMs: 10 } as const;

export async function makeSyncEnv(opts: SyncEnvOptions): Promise<SyncEnv> {
  const tmp = makeTempDir();
  const done: (() => unknown)[] = [() => tmp.remove()];
  try {
    const mirror = await (opts.build ?? standardMirror)(join(tmp.path, 'mirror'), opts.key);
    const server = await new MirrorServer(mirror.root).start();
    done.push(() => server.stop());
    const dataDir = join(tmp.path, 'data');
    if (opts.prepareDataDir !== undefined) done.push(await opts.prepareDataDir(dataDir));
    const db = openDatabase(join(dataDir, 'labboot.sqlite'));
    done.push(() => db.open && db.close());
    const sources = new SourcesService(db, dataDir, { retry: fastRetry });
    const sync = new SyncService(db, sources, { dataDir, retry: fastRetry, ...opts.sync });
    done.push(() => sync.dispose());
    if (opts.configure !== false) {
      await sources.add({
        url: server.url,
        name: 'loop',
        keyring: opts.key.publicBinary,
        verify: true,
      });
      sources.select(['ubuntu/jammy/amd64']);
    }
    const events: SyncEvent[] = [];
    return {
      tmp: tmp.path,
      mirror,
      server,
      dataDir,
      db,
      sources,
      sync,
      events,
      async run() {
        try {
          await sync.run((e) => events.push(e));
          return undefined;
        } catch (error) {
          return error as Error;
        }
      },
      async cleanup() {
        for (const d of done.reverse()) await d();
      },
    };
  } catch (error) {
    for (const d of done.reverse()) await d();
    throw error;
  }
}

/** sha256File hashes a file on disk. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

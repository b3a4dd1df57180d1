/**
 * `store.verify` through the contract handlers: progress arrives as `store.verifyProgress` events
 * (checking, then fetching again with repair) ending full, and a second check while one runs in
 * the same process is refused in one sentence.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { truncateSync } from 'node:fs';
import type { StoreVerifyProgress } from '../../../src-shared/contract/store';
import { createHandlers } from '../../../src-main/api/handlers/index';
import { createServices } from '../../../src-main/services';
import { BlobStore } from '../../../src-main/store/blob-store';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('store.verify through the contract', { timeout: 60_000 }, () => {
  it('emits progress events, refuses a second check meanwhile, and repairs from the source', async () => {
    const env: SyncEnv = await makeSyncEnv({ key: await generateTestKey() });
    cleanups.push(() => env.cleanup());
    expect(await env.run()).toBeUndefined();
    const squashfs = env.sources.store
      .listResources('image')[0]
      ?.versions[0]?.files.find((f) => f.ftype === 'squashfs');
    if (squashfs === undefined) throw new Error('fixture changed');
    truncateSync(new BlobStore(env.dataDir).pathFor(squashfs.sha256), 10);
    env.db.close();

    const services = await createServices({
      dataDir: env.dataDir,
      frontDoor: 'console',
      stderrLogLevel: 'silent',
    });
    cleanups.push(() => services.dispose());
    const h = createHandlers(services);
    const seen: StoreVerifyProgress[] = [];
    services.events.subscribe((name, payload) => {
      if (name === 'store.verifyProgress') seen.push(payload as StoreVerifyProgress);
    });

    const first = h['store.verify']({ repair: false });
    await expect(h['store.verify']({ repair: true })).rejects.toThrow(
      'The stored files are already being checked; wait for that check to finish, then try again.',
    );
    const checked = await first;
    expect(checked.ok).toBe(false);
    expect(checked.versions[0]?.summary).toContain('squashfs is truncated (10 of');
    expect(seen[0]).toMatchObject({ phase: 'checking', files: 0 });
    expect(seen.at(-1)).toMatchObject({ phase: 'checking', files: checked.checkedFiles });

    seen.length = 0;
    const repaired = await h['store.verify']({ repair: true });
    expect(repaired.repaired).toBe(true);
    expect(seen.map((p) => p.phase)).toContain('fetching');
    const last = seen.at(-1);
    expect(last).toMatchObject({ phase: 'fetching', files: 1, totalFiles: 1 });
    expect(last?.bytes).toBe(squashfs.size);
    expect((await h['store.verify']({ repair: false })).ok).toBe(true);
  });
});

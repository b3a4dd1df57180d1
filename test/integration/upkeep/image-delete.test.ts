/**
 * `images delete` against a store synced from a signed loopback mirror: bad inputs, the sync lock,
 * a boot server serving the image, deleting one version and deleting an image for good (the next
 * sync does not bring it back).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { BootChoice } from '../../../src-shared/boot/choices';
import { isUserError } from '../../../src-shared/errors';
import type { ServingProcess } from '../../../src-main/boot/serving-record';
import { BlobStore } from '../../../src-main/store/blob-store';
import { BootResources } from '../../../src-main/store/boot-resources';
import { SyncLock } from '../../../src-main/sync/sync-lock';
import { ImageDeleter, parseImageSpec } from '../../../src-main/upkeep/image-delete';
import { generateTestKey, type TestKey } from '../../helpers/mirror/build-mirror';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { olderMirror } from './older-mirror';

let key: TestKey;
beforeAll(async () => {
  key = await generateTestKey();
});
let env: SyncEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

interface World {
  env: SyncEnv;
  deleter: ImageDeleter;
  servers: ServingProcess[];
  choices: BootChoice[];
}

async function synced(): Promise<World> {
  // Two syncs: 20250601 first, then the standard mirror adds 20250701 (both kept).
  env = await makeSyncEnv({ key, build: olderMirror });
  expect(await env.run()).toBeUndefined();
  await standardMirror(env.mirror.root, key);
  expect(await env.run()).toBeUndefined();
  const boot = new BootResources(env.db, env.dataDir);
  const world: World = { env, servers: [], choices: [], deleter: undefined as never };
  world.deleter = new ImageDeleter({
    store: env.sources.store,
    dataDir: env.dataDir,
    syncRunning: () => false,
    servers: () => world.servers,
    choices: () => world.choices,
    resolveImage: (spec) => boot.findImage(spec),
  });
  return world;
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isUserError(error)) throw new Error(`expected a UserError, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

const versionsOf = (w: World): Record<string, string[]> =>
  Object.fromEntries(
    w.env.sources.store
      .listResources('image')
      .map((r) => [r.subarch, r.versions.map((v) => v.version)]),
  );

const choice = (mac: string, image: string): BootChoice => ({
  mac,
  action: 'image',
  image,
  hostname: null,
  updatedAt: '',
});

describe('images delete', () => {
  it('refuses bad names, unknown images and unknown versions in one sentence, deleting nothing', async () => {
    const w = await synced();
    const before = versionsOf(w);
    expect(await refusal(w.deleter.delete(parseImageSpec('ubuntu/noble/amd64')))).toEqual({
      code: 'image-missing',
      message:
        'ubuntu/noble/amd64 is not in the store, so there is nothing to delete; "labboot images" lists the stored images.',
    });
    expect(
      await refusal(w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64', ['20990101']))),
    ).toEqual({
      code: 'version-missing',
      message:
        'ubuntu/jammy/amd64@20990101 has no stored version 20990101; the stored versions are 20250601, 20250701.',
    });
    expect(() => parseImageSpec('ubuntu/jammy')).toThrow(/not an image name/);
    expect(() => parseImageSpec('../../etc/passwd/x')).toThrow(/not an image name/);
    expect(versionsOf(w)).toEqual(before);
  });

  it('is refused while a sync holds the lock, and works once it is released', async () => {
    const w = await synced();
    const lock = await SyncLock.acquire(w.env.dataDir);
    try {
      const r = await refusal(w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64')));
      expect(r.code).toBe('sync-busy');
      expect(r.message).toBe(
        `A sync is running in this data folder (pid ${process.pid}), so ubuntu/jammy/amd64 was not deleted; wait for the sync to finish or cancel it, then delete again.`,
      );
    } finally {
      await lock.release();
    }
    expect(versionsOf(w)['ga-22.04']).toEqual(['20250701', '20250601']);
    await w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64'));
    expect(versionsOf(w)).toEqual({});
  });

  it('is refused for a version a running boot server hands out, allowed for the others', async () => {
    const w = await synced();
    w.servers = [{ pid: 4242, host: 'lab', address: '10.0.0.1', startedAt: '' }];
    w.choices = [
      choice('default', 'ubuntu/jammy/amd64'),
      choice('52:54:00:12:34:56', 'ubuntu/jammy/amd64/hwe-22.04-lowlatency'),
    ];
    const ga = await refusal(w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64')));
    expect(ga).toEqual({
      code: 'image-in-use',
      message:
        'ubuntu/jammy/amd64/ga-22.04 20250701 is being served by the boot server (pid 4242 on 10.0.0.1) as the default image; stop serving or choose another image for those machines, then delete it.',
    });
    const hwe = await refusal(
      w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64/hwe-22.04-lowlatency', ['20250701'])),
    );
    expect(hwe.message).toContain('to the machine 52:54:00:12:34:56');
    // The older versions are not served: deleting them is fine while serving.
    const r = await w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64', ['20250601']));
    expect(r.deleted).toEqual([
      { image: 'ubuntu/jammy/amd64/ga-22.04', version: '20250601' },
      { image: 'ubuntu/jammy/amd64/hwe-22.04-lowlatency', version: '20250601' },
    ]);
    // With nothing serving, the served version can go too.
    w.servers = [];
    await w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64/ga-22.04'));
    expect(versionsOf(w)).toEqual({ 'hwe-22.04-lowlatency': ['20250701'] });
  });

  it('deletes one version and frees only the blobs no other version uses', async () => {
    const w = await synced();
    const store = w.env.sources.store;
    const hwe = store.listResources('image').find((r) => r.subarch === 'hwe-22.04-lowlatency');
    const old = hwe?.versions.find((v) => v.version === '20250601');
    const kept = hwe?.versions.find((v) => v.version === '20250701');
    if (hwe === undefined || old === undefined || kept === undefined) {
      throw new Error('fixture changed');
    }
    const r = await w.deleter.delete(
      parseImageSpec('ubuntu/jammy/amd64/hwe-22.04-lowlatency', ['20250601']),
    );
    const blobs = new BlobStore(w.env.dataDir);
    const shared = new Set(
      store
        .listResources()
        .flatMap((x) => x.versions)
        .flatMap((v) => v.files.map((f) => f.sha256)),
    );
    const unique = old.files.filter((f) => !shared.has(f.sha256));
    // The kernel and initrd were its own; squashfs and manifest are shared with ga-22.04 20250601.
    expect(unique.map((f) => f.ftype).sort()).toEqual(['boot-initrd', 'boot-kernel']);
    expect(r).toEqual({
      deleted: [{ image: 'ubuntu/jammy/amd64/hwe-22.04-lowlatency', version: '20250601' }],
      unselected: [],
      freedBlobs: 2,
      freedBytes: unique.reduce((n, f) => n + f.size, 0),
      notes: [],
    });
    for (const f of old.files)
      expect(existsSync(blobs.pathFor(f.sha256))).toBe(shared.has(f.sha256));
    expect(store.hasVersion({ ...hwe, kind: 'image' }, '20250701')).toBe(true);
    expect(store.listSelections().map((s) => `${s.os}/${s.release}/${s.arch}`)).toEqual([
      'ubuntu/jammy/amd64',
    ]);
  });

  it('deleting the newest version says the next sync fetches it again', async () => {
    const w = await synced();
    const r = await w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64/ga-22.04', ['20250701']));
    expect(r.notes).toEqual([
      'ubuntu/jammy/amd64/ga-22.04 20250701 was its newest version; the next sync fetches it again while its source offers it.',
    ]);
  });

  it('deleting a whole image (release by number) unselects it, so the next sync does not bring it back', async () => {
    const w = await synced();
    const r = await w.deleter.delete(parseImageSpec('ubuntu/22.04/amd64'));
    expect(r.deleted).toHaveLength(4);
    expect(r.unselected).toEqual(['ubuntu/jammy/amd64']);
    expect(r.notes).toEqual([
      'ubuntu/jammy/amd64 is no longer selected, so the next sync does not bring it back.',
    ]);
    expect(w.env.sources.store.listSelections()).toEqual([]);
    // Only the bootloaders' blobs are left.
    const left = await new BlobStore(w.env.dataDir).list();
    const bootloaderBlobs = w.env.sources.store
      .listResources('bootloader')
      .flatMap((b) => b.versions.flatMap((v) => v.files.map((f) => f.sha256)));
    expect(left.sort()).toEqual([...new Set(bootloaderBlobs)].sort());
    expect(await w.env.run()).toBeUndefined();
    expect(versionsOf(w)).toEqual({});
  });

  it('deleting one kernel of a selected image says the selection brings it back', async () => {
    const w = await synced();
    const r = await w.deleter.delete(parseImageSpec('ubuntu/jammy/amd64/hwe-22.04-lowlatency'));
    expect(r.unselected).toEqual([]);
    expect(r.notes).toEqual([
      'ubuntu/jammy/amd64/hwe-22.04-lowlatency is still selected through ubuntu/jammy/amd64, so the next sync brings back its newest version; delete ubuntu/jammy/amd64 to remove every kernel and the selection.',
    ]);
  });
});

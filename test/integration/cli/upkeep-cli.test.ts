/**
 * `labboot images delete`, `store verify [--repair]` and `settings` as separate processes on one
 * data folder synced from a signed loopback mirror, including a delete refused while another
 * process holds the sync lock and while `labboot serve` in another process serves the image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncLock } from '../../../src-main/sync/sync-lock';
import type { BuiltMirror } from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { startLoopbackServe } from '../../helpers/loopback-serve';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { makeTempDir } from '../../helpers/temp-dir';
import { olderMirror } from '../upkeep/older-mirror';

const tmp = makeTempDir();
let mirror: BuiltMirror;
let server: MirrorServer | undefined;
const data = join(tmp.path, 'data');
const lb = (...args: string[]) => runLabboot(['--data', data, ...args]);

interface Image {
  subarch: string;
  versions: { version: string; complete: boolean; files: { ftype: string; path: string }[] }[];
}

async function images(): Promise<Image[]> {
  const r = await lb('--json', 'images');
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as (Image & { kind: string })[]).filter((i) => i.kind === 'image');
}

beforeAll(async () => {
  mirror = await olderMirror(join(tmp.path, 'mirror'));
  server = await new MirrorServer(mirror.root).start();
  const keyFile = join(tmp.path, 'mirror.asc');
  writeFileSync(keyFile, mirror.key.publicKey);
  for (const args of [
    ['sources', 'add', server.url, '--keyring', keyFile, '--name', 'loop'],
    ['select', 'add', 'ubuntu/jammy/amd64'],
    ['sync'],
  ]) {
    const r = await lb(...args);
    expect(r.status, r.stderr).toBe(0);
  }
  // A month later the mirror has 20250701 on top; keep only one version per image from now on.
  await standardMirror(mirror.root, mirror.key);
  const keep = await lb('settings', 'set', 'images.keep', '1');
  expect(keep.status, keep.stderr).toBe(0);
  const sync = await lb('sync');
  expect(sync.status, sync.stderr).toBe(0);
}, 180_000);
afterAll(async () => {
  await server?.stop();
  tmp.remove();
});

/** startServe runs `labboot serve` on loopback in its own process until `stop`. */
const startServe = () =>
  startLoopbackServe({ dataDir: data, args: ['--boot', 'ubuntu/jammy/amd64'] });

describe('labboot settings, images delete and store verify', { timeout: 180_000 }, () => {
  it('the sync kept one version per image, as images.keep says', async () => {
    const list = await images();
    expect(list.map((i) => [i.subarch, i.versions.map((v) => v.version)])).toEqual([
      ['ga-22.04', ['20250701']],
      ['hwe-22.04-lowlatency', ['20250701']],
    ]);
    const settings = await lb('--json', 'settings');
    expect(JSON.parse(settings.stdout)).toEqual({
      imagesKeep: 1,
      historyDays: 30,
      historyEvents: 10_000,
    });
    const bad = await lb('settings', 'set', 'images.keep', '0');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('labboot: images.keep must be a whole number from 1 to 10, not "0".\n');
  });

  it('refuses unknown images and bad names in one sentence', async () => {
    const unknown = await lb('images', 'delete', 'ubuntu/noble/amd64');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toBe(
      'labboot: ubuntu/noble/amd64 is not in the store, so there is nothing to delete; "labboot images" lists the stored images.\n',
    );
    const version = await lb('images', 'delete', 'ubuntu/jammy/amd64@1999');
    expect(version.status).toBe(1);
    expect(version.stderr).toContain(
      'has no stored version 1999; the stored versions are 20250701.',
    );
    expect((await lb('images', 'delete')).status).toBe(2);
  });

  it('refuses while another process holds the sync lock', async () => {
    const lock = await SyncLock.acquire(data);
    try {
      const r = await lb('images', 'delete', 'ubuntu/jammy/amd64');
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `labboot: A sync is running in this data folder (pid ${process.pid}), so ubuntu/jammy/amd64 was not deleted; wait for the sync to finish or cancel it, then delete again.\n`,
      );
    } finally {
      await lock.release();
    }
  });

  it('refuses while labboot serve in another process serves the image, then deletes it', async () => {
    const serve = await startServe();
    try {
      const r = await lb('images', 'delete', 'ubuntu/jammy/amd64');
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(
        `labboot: ubuntu/jammy/amd64/ga-22.04 20250701 is being served by the boot server (pid ${serve.pid} on 127.0.0.1) as the default image for amd64 machines; stop serving or choose another image for those machines, then delete it.\n`,
      );
      // A kernel no machine boots can go while serving.
      const hwe = await lb('images', 'delete', 'ubuntu/jammy/amd64/hwe-22.04-lowlatency');
      expect(hwe.status, hwe.stderr).toBe(0);
      expect(hwe.stdout).toContain('Deleted ubuntu/jammy/amd64/hwe-22.04-lowlatency 20250701.');
      expect(hwe.stdout).toContain('is still selected through ubuntu/jammy/amd64');
    } finally {
      await serve.stop();
    }
    const r = await lb('--json', 'images', 'delete', 'ubuntu/jammy/amd64');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      deleted: [{ image: 'ubuntu/jammy/amd64/ga-22.04', version: '20250701' }],
      unselected: ['ubuntu/jammy/amd64'],
      notes: ['ubuntu/jammy/amd64 is no longer selected, so the next sync does not bring it back.'],
    });
    expect(await images()).toEqual([]);
    const select = await lb('select', 'list');
    expect(select.stdout).toContain('No images selected');
  });

  it('store verify reports damage (exit 1), --repair fetches it again, then all is well', async () => {
    for (const args of [['select', 'add', 'ubuntu/jammy/amd64'], ['sync']]) {
      const r = await lb(...args);
      expect(r.status, r.stderr).toBe(0);
    }
    const ga = (await images()).find((i) => i.subarch === 'ga-22.04')?.versions[0];
    const squashfs = ga?.files.find((f) => f.ftype === 'squashfs')?.path ?? '';
    const kernel = ga?.files.find((f) => f.ftype === 'boot-kernel')?.path ?? '';
    truncateSync(squashfs, 10);
    rmSync(kernel);
    const bad = await lb('store', 'verify');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(
      'ubuntu/jammy/amd64/ga-22.04 20250701: boot-kernel is missing; squashfs is truncated (10 of',
    );
    expect(bad.stdout).toContain('Run "labboot store verify --repair"');
    expect(bad.stderr).toMatch(/^verifying: \d+\/\d+ files/m);
    const repair = await lb('--json', 'store', 'verify', '--repair');
    expect(repair.status, repair.stderr).toBe(0);
    expect(JSON.parse(repair.stdout)).toMatchObject({ ok: false, repaired: true });
    const good = await lb('store', 'verify');
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/Every stored file matches its sha256\.\n$/);
  });
});

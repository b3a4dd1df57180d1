/**
 * One bad source does not stop the others, and a mirror that lacks the newest version's files
 * gives the newest version it has, with a warning.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootResources } from '../../../src-main/store/boot-resources';
import {
  buildMirror,
  generateTestKey,
  manifestText,
  rewriteSignedStream,
  type BuiltMirror,
  type MirrorImage,
  type TestKey,
} from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';

let key: TestKey;
beforeAll(async () => {
  key = await generateTestKey();
});
const cleanups: (() => unknown)[] = [];
let env: SyncEnv | undefined;
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await env?.cleanup();
  env = undefined;
});

const files = (tag: string) => ({
  kernel: `kernel ${tag} `.repeat(50),
  initrd: `initrd ${tag} `.repeat(50),
  squashfs: `squashfs ${tag} `.repeat(100),
  manifest: manifestText({ bash: tag }),
});

const noble: MirrorImage = {
  release: 'noble',
  version: '24.04',
  arch: 'amd64',
  subarch: 'ga-24.04',
  versions: { '20250709': files('noble') },
};

function stored(e: SyncEnv): string[] {
  return new BootResources(e.db, e.dataDir)
    .listImages()
    .map((i) => `${i.release}/${i.subarch}@${i.version}`)
    .sort();
}

/** secondSource serves another mirror and adds it to the env's store after the first. */
async function secondSource(e: SyncEnv, name: string, mirror: BuiltMirror): Promise<string> {
  const server = await new MirrorServer(mirror.root).start();
  cleanups.push(() => server.stop());
  await e.sources.add({ url: server.url, name, keyring: key.publicBinary, verify: true });
  return server.url;
}

describe('a source that fails', () => {
  it('a product without subarch fails its source only; the others are synced and the run fails naming it', async () => {
    const e = (env = await makeSyncEnv({ key }));
    await rewriteSignedStream(e.mirror, 'com.ubuntu.maas:stable:v3:download', (doc) => {
      for (const p of Object.values(doc.products)) delete p.subarch;
    });
    await secondSource(
      e,
      'good',
      await buildMirror({ root: join(e.tmp, 'good'), key, images: [noble] }),
    );
    e.sources.select(['ubuntu/noble/amd64']);
    const err = await e.run();
    expect(err?.message).toMatch(
      /^Source "loop" \(http:\/\/127\.0\.0\.1:\d+\/\): streams\/v1\/com\.ubuntu\.maas:stable:v3:download\.sjson is not usable: image product \S+ lacks os, release, arch or subarch; check the mirror, previously synced images are unchanged\.$/,
    );
    expect(stored(e)).toEqual(['noble/ga-24.04@20250709']);
    expect(e.events).toContainEqual(
      expect.objectContaining({
        event: 'warning',
        code: 'source-failed',
        message: expect.stringMatching(/^Source "loop"/),
      }),
    );
    expect(e.events).toContainEqual({
      event: 'published',
      image: 'ubuntu/noble/amd64/ga-24.04',
      version: '20250709',
    });
    expect(e.events.at(-1)).toMatchObject({ event: 'error', code: 'bad-stream' });
    expect(e.sources.store.listRuns()[0]?.status).toBe('failed');
  });

  it('an index that is not on the mirror (404)', async () => {
    const e = (env = await makeSyncEnv({ key, configure: false }));
    await e.sources.add({
      url: `${e.server.url}nothing-here/`,
      name: 'gone',
      keyring: key.publicBinary,
      verify: true,
    });
    await e.sources.add({
      url: e.server.url,
      name: 'loop',
      keyring: key.publicBinary,
      verify: true,
    });
    e.sources.select(['ubuntu/jammy/amd64']);
    const err = await e.run();
    expect(err?.message).toBe(
      `Source "gone" (${e.server.url}nothing-here/): streams/v1/index.sjson could not be fetched (HTTP 404 not found); check the source URL and the network; previously synced images are unchanged.`,
    );
    expect(stored(e)).toEqual(['jammy/ga-22.04@20250701', 'jammy/hwe-22.04-lowlatency@20250701']);
  });

  it(
    'the CLI lists and syncs the good sources, names the bad one and exits 1',
    { timeout: 60_000 },
    async () => {
      const e = (env = await makeSyncEnv({ key, configure: false }));
      const keyFile = join(e.tmp, 'key.asc');
      writeFileSync(keyFile, key.publicKey);
      e.db.close();
      const lb = (...args: string[]) => runLabboot(['--data', e.dataDir, ...args]);
      for (const [name, url] of [
        ['gone', `${e.server.url}nothing-here/`],
        ['loop', e.server.url],
      ] as const) {
        const add = await lb('sources', 'add', url, '--keyring', keyFile, '--name', name);
        expect(add.status, add.stderr).toBe(0);
      }
      expect((await lb('select', 'add', 'ubuntu/jammy/amd64')).status).toBe(0);
      const catalog = await lb('catalog');
      expect(catalog.status).toBe(1);
      expect(catalog.stdout).toMatch(/^loop \(http:\/\/127\.0\.0\.1:\d+\/\)$/m);
      expect(catalog.stdout).not.toContain('gone');
      expect(catalog.stderr).toContain(
        `labboot: warning: Source "gone" (${e.server.url}nothing-here/): streams/v1/index.sjson could not be fetched (HTTP 404 not found)`,
      );
      expect(catalog.stderr).toMatch(
        /^labboot: 1 of 2 source\(s\) could not be read \("gone"\); the warnings above say why, the other sources are listed\.$/m,
      );
      const sync = await lb('sync');
      expect(sync.status).toBe(1);
      expect(sync.stderr).toContain('Stored ubuntu/jammy/amd64/ga-22.04 20250701.');
      expect(sync.stderr).toMatch(
        /^labboot: Source "gone" \(.*\): streams\/v1\/index\.sjson could not be fetched \(HTTP 404 not found\)/m,
      );
      expect(sync.stderr).not.toMatch(/internal error|\n\s+at /);
    },
  );
});

describe('the newest version a mirror really has', () => {
  it('falls back to an older version when the newest lacks a shared file, with a warning per image', async () => {
    const e = (env = await makeSyncEnv({ key }));
    const squash = e.mirror.items.find((i) => i.ftype === 'squashfs' && i.version === '20250701');
    if (squash === undefined) throw new Error('fixture');
    e.server.setFaults([{ path: squash.path, kind: 'status', status: 404 }]);
    expect(await e.run()).toBeUndefined();
    // The squashfs is shared by both kernels: both fall back, and it was asked for once.
    expect(stored(e)).toEqual(['jammy/ga-22.04@20250601', 'jammy/hwe-22.04-lowlatency@20250601']);
    expect(e.server.requests.filter((r) => r.path === squash.path)).toHaveLength(1);
    const warnings = e.events.filter((x) => x.event === 'warning' && x.code === 'older-version');
    expect(warnings.map((w) => (w as { message: string }).message).sort()).toEqual([
      `Source "loop" (${e.server.url}): ${squash.path} of ubuntu/jammy/amd64/ga-22.04 20250701 is missing on the mirror (HTTP 404 not found), so the newest version that is there, 20250601, is synced instead.`,
      `Source "loop" (${e.server.url}): ${squash.path} of ubuntu/jammy/amd64/hwe-22.04-lowlatency 20250701 is missing on the mirror (HTTP 404 not found), so the newest version that is there, 20250601, is synced instead.`,
    ]);
    // Once the mirror has it, the next sync takes the newest.
    e.server.setFaults([]);
    expect(await e.run()).toBeUndefined();
    expect(stored(e)).toEqual(['jammy/ga-22.04@20250701', 'jammy/hwe-22.04-lowlatency@20250701']);
  });

  it('fails when no version of an image is on the mirror', async () => {
    const e = (env = await makeSyncEnv({
      key,
      build: (root, k) =>
        buildMirror({
          root,
          key: k,
          images: [{ ...noble, release: 'jammy', version: '22.04', subarch: 'ga-22.04' }],
        }),
    }));
    const kernel = e.mirror.items.find((i) => i.ftype === 'boot-kernel');
    if (kernel === undefined) throw new Error('fixture');
    e.server.setFaults([{ path: kernel.path, kind: 'status', status: 404 }]);
    expect((await e.run())?.message).toBe(
      `Source "loop" (${e.server.url}): ${kernel.path} could not be downloaded (HTTP 404 not found); the mirror lacks a file its stream lists, check the mirror.`,
    );
    expect(stored(e)).toEqual([]);
  });

  it('a stream that already folds the kflavor into the subarch keeps one suffix', async () => {
    const e = (env = await makeSyncEnv({ key }));
    await rewriteSignedStream(e.mirror, 'com.ubuntu.maas:stable:v3:download', (doc) => {
      for (const p of Object.values(doc.products)) {
        if (p.kflavor === 'lowlatency') p.subarch = 'hwe-22.04-lowlatency';
      }
    });
    expect(await e.run()).toBeUndefined();
    expect(stored(e)).toEqual(['jammy/ga-22.04@20250701', 'jammy/hwe-22.04-lowlatency@20250701']);
  });
});

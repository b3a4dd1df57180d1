import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BootResources } from '../../../src-main/store/boot-resources';
import { ManifestStore } from '../../../src-main/store/manifest-store';
import { BlobStore } from '../../../src-main/store/blob-store';
import { RegionStore } from '../../../src-main/store/region-store';
import {
  buildMirror,
  generateTestKey,
  manifestText,
  type TestKey,
} from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { makeSyncEnv, sha256File as sha256, type SyncEnv } from '../../helpers/mirror/sync-env';

let key: TestKey;
beforeAll(async () => {
  key = await generateTestKey();
});

let env: SyncEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

async function setup(): Promise<SyncEnv> {
  env = await makeSyncEnv({ key });
  return env;
}

describe('sync from a signed loopback mirror', () => {
  it('stores exactly the newest complete version of every selected kernel, plus bootloaders', async () => {
    const env = await setup();
    const summary = await env.sync.run((e) => env.events.push(e));
    const boot = new BootResources(env.db, env.dataDir);
    const images = boot.listImages();
    expect(images.map((i) => `${i.subarch}@${i.version}`).sort()).toEqual([
      'ga-22.04@20250701',
      'hwe-22.04-lowlatency@20250701',
    ]);
    for (const img of images) {
      expect(img.files.map((f) => f.ftype).sort()).toEqual([
        'boot-initrd',
        'boot-kernel',
        'manifest',
        'squashfs',
      ]);
      for (const f of img.files) expect(sha256(f.path)).toBe(f.sha256);
    }
    // The squashfs is shared by both kernels: stored once.
    const squash = images.map((i) => i.files.find((f) => f.ftype === 'squashfs')?.path);
    expect(squash[0]).toBe(squash[1]);
    expect(boot.findImage('ubuntu/jammy/amd64')?.subarch).toBe('ga-22.04');
    const pxe = boot.bootloaderDir('pxe', 'i386');
    expect(pxe && readFileSync(join(pxe, 'lpxelinux.0'), 'utf8')).toBe('LPXELINUX');
    const uefi = boot.bootloaderDir('uefi', 'amd64');
    expect(uefi && readdirSync(uefi).sort()).toEqual(['bootx64.efi', 'grubx64.efi', 'mmx64.efi']);
    expect(summary.published).toHaveLength(4);
    const kinds = new Set(env.events.map((e) => e.event));
    for (const k of ['start', 'file', 'progress', 'verified', 'published'])
      expect(kinds.has(k as never)).toBe(true);
    // Manifests answer offline.
    const manifests = new ManifestStore(env.db);
    expect(manifests.search('openssl')).toEqual([
      {
        image: 'ubuntu/jammy/amd64',
        version: '20250701',
        package: 'openssl',
        pkgVersion: '3.0.2-0ubuntu1.15',
      },
    ]);
    // A second sync fetches nothing.
    env.server.requests.length = 0;
    await env.sync.run(() => {});
    expect(env.server.requests.every((r) => r.path.startsWith('streams/'))).toBe(true);
  });

  it('resumes a dropped transfer with a Range request and verifies the result', async () => {
    const env = await setup();
    const squash = env.mirror.items.find((i) => i.ftype === 'squashfs' && i.version === '20250701');
    if (!squash) throw new Error('fixture');
    env.server.setFaults([{ path: squash.path, kind: 'drop', afterBytes: 5000, times: 1 }]);
    expect(await env.run()).toBeUndefined();
    const reqs = env.server.requests.filter((r) => r.path === squash.path);
    expect(reqs).toHaveLength(2);
    expect(reqs[1]?.range).toMatch(/^bytes=\d+-$/);
    expect(reqs[1]?.status).toBe(206);
    const stored = new BootResources(env.db, env.dataDir).findImage('ubuntu/jammy/amd64');
    const f = stored?.files.find((x) => x.ftype === 'squashfs');
    expect(f && sha256(f.path)).toBe(squash.sha256);
    expect(env.events.some((e) => e.event === 'warning' && e.code === 'retry')).toBe(true);
  });
});

describe('several sources and version retention', () => {
  const version = (tag: string) => ({
    kernel: `kernel ${tag} `.repeat(100),
    initrd: `initrd ${tag} `.repeat(100),
    squashfs: `squashfs ${tag} `.repeat(300),
    manifest: manifestText({ bash: tag }),
  });

  it('takes each image from the first source that lists it', async () => {
    const e = await setup();
    const second = await buildMirror({
      root: join(e.tmp, 'second'),
      key,
      images: [
        {
          release: 'jammy',
          version: '22.04',
          arch: 'amd64',
          subarch: 'ga-22.04',
          versions: { '20991231': version('second') },
        },
        {
          release: 'noble',
          version: '24.04',
          arch: 'amd64',
          subarch: 'ga-24.04',
          versions: { '20250709': version('noble') },
        },
      ],
    });
    const server2 = await new MirrorServer(second.root).start();
    try {
      await e.sources.add({
        url: server2.url,
        name: 'second',
        keyring: key.publicBinary,
        verify: true,
      });
      e.sources.select(['ubuntu/noble/amd64']);
      expect(await e.run()).toBeUndefined();
      const images = new BootResources(e.db, e.dataDir).listImages();
      // jammy ga-22.04 from "loop" (first), although "second" has a newer version; noble from "second".
      expect(images.map((i) => `${i.release}/${i.subarch}@${i.version}`).sort()).toEqual([
        'jammy/ga-22.04@20250701',
        'jammy/hwe-22.04-lowlatency@20250701',
        'noble/ga-24.04@20250709',
      ]);
      expect(e.events).toContainEqual(
        expect.objectContaining({ event: 'warning', code: 'multiple-sources' }),
      );
    } finally {
      await server2.stop();
    }
  });

  it('keeps the newest two complete versions and collects the blobs of older ones', async () => {
    const e = await setup();
    const rebuild = (versions: string[]) =>
      buildMirror({
        root: e.mirror.root,
        key,
        images: [
          {
            release: 'jammy',
            version: '22.04',
            arch: 'amd64',
            subarch: 'ga-22.04',
            versions: Object.fromEntries(versions.map((v) => [v, version(v)])),
          },
        ],
      });
    for (const versions of [['1'], ['1', '2'], ['1', '2', '3']]) {
      e.mirror = await rebuild(versions);
      expect(await e.run()).toBeUndefined();
    }
    const stored = new RegionStore(e.db, new BlobStore(e.dataDir)).listResources('image');
    expect(stored.find((r) => r.subarch === 'ga-22.04')?.versions.map((v) => v.version)).toEqual([
      '3',
      '2',
    ]);
    const blobs = await new BlobStore(e.dataDir).list();
    const v1 = e.mirror.items.filter((i) => i.version === '1').map((i) => i.sha256);
    expect(v1.some((s) => blobs.includes(s))).toBe(false);
  });
});

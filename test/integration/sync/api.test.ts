import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { EventName } from '../../../src-shared/contract/index';
import { createHandlers } from '../../../src-main/api/handlers/index';
import { createServices, type Services } from '../../../src-main/services';
import { generateTestKey, type BuiltMirror } from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
let mirror: BuiltMirror;
const tmp = makeTempDir();
beforeAll(async () => {
  mirror = await standardMirror(join(tmp.path, 'mirror'), await generateTestKey());
  return () => tmp.remove();
});

describe('sources / images / manifests through the contract handlers', () => {
  it('adds a source, selects, syncs with validated events, and answers from the store', async () => {
    const server = await new MirrorServer(mirror.root).start();
    cleanups.push(() => server.stop());
    const services: Services = await createServices({
      dataDir: join(tmp.path, 'data'),
      frontDoor: 'console',
      stderrLogLevel: 'silent',
    });
    cleanups.push(() => services.dispose());
    const h = createHandlers(services);
    const seen: { name: EventName; payload: unknown }[] = [];
    const done = new Promise<void>((resolve) =>
      services.events.subscribe((name, payload) => {
        seen.push({ name, payload });
        if (name === 'sync.event' && (payload as { event: string }).event === 'done') resolve();
      }),
    );
    expect((await h['sources.list']({})).sources[0]).toMatchObject({
      builtin: true,
      name: 'maas-stable',
    });
    const added = await h['sources.add']({
      url: server.url,
      name: 'loop',
      keyringBase64: Buffer.from(mirror.key.publicKey).toString('base64'),
      verify: true,
    });
    expect(added.source.keyring.fingerprints).toEqual([mirror.key.fingerprint]);
    expect(added.warning).toBeNull();
    await h['images.select']({ images: ['ubuntu/jammy/amd64'] });
    const cat = await h['sources.catalog']({});
    expect(cat.sources[0]?.products.find((p) => p.subarch === 'ga-22.04')?.newestComplete).toBe(
      '20250701',
    );
    expect(await h['sync.start']({})).toMatchObject({ started: true });
    await done;
    expect(seen.some((e) => e.name === 'sync.progress')).toBe(true);
    const images = await h['images.list']({});
    expect(images.filter((i) => i.kind === 'image').map((i) => i.subarch)).toEqual([
      'ga-22.04',
      'hwe-22.04-lowlatency',
    ]);
    // Each stored version names the source that supplied it; the catalog's size of the newest
    // complete version is exactly what was stored for it.
    for (const image of images) {
      expect(image.versions[0]?.source).toEqual({ name: 'loop', url: server.url });
    }
    const low = cat.sources[0]?.products.find((p) => p.subarch === 'hwe-22.04-lowlatency');
    expect(low).toMatchObject({ kflavor: 'lowlatency', label: 'stable' });
    expect(low?.subarches).toEqual(['generic', 'hwe-22.04']);
    const stored = images.find((i) => i.subarch === 'hwe-22.04-lowlatency')?.versions[0];
    expect(low?.newestCompleteBytes).toBe(stored?.files.reduce((n, f) => n + f.size, 0));
    expect(low?.newestCompleteBytes).toBeGreaterThan(0);
    expect(
      (await h['manifests.diff']({ a: 'ubuntu/jammy/amd64@20250701', b: 'ubuntu/jammy/amd64' }))
        .changed,
    ).toEqual([]);
    expect((await h['manifests.show']({ image: 'ubuntu/jammy/amd64' })).packages).toContainEqual({
      package: 'libssl3:amd64',
      pkgVersion: '3.0.2-0ubuntu1.15',
    });
    expect((await h['sync.status']({})).runs[0]?.status).toBe('done');
    const second = await h['sources.add']({
      url: 'http://127.0.0.1:9/',
      name: 'two',
      verify: true,
    });
    expect(second.warning?.sources).toEqual(['loop', 'two']);
    expect(second.warning?.text).toMatch(/^More than one image source exists\./);
  });

  it('sources.catalog lists the good source and names the bad one with its reason', async () => {
    const server = await new MirrorServer(mirror.root).start();
    cleanups.push(() => server.stop());
    const services = await createServices({
      dataDir: join(tmp.path, 'data-two-sources'),
      frontDoor: 'console',
      stderrLogLevel: 'silent',
    });
    cleanups.push(() => services.dispose());
    const h = createHandlers(services);
    const keyringBase64 = Buffer.from(mirror.key.publicKey).toString('base64');
    const gone = await h['sources.add']({
      url: `${server.url}nothing-here/`,
      name: 'gone',
      keyringBase64,
      verify: true,
    });
    await h['sources.add']({ url: server.url, name: 'loop', keyringBase64, verify: true });
    const cat = await h['sources.catalog']({});
    expect(cat.sources.map((c) => c.source.name)).toEqual(['loop']);
    expect(cat.sources[0]?.products.some((p) => p.subarch === 'ga-22.04')).toBe(true);
    expect(cat.failures).toEqual([
      {
        sourceId: gone.source.id,
        sourceName: 'gone',
        code: 'source-unreachable',
        message: `Source "gone" (${server.url}nothing-here/): streams/v1/index.sjson could not be fetched (HTTP 404 not found); check the source URL and the network; previously synced images are unchanged.`,
      },
    ]);
    expect(cat.warning?.sources).toEqual(['gone', 'loop']);
  });
});

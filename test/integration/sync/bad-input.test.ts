import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootResources } from '../../../src-main/store/boot-resources';
import {
  buildMirror,
  clearsign,
  generateTestKey,
  manifestText,
  type TestKey,
} from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, sha256File, type SyncEnv } from '../../helpers/mirror/sync-env';

let key: TestKey;
beforeAll(async () => {
  key = await generateTestKey();
});
let env: SyncEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const product = 'streams/v1/com.ubuntu.maas:stable:v3:download.sjson';

/** synced: a first good sync, then a snapshot of what is stored to prove later failures lose nothing. */
async function synced(): Promise<{ e: SyncEnv; snapshot: () => string[] }> {
  const e = (env = await makeSyncEnv({ key }));
  expect(await e.run()).toBeUndefined();
  const snapshot = (): string[] =>
    new BootResources(e.db, e.dataDir)
      .listImages()
      .flatMap((i) =>
        i.files.map(
          (f) => `${i.subarch}@${i.version} ${f.ftype} ${sha256File(f.path) === f.sha256}`,
        ),
      )
      .sort();
  return { e, snapshot };
}

function itemPath(e: SyncEnv, ftype: string, version = '20250701'): string {
  const it = e.mirror.items.find((i) => i.ftype === ftype && i.version === version);
  if (!it) throw new Error(`no ${ftype}`);
  return it.path;
}

describe('bad input is refused with one clear sentence and loses nothing', () => {
  it('a tampered product file (bad signature)', async () => {
    const { e, snapshot } = await synced();
    const before = snapshot();
    e.server.setFaults([{ path: product, kind: 'tamper', find: '20250701', replace: '20250702' }]);
    const err = await e.run();
    expect(err?.message).toMatch(
      /^Source "loop" \(http:\/\/127\.0\.0\.1:\d+\/\): streams\/v1\/com\.ubuntu\.maas:stable:v3:download\.sjson was refused: its signature does not verify .*tampered with/,
    );
    expect(snapshot()).toEqual(before);
    expect(e.events.at(-1)).toMatchObject({ event: 'error', code: 'bad-signature' });
  });

  it('a missing signature', async () => {
    const { e, snapshot } = await synced();
    const before = snapshot();
    e.server.setFaults([
      {
        path: 'streams/v1/index.sjson',
        kind: 'tamper',
        find: '-----BEGIN PGP SIGNED MESSAGE-----',
        replace: '',
      },
    ]);
    expect((await e.run())?.message).toMatch(
      /index\.sjson was refused: it is not signed; point the source at a signed mirror/,
    );
    expect(snapshot()).toEqual(before);
  });

  it('the wrong keyring', async () => {
    env = await makeSyncEnv({ key, configure: false });
    const other = await generateTestKey('Other');
    await env.sources.add({
      url: env.server.url,
      name: 'loop',
      keyring: other.publicBinary,
      verify: true,
    });
    env.sources.select(['ubuntu/jammy/amd64']);
    expect((await env.run())?.message).toMatch(
      /index\.sjson was refused: it is signed by a key that is not in the source's keyring .*pass the keyring that signs this mirror with --keyring/,
    );
  });

  it('a file whose sha256 differs is not retried and not stored', async () => {
    const { e, snapshot } = await synced();
    await rebuildWithNewVersion(e);
    const before = snapshot();
    const squash = itemPath(e, 'squashfs', '20250901');
    e.server.setFaults([{ path: squash, kind: 'corrupt' }]);
    const err = await e.run();
    expect(err?.message).toMatch(
      new RegExp(
        `${squash} was refused because its sha256 is [0-9a-f]{64}, not the [0-9a-f]{64} the signed stream lists`,
      ),
    );
    expect(e.server.requests.filter((r) => r.path === squash)).toHaveLength(1);
    expect(snapshot()).toEqual(before);
  });

  it('a truncated transfer is retried, then reported; the next sync resumes from the partial file', async () => {
    const { e } = await synced();
    await rebuildWithNewVersion(e);
    const squash = itemPath(e, 'squashfs', '20250901');
    e.server.setFaults([{ path: squash, kind: 'drop', afterBytes: 3000 }]);
    const err = await e.run();
    expect(err?.message).toMatch(
      new RegExp(
        `${squash} could not be downloaded after 3 tries \\(the connection dropped mid-transfer\\); check the network and run sync again to resume`,
      ),
    );
    expect(readdirSync(join(e.dataDir, 'blobs', 'partial')).length).toBe(1);
    e.server.setFaults([]);
    e.server.requests.length = 0;
    expect(await e.run()).toBeUndefined();
    expect(e.server.requests.find((r) => r.path === squash)?.range).toMatch(/^bytes=9000-$/);
    expect(new BootResources(e.db, e.dataDir).findImage('ubuntu/jammy/amd64')?.version).toBe(
      '20250901',
    );
  });

  it('HTTP 404 is not retried (the version before it is kept); HTTP 500 is retried', async () => {
    const { e, snapshot } = await synced();
    await rebuildWithNewVersion(e);
    const before = snapshot();
    const kernel = itemPath(e, 'boot-kernel', '20250901');
    e.server.setFaults([{ path: kernel, kind: 'status', status: 404 }]);
    expect(await e.run()).toBeUndefined();
    expect(e.events).toContainEqual({
      event: 'warning',
      code: 'older-version',
      message: expect.stringContaining(
        `${kernel} of ubuntu/jammy/amd64/ga-22.04 20250901 is missing on the mirror (HTTP 404 not found), so the newest version that is there, 20250701, is synced instead.`,
      ),
    });
    expect(e.server.requests.filter((r) => r.path === kernel)).toHaveLength(1);
    expect(snapshot()).toEqual(before);
    e.server.setFaults([{ path: kernel, kind: 'status', status: 500, times: 2 }]);
    e.server.requests.length = 0;
    expect(await e.run()).toBeUndefined();
    expect(e.server.requests.filter((r) => r.path === kernel).map((r) => r.status)).toEqual([
      500, 500, 200,
    ]);
  });

  it('an unreachable host', async () => {
    const { e, snapshot } = await synced();
    const before = snapshot();
    e.sources.remove('loop');
    await e.sources.add({
      url: 'http://127.0.0.1:9/',
      name: 'gone',
      keyring: key.publicBinary,
      verify: true,
    });
    expect((await e.run())?.message).toBe(
      'Source "gone" (http://127.0.0.1:9/): streams/v1/index.sjson could not be fetched (connection refused); check the source URL and the network; previously synced images are unchanged.',
    );
    expect(snapshot()).toEqual(before);
  });

  it('a keyring file that is not OpenPGP', async () => {
    env = await makeSyncEnv({ key, configure: false });
    await expect(
      env.sources.add({
        url: env.server.url,
        keyring: new TextEncoder().encode('ssh-rsa AAAA'),
        keyringLabel: 'id_rsa.pub',
        verify: true,
      }),
    ).rejects.toThrow(/^The keyring id_rsa\.pub is not an OpenPGP public key file/);
    expect(env.sources.store.listSources()).toEqual([]);
  });

  it('malformed JSON in a signed product file', async () => {
    const { e, snapshot } = await synced();
    const before = snapshot();
    writeFileSync(join(e.mirror.root, product), await clearsign('{"products": [1, 2', key));
    expect((await e.run())?.message).toMatch(/download\.sjson is not usable: it is not valid JSON/);
    expect(snapshot()).toEqual(before);
  });

  it('a hostile manifest', async () => {
    env = await makeSyncEnv({
      key,
      build: (root, k) =>
        buildMirror({
          root,
          key: k,
          images: [
            {
              release: 'jammy',
              version: '22.04',
              arch: 'amd64',
              subarch: 'ga-22.04',
              versions: {
                '1': {
                  kernel: 'k',
                  initrd: 'i',
                  squashfs: 's',
                  manifest: 'bash\t5\n../../etc\tx\n',
                },
              },
            },
          ],
        }),
    });
    expect((await env.run())?.message).toMatch(
      /squashfs\.manifest is not a valid package manifest \(line 2: invalid package name "\.\.\/\.\.\/etc"\); that image version was not stored/,
    );
    expect(new BootResources(env.db, env.dataDir).listImages()).toEqual([]);
  });

  it('a hostile bootloader archive', async () => {
    env = await makeSyncEnv({
      key,
      build: (root, k) =>
        buildMirror({
          root,
          key: k,
          images: [],
          bootloaders: [
            {
              os: 'pxelinux',
              type: 'pxe',
              arch: 'i386',
              versions: { '1.0': { syslinux: { '../escape.c32': 'x' } } },
            },
          ],
        }),
    });
    expect((await env.run())?.message).toMatch(
      /the bootloader archive of pxelinux\/pxe\/i386 1\.0 was refused \(member name \.\.\/escape\.c32 leaves the folder\)/,
    );
    expect(new BootResources(env.db, env.dataDir).listBootloaders()).toEqual([]);
  });

  it('two syncs at once: the second is refused', async () => {
    env = await makeSyncEnv({ key });
    env.server.setFaults([{ path: /squashfs$/, kind: 'slow', bytesPerSecond: 40_000 }]);
    const first = env.run();
    await new Promise((r) => setTimeout(r, 100));
    await expect(env.sync.run(() => {})).rejects.toThrow(
      /^A sync is already running in this data folder \(pid \d+\)/,
    );
    expect(await first).toBeUndefined();
  });

  it('cancel keeps the partial files and the next sync resumes them', async () => {
    env = await makeSyncEnv({ key });
    env.server.setFaults([{ path: /squashfs$/, kind: 'slow', bytesPerSecond: 20_000 }]);
    const run = env.run();
    await new Promise((r) => setTimeout(r, 600));
    expect(env.sync.cancel()).toBe(true);
    expect((await run)?.message).toMatch(
      /^The sync was cancelled; files downloaded so far are kept/,
    );
    expect(readdirSync(join(env.dataDir, 'blobs', 'partial')).length).toBeGreaterThan(0);
    env.server.setFaults([]);
    env.server.requests.length = 0;
    expect(await env.run()).toBeUndefined();
    expect(env.server.requests.some((r) => r.range !== undefined)).toBe(true);
  });

  it('not enough free disk space', async () => {
    env = await makeSyncEnv({ key, sync: { freeBytes: async () => 1000 } });
    expect((await env.run())?.message).toMatch(
      /^Not enough free disk space in .*: the sync needs [\d.]+ MB but only 0\.0 MB are free; free some space or choose another folder with --data\.$/,
    );
  });

  it('an unsigned source added with verification off works and is reported every time', async () => {
    env = await makeSyncEnv({ key, configure: false });
    await env.sources.add({
      url: `${env.server.url}streams/v1/index.json`,
      name: 'plain',
      verify: false,
    });
    env.sources.select(['ubuntu/jammy/amd64']);
    expect(await env.run()).toBeUndefined();
    expect(
      env.events.find((e) => e.event === 'warning' && e.code === 'unverified-source'),
    ).toBeDefined();
    expect(env.server.requests.some((r) => r.path.endsWith('.sjson'))).toBe(false);
  });
});

/** rebuildWithNewVersion publishes a newer complete jammy version in the same mirror. */
async function rebuildWithNewVersion(e: SyncEnv): Promise<void> {
  const files = (tag: string) => ({
    kernel: `kernel ${tag} `.repeat(500),
    initrd: `initrd ${tag} `.repeat(800),
    squashfs: `squashfs ${tag} `.repeat(2000),
    manifest: manifestText({ bash: '5.2', openssl: '3.0.13' }),
  });
  e.mirror = await buildMirror({
    root: e.mirror.root,
    key,
    images: [
      {
        release: 'jammy',
        version: '22.04',
        arch: 'amd64',
        subarch: 'ga-22.04',
        versions: { '20250701': files('old'), '20250901': files('new') },
      },
    ],
  });
}

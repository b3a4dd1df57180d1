import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BuiltMirror } from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir();
let mirror: BuiltMirror;
let server: MirrorServer | undefined;
let keyFile: string;
const data = join(tmp.path, 'data');
const lb = (...args: string[]) => runLabboot(['--data', data, ...args]);

beforeAll(async () => {
  mirror = await standardMirror(join(tmp.path, 'mirror'));
  server = await new MirrorServer(mirror.root).start();
  keyFile = join(tmp.path, 'mirror.asc');
  writeFileSync(keyFile, mirror.key.publicKey);
});
afterAll(async () => {
  await server?.stop();
  tmp.remove();
});

// Each CLI run is a fresh Node process (about 1–3 s on a busy machine); allow for ten of them.
describe('labboot sources/select/sync/images/manifest', { timeout: 180_000 }, () => {
  it('syncs from a loopback mirror and answers images and manifests with the network gone', async () => {
    const add = await lb(
      '--json',
      'sources',
      'add',
      server?.url ?? '',
      '--keyring',
      keyFile,
      '--name',
      'loop',
    );
    expect(add.status, add.stderr).toBe(0);
    const list = await lb('--json', 'sources', 'list');
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({
        name: 'loop',
        url: server?.url,
        keyring: expect.objectContaining({ fingerprints: [mirror.key.fingerprint] }),
      }),
    ]);
    // Before any catalog is fetched the release number cannot be named yet.
    const early = await lb('select', 'add', 'ubuntu/22.04/amd64');
    expect(early.status, early.stderr).toBe(0);
    expect(early.stdout).toContain('Selected ubuntu/22.04/amd64 (not in a fetched catalog yet;');
    const url = server?.url ?? '';

    const sync = await lb('--json', 'sync');
    expect(sync.status, sync.stderr).toBe(0);
    const events = sync.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string });
    expect(events[events.length - 1]?.event).toBe('done');
    expect(events.some((e) => e.event === 'progress' && 'bytes' in e && 'total' in e)).toBe(true);

    const catalog = await lb('catalog');
    expect(catalog.status, catalog.stderr).toBe(0);
    expect(catalog.stdout).toMatch(
      /image\s+ubuntu\/jammy\/amd64\s+hwe-22\.04-lowlatency\s+lowlatency\s+generic,hwe-22\.04\s+20250701\s+[\d.]+ MB\s+\d+$/m,
    );

    await server?.stop();
    server = undefined;

    const images = await lb('--json', 'images');
    expect(images.status, images.stderr).toBe(0);
    const parsed = JSON.parse(images.stdout) as {
      kind: string;
      subarch: string;
      versions: { version: string; complete: boolean; files: { sha256: string; path: string }[] }[];
    }[];
    const kernels = parsed.filter((i) => i.kind === 'image');
    expect(kernels.map((k) => [k.subarch, k.versions.map((v) => v.version)])).toEqual([
      ['ga-22.04', ['20250701']],
      ['hwe-22.04-lowlatency', ['20250701']],
    ]);
    for (const f of kernels.flatMap((k) => k.versions.flatMap((v) => v.files))) {
      expect(createHash('sha256').update(readFileSync(f.path)).digest('hex')).toBe(f.sha256);
    }
    for (const k of kernels) {
      expect(k).toMatchObject({ versions: [{ source: { name: 'loop', url } }] });
    }
    const table = await lb('images');
    expect(table.stdout).toMatch(
      /^KIND\s+IMAGE\s+SUBARCH\s+KFLAVOR\s+LABEL\s+VERSIONS\s+SIZE\s+SOURCE$/m,
    );
    expect(table.stdout).toMatch(
      /hwe-22\.04-lowlatency\s+lowlatency\s+stable\s+20250701\s+[\d.]+ MB\s+loop$/m,
    );

    // The sync cached the catalog: the number now resolves to the codename, and the selection
    // made by number is replaced rather than duplicated.
    const again = await lb('select', 'add', 'ubuntu/22.04/amd64');
    expect(again.stdout).toContain('Selected ubuntu/jammy/amd64 (from ubuntu/22.04/amd64).');
    const selections = await lb('--json', 'select', 'list');
    expect(JSON.parse(selections.stdout)).toEqual([
      { id: expect.any(Number), os: 'ubuntu', release: 'jammy', arch: 'amd64' },
    ]);
    const removed = await lb('--json', 'select', 'remove', 'ubuntu/22.04/amd64');
    expect(removed.status, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toEqual([]);
    expect((await lb('select', 'add', 'ubuntu/jammy/amd64')).stdout).toContain(
      'Selected ubuntu/jammy/amd64.',
    );

    const search = await lb('--json', 'manifest', 'search', 'ssl');
    expect(JSON.parse(search.stdout)).toEqual([
      {
        image: 'ubuntu/jammy/amd64',
        version: '20250701',
        package: 'libssl3:amd64',
        pkgVersion: '3.0.2-0ubuntu1.15',
      },
      {
        image: 'ubuntu/jammy/amd64',
        version: '20250701',
        package: 'openssl',
        pkgVersion: '3.0.2-0ubuntu1.15',
      },
    ]);
    const show = await lb('manifest', 'show', 'ubuntu/jammy/amd64');
    expect(show.stdout).toContain('bash');
    const bad = await lb('manifest', 'diff', 'ubuntu/jammy/amd64@20250601', 'ubuntu/jammy/amd64');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /^labboot: No stored manifest for ubuntu\/jammy\/amd64@20250601; run "labboot images"/,
    );
  });

  it('prints the multi-source banner on stderr once a second source exists', async () => {
    const add = await lb(
      'sources',
      'add',
      'http://127.0.0.1:9/other/',
      '--no-verify',
      '--name',
      'other',
    );
    expect(add.status).toBe(0);
    const list = await lb('sources', 'list');
    expect(list.stderr).toContain(
      'More than one image source exists. The UI does not support updating synced images when more than one source has been defined. Use the API to adjust your sources. Sources: loop, other.',
    );
    expect(list.stderr).toContain('source "other" is not verified');
    expect(list.stdout).toContain('NOT VERIFIED');
  });
});

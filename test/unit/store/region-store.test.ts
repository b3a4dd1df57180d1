import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore } from '../../../src-main/store/blob-store';
import { BootResources } from '../../../src-main/store/boot-resources';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { ManifestStore } from '../../../src-main/store/manifest-store';
import { migrations } from '../../../src-main/store/migrations/index';
import { RegionStore } from '../../../src-main/store/region-store';
import type { Resource } from '../../../src-main/store/types';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() =>
  cleanups
    .splice(0)
    .reverse()
    .forEach((c) => c()),
);

function open(): { db: Database; dir: string; store: RegionStore; blobs: BlobStore } {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  const blobs = new BlobStore(tmp.path);
  return { db, dir: tmp.path, store: new RegionStore(db, blobs), blobs };
}

const key = (subarch: string): Resource => ({
  kind: 'image',
  os: 'ubuntu',
  release: 'jammy',
  arch: 'amd64',
  subarch,
  kflavor: 'generic',
  label: 'stable',
  bootloaderType: '',
  product: `p:${subarch}`,
  sourceUrl: 'http://m/',
  sourceName: 'm',
});
const sha = (c: string): string => c.repeat(64);

describe('RegionStore', () => {
  it('refuses duplicate sources and unknown selections with one sentence', () => {
    const { store } = open();
    store.addSource({
      name: 'a',
      url: 'http://a/',
      keyringKind: 'none',
      keyring: null,
      fingerprints: [],
    });
    expect(() =>
      store.addSource({
        name: 'b',
        url: 'http://a/',
        keyringKind: 'none',
        keyring: null,
        fingerprints: [],
      }),
    ).toThrow(/^The boot source http:\/\/a\/ is already configured as "a"/);
    expect(() => store.removeSource('nope')).toThrow(/^No boot source "nope" exists/);
    expect(() => store.removeSelections([{ os: 'ubuntu', release: 'x', arch: 'y' }])).toThrow(
      /is not selected/,
    );
    expect(
      store.addSelections([
        { os: 'ubuntu', release: 'jammy', arch: 'amd64' },
        { os: 'ubuntu', release: 'jammy', arch: 'amd64' },
      ]),
    ).toHaveLength(1);
  });

  it('publishes versions atomically, lists the newest first, keeps the newest two', () => {
    const { store, db, dir } = open();
    for (const [v, c] of [
      ['20250101', 'a'],
      ['20250201', 'b'],
      ['20250301', 'c'],
    ] as const) {
      store.publishVersion(
        key('ga-22.04'),
        v,
        [{ name: 'squashfs', ftype: 'squashfs', sha256: sha(c), size: 1, path: 'x' }],
        null,
      );
    }
    expect(store.listResources()[0]?.versions.map((v) => v.version)).toEqual([
      '20250301',
      '20250201',
      '20250101',
    ]);
    // A failing extra step rolls the whole publish back.
    expect(() =>
      store.publishVersion(
        key('ga-22.04'),
        '20250401',
        [{ name: 'k', ftype: 'boot-kernel', sha256: sha('d'), size: 1, path: 'x' }],
        null,
        () => {
          throw new Error('boom');
        },
      ),
    ).toThrow('boom');
    expect(store.hasVersion(key('ga-22.04'), '20250401')).toBe(false);
    store.pruneVersions(2);
    expect(store.listResources()[0]?.versions.map((v) => v.version)).toEqual([
      '20250301',
      '20250201',
    ]);
    expect([...store.referencedBlobs()].sort()).toEqual([sha('b'), sha('c')]);
    const boot = new BootResources(db, dir);
    expect(boot.findImage('ubuntu/jammy/amd64')?.files[0]?.path).toBe(
      join(dir, 'blobs', 'sha256', 'cc', sha('c')),
    );
    expect(boot.findImage('ubuntu/jammy/arm64')).toBeUndefined();
  });

  it('records the source of each version, and backfills versions stored before migration 101', () => {
    const tmp = makeTempDir();
    cleanups.push(tmp.remove);
    const file = join(tmp.path, 'labboot.sqlite');
    const old = openDatabase(
      file,
      migrations.filter((m) => m.id < 101),
    );
    old.exec(`
      INSERT INTO boot_sources (id, name, url, keyring_kind) VALUES (1, 'loop', 'http://m/', 'none');
      INSERT INTO resources (id, kind, os, release, arch, subarch, kflavor, label, bootloader_type,
        product, source_url)
      VALUES (1, 'image', 'ubuntu', 'jammy', 'amd64', 'ga-22.04', 'generic', 'stable', '', 'p',
        'http://m/');
      INSERT INTO resource_versions (resource_id, version) VALUES (1, '20250601');
    `);
    old.close();
    const db = openDatabase(file);
    cleanups.push(() => db.close());
    const store = new RegionStore(db, new BlobStore(tmp.path));
    store.publishVersion(
      { ...key('ga-22.04'), sourceName: 'other', sourceUrl: 'http://o/' },
      '20250701',
      [],
      null,
    );
    const [resource] = store.listResources();
    expect(resource?.versions.map((v) => [v.version, v.source])).toEqual([
      ['20250701', { name: 'other', url: 'http://o/' }],
      ['20250601', { name: 'loop', url: 'http://m/' }],
    ]);
    expect(resource?.sourceName).toBe('other');
  });

  it('drops images no longer selected when pruning', () => {
    const { store } = open();
    store.publishVersion(key('ga-22.04'), '1', [], null);
    store.pruneVersions(2, () => false);
    expect(store.listResources()).toEqual([]);
  });
});

describe('BlobStore', () => {
  it('publishes a partial file by rename and collects unreferenced blobs and partials', async () => {
    const { blobs } = open();
    await blobs.ensureDirs();
    writeFileSync(blobs.partialPathFor(sha('a')), 'x');
    writeFileSync(blobs.partialPathFor(sha('b')), 'y');
    await blobs.publish(sha('a'));
    expect(await blobs.has(sha('a'), 1)).toBe(true);
    expect(await blobs.has(sha('a'), 2)).toBe(false);
    expect(await blobs.collect(new Set())).toEqual([sha('a')]);
    expect(existsSync(blobs.partialPathFor(sha('b')))).toBe(false);
    expect(() => blobs.pathFor('../../etc/passwd')).toThrow(/not a sha256/);
  });
});

describe('ManifestStore', () => {
  it('searches by substring with LIKE wildcards taken literally, and explains a missing image', () => {
    const { db, store } = open();
    const m = new ManifestStore(db);
    store.publishVersion(
      key('ga-22.04'),
      '1',
      [{ name: 'manifest', ftype: 'manifest', sha256: sha('e'), size: 1, path: 'x' }],
      null,
      () =>
        m.importManifest(sha('e'), [
          { name: 'lib_x', arch: '', version: '1' },
          { name: 'libyx', arch: 'amd64', version: '2' },
        ]),
    );
    expect(m.search('b_').map((h) => h.package)).toEqual(['lib_x']);
    expect(m.search('LIB').map((h) => h.package)).toEqual(['lib_x', 'libyx:amd64']);
    expect(m.search('%')).toEqual([]);
    expect(() => m.search('  ')).toThrow(/search term is empty/);
    expect(() => m.show('ubuntu/jammy')).toThrow(/is not an image; write OS\/RELEASE\/ARCH/);
    expect(() => m.show('ubuntu/noble/amd64')).toThrow(
      /^No stored manifest for ubuntu\/noble\/amd64/,
    );
    expect(m.show('ubuntu/jammy/amd64@1').entries).toHaveLength(2);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BlobStore } from '../../../src-main/store/blob-store';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { ManifestStore, packManifest } from '../../../src-main/store/manifest-store';
import { migrations } from '../../../src-main/store/migrations/index';
import { RegionStore } from '../../../src-main/store/region-store';
import type { Resource } from '../../../src-main/store/types';
import { diffManifests } from '../../../src-shared/manifest/diff';
import type { ManifestEntry } from '../../../src-shared/manifest/parse';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() =>
  cleanups
    .splice(0)
    .reverse()
    .forEach((c) => c()),
);

function tempFile(): string {
  const tmp = makeTempDir();
  cleanups.push(tmp.remove);
  return join(tmp.path, 'labboot.sqlite');
}

function track(db: Database): Database {
  cleanups.push(() => db.close());
  return db;
}

const key = (release: string): Resource => ({
  kind: 'image',
  os: 'ubuntu',
  release,
  arch: 'amd64',
  subarch: 'ga-22.04',
  kflavor: 'generic',
  label: 'stable',
  bootloaderType: '',
  product: `p:${release}`,
  sourceUrl: 'http://m/',
  sourceName: 'm',
});

/** publish stores one image version whose manifest has the given entries. */
function publish(
  region: RegionStore,
  store: ManifestStore,
  release: string,
  version: string,
  entries: ManifestEntry[],
): void {
  const sha = `${release}${version}`.padEnd(64, '0');
  region.publishVersion(
    key(release),
    version,
    [{ name: 'manifest', ftype: 'manifest', sha256: sha, size: 1, path: 'x' }],
    null,
    () => store.importManifest(sha, entries),
  );
}

// Deterministic pseudo-random manifests with names that are prefixes of each other and
// arch-qualified twins, the cases where name order and qualified-name order differ.
function randomManifest(seed: number): ManifestEntry[] {
  let s = seed;
  const next = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const names = ['foo', 'foo-bar', 'foo.x', 'foo2', 'libc6', 'libc6-dev', 'zlib1g', 'a+b'];
  const out = new Map<string, ManifestEntry>();
  for (let i = 0; i < 12; i++) {
    const name = names[next(names.length)] ?? 'foo';
    const arch = next(3) === 0 ? 'amd64' : next(4) === 0 ? 'i386' : '';
    out.set(`${name}:${arch}`, { name, arch, version: `1.${next(3)}` });
  }
  return [...out.values()];
}

describe('ManifestStore', () => {
  it('diffs exactly as diffManifests does, sorted by qualified name', () => {
    const db = track(openDatabase(tempFile()));
    const region = new RegionStore(db, new BlobStore('/unused'));
    const store = new ManifestStore(db);
    const manifests = Array.from({ length: 30 }, (_, i) => randomManifest(i + 1));
    manifests.forEach((m, i) => publish(region, store, `r${i}`, '1', m));
    publish(region, store, 'empty', '1', []);
    for (let i = 0; i < manifests.length; i++) {
      const j = (i * 7 + 3) % manifests.length;
      const expected = diffManifests(manifests[i] ?? [], manifests[j] ?? []);
      expect(store.diff(`ubuntu/r${i}/amd64@1`, `ubuntu/r${j}/amd64`)).toEqual(expected);
    }
    expect(store.diff('ubuntu/empty/amd64', 'ubuntu/r0/amd64')).toEqual(
      diffManifests([], manifests[0] ?? []),
    );
    expect(store.diff('ubuntu/r1/amd64', 'ubuntu/r1/amd64')).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });

  it('shows packages sorted by name then arch, and searches them', () => {
    const db = track(openDatabase(tempFile()));
    const region = new RegionStore(db, new BlobStore('/unused'));
    const store = new ManifestStore(db);
    const entries: ManifestEntry[] = [
      { name: 'foo-bar', arch: '', version: '2' },
      { name: 'foo', arch: 'amd64', version: '1' },
      { name: 'foo', arch: '', version: '1' },
    ];
    publish(region, store, 'jammy', '20250701', entries);
    expect(store.show('ubuntu/jammy/amd64').entries).toEqual([
      { name: 'foo', arch: '', version: '1' },
      { name: 'foo', arch: 'amd64', version: '1' },
      { name: 'foo-bar', arch: '', version: '2' },
    ]);
    expect(store.search('FOO').map((h) => `${h.image}@${h.version} ${h.package}`)).toEqual([
      'ubuntu/jammy/amd64@20250701 foo',
      'ubuntu/jammy/amd64@20250701 foo:amd64',
      'ubuntu/jammy/amd64@20250701 foo-bar',
    ]);
  });

  it('imports names another store instance added meanwhile (another process)', () => {
    const file = tempFile();
    const db1 = track(openDatabase(file));
    const db2 = track(openDatabase(file));
    const one = new ManifestStore(db1);
    const two = new ManifestStore(db2);
    const region1 = new RegionStore(db1, new BlobStore('/unused'));
    const region2 = new RegionStore(db2, new BlobStore('/unused'));
    // two caches names first, then one adds a name two has never seen.
    publish(region2, two, 'focal', '1', [{ name: 'bash', arch: '', version: '5' }]);
    publish(region1, one, 'jammy', '1', [{ name: 'curl', arch: '', version: '7' }]);
    publish(region2, two, 'noble', '1', [
      { name: 'curl', arch: '', version: '8' },
      { name: 'bash', arch: '', version: '5.2' },
    ]);
    expect(two.search('curl').map((h) => `${h.image} ${h.pkgVersion}`)).toEqual([
      'ubuntu/jammy/amd64 7',
      'ubuntu/noble/amd64 8',
    ]);
  });

  it('forgets name ids that a rolled-back publish handed out', () => {
    const db = track(openDatabase(tempFile()));
    const region = new RegionStore(db, new BlobStore('/unused'));
    const store = new ManifestStore(db);
    const curl: ManifestEntry[] = [{ name: 'curl', arch: '', version: '7' }];
    expect(() =>
      region.publishVersion(key('focal'), '1', [], null, () => {
        store.importManifest('f'.repeat(64), curl);
        throw new Error('later step failed');
      }),
    ).toThrow('later step failed');
    // Another writer takes the id 'curl' had inside the rolled-back transaction.
    db.prepare("INSERT INTO package_names (name) VALUES ('wget')").run();
    publish(region, store, 'jammy', '1', curl);
    expect(store.search('curl').map((h) => h.pkgVersion)).toEqual(['7']);
    expect(store.search('wget')).toEqual([]);
  });

  it('backfills the packed text of manifests stored before migration 102', () => {
    const file = tempFile();
    const old = openDatabase(
      file,
      migrations.filter((m) => m.id < 102),
    );
    old.exec(`
      INSERT INTO package_names (id, name) VALUES (1, 'zlib1g'), (2, 'foo'), (3, 'foo-bar');
      INSERT INTO manifests (id, sha256, package_count) VALUES (1, 'a', 3), (2, 'b', 0);
      INSERT INTO manifest_packages VALUES (1, 1, '', '1.2'), (1, 2, 'amd64', '3'),
        (1, 3, '', '4');
    `);
    old.close();
    const db = track(openDatabase(file));
    const packed = db.prepare('SELECT sha256, packages FROM manifests ORDER BY id').all();
    const store = new ManifestStore(db);
    expect(packed).toEqual([
      {
        sha256: 'a',
        packages: packManifest([
          { name: 'zlib1g', arch: '', version: '1.2' },
          { name: 'foo', arch: 'amd64', version: '3' },
          { name: 'foo-bar', arch: '', version: '4' },
        ]),
      },
      { sha256: 'b', packages: '' },
    ]);
    expect(store.entries('a').map((e) => e.name)).toEqual(['foo', 'foo-bar', 'zlib1g']);
    const index = db
      .prepare("SELECT name FROM sqlite_master WHERE name = 'manifest_packages_name'")
      .get();
    expect(index).toBeUndefined();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore } from '../../../src-main/store/blob-store';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { ResourceStore, type PublishFile } from '../../../src-main/store/resource-store';
import type { Resource } from '../../../src-main/store/types';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function open(): { db: Database; dir: string; store: ResourceStore; blobs: BlobStore } {
  const tmp = makeTempDir();
  const file = join(tmp.path, 'labboot.sqlite');
  const db = openDatabase(file);
  cleanups.push(tmp.remove, () => db.close());
  const blobs = new BlobStore(tmp.path);
  return { db, dir: tmp.path, store: new ResourceStore(db, blobs), blobs };
}

const image: Resource = {
  kind: 'image',
  os: 'ubuntu',
  release: 'jammy',
  arch: 'amd64',
  subarch: 'ga-22.04',
  kflavor: 'generic',
  label: 'stable',
  bootloaderType: '',
  product: 'p',
  sourceUrl: 'http://m/',
  sourceName: 'm',
};
const sha = (c: string): string => c.repeat(64);

/** storeBlob puts a blob of `size` bytes at its final path, as a finished download would. */
async function storeBlob(blobs: BlobStore, c: string, size: number): Promise<PublishFile> {
  await blobs.ensureDirs();
  writeFileSync(blobs.partialPathFor(sha(c)), Buffer.alloc(size, c));
  await blobs.publish(sha(c));
  return { name: `f-${c}`, ftype: 'squashfs', sha256: sha(c), size, path: `x/${c}` };
}

describe('ResourceStore.hasVersion', () => {
  it('trusts a stored version only while every blob is present with its size', async () => {
    const { store, blobs } = open();
    const files = [await storeBlob(blobs, 'a', 10), await storeBlob(blobs, 'b', 20)];
    store.publishVersion(image, '1', files, null);
    expect(store.hasVersion(image, '1')).toBe(true);
    expect(store.hasVersion({ ...image, subarch: 'hwe-22.04' }, '1')).toBe(false);

    truncateSync(blobs.pathFor(sha('b')), 7);
    expect(store.hasVersion(image, '1')).toBe(false);
    rmSync(blobs.pathFor(sha('b')));
    expect(store.hasVersion(image, '1')).toBe(false);

    // The next sync stores the blob again and republishes: trusted again.
    await storeBlob(blobs, 'b', 20);
    store.publishVersion(image, '1', files, null);
    expect(store.hasVersion(image, '1')).toBe(true);
  });

  it('does not trust a bootloader version whose unpack folder is gone', async () => {
    const { store, blobs, dir } = open();
    const boot: Resource = { ...image, kind: 'bootloader', os: 'pxelinux', subarch: '' };
    const unpacked = join(dir, 'bootloaders', 'pxe', 'i386', 'pxelinux-1');
    mkdirSync(unpacked, { recursive: true });
    store.publishVersion(boot, '1', [await storeBlob(blobs, 'c', 5)], unpacked);
    expect(store.hasVersion(boot, '1')).toBe(true);
    rmSync(unpacked, { recursive: true });
    expect(store.hasVersion(boot, '1')).toBe(false);
  });

  it('after a power loss drops the last commits, the version whose blobs a prune deleted is fetched again', async () => {
    const { store, blobs, db, dir } = open();
    const unpackRoot = join(dir, 'bootloaders');
    store.publishVersion(image, '1', [await storeBlob(blobs, 'a', 10)], null);
    store.publishVersion(image, '2', [await storeBlob(blobs, 'b', 10)], null);
    // The database as the disk held it before the next publish and prune reached it.
    const before = join(dir, 'before.sqlite');
    await db.backup(before);
    store.publishVersion(image, '3', [await storeBlob(blobs, 'c', 10)], null);
    await store.prune({ keep: 2, unpackRoot });
    expect(await blobs.has(sha('a'), 10)).toBe(false);

    const lost = openDatabase(before);
    cleanups.push(() => lost.close());
    const reopened = new ResourceStore(lost, blobs);
    expect(reopened.listResources()[0]?.versions.map((v) => v.version)).toEqual(['2', '1']);
    expect(reopened.hasVersion(image, '1')).toBe(false);
    expect(reopened.hasVersion(image, '2')).toBe(true);
  });
});

describe('ResourceStore durability', () => {
  it('commits publish and prune with synchronous=FULL, and bookkeeping with NORMAL', async () => {
    const { store, blobs, db, dir } = open();
    const level = (): unknown => db.pragma('synchronous', { simple: true });
    const normal = 1;
    const full = 2;
    let duringPublish: unknown;
    store.publishVersion(image, '1', [await storeBlob(blobs, 'a', 1)], null, () => {
      duringPublish = level();
    });
    store.publishVersion(image, '2', [], null);
    store.publishVersion(image, '3', [], null);
    let duringPrune: unknown;
    const pruned = await store.prune({
      keep: 2,
      unpackRoot: join(dir, 'bootloaders'),
      isSelected: () => {
        duringPrune = level();
        return true;
      },
    });
    expect([duringPublish, duringPrune]).toEqual([full, full]);
    expect(level()).toBe(normal);
    expect(pruned.blobs).toEqual([sha('a')]);
  });

  it('deletes blobs and folders only after the transaction that dropped them has committed', async () => {
    const { store, blobs, db, dir } = open();
    const boot: Resource = { ...image, kind: 'bootloader', os: 'pxelinux', subarch: '' };
    const folders = ['1', '2', '3'].map((v) => join(dir, 'bootloaders', `pxelinux-${v}`));
    for (const [i, v] of ['1', '2', '3'].entries()) {
      mkdirSync(folders[i] ?? '', { recursive: true });
      store.publishVersion(
        boot,
        v,
        [await storeBlob(blobs, String.fromCharCode(97 + i), 4)],
        folders[i] ?? null,
      );
    }
    const observed: string[] = [];
    const other = openDatabase(join(dir, 'labboot.sqlite'));
    cleanups.push(() => other.close());
    const result = await store.prune({
      keep: 2,
      unpackRoot: join(dir, 'bootloaders'),
      afterStep: (step) => {
        if (step === 'versions-dropped') {
          // Another connection already sees the drop, and nothing has been deleted yet.
          const versions = other
            .prepare('SELECT version FROM resource_versions ORDER BY version')
            .pluck()
            .all();
          observed.push(
            `${String(versions)}; blob ${String(blobs.hasSync(sha('a'), 4))}; journal ${String(
              other.prepare('SELECT count(*) FROM pending_removals').pluck().get(),
            )}`,
          );
        }
        return Promise.resolve();
      },
    });
    expect(db.inTransaction).toBe(false);
    expect(observed).toEqual(['2,3; blob true; journal 1']);
    expect(result).toEqual({ folders: [folders[0]], blobs: [sha('a')] });
    expect(store.unpackDirs()).toEqual(new Set(folders.slice(1)));
  });

  it('keeps a journalled folder that a later publish uses again, and never deletes outside the root', async () => {
    const { store, db, dir } = open();
    const unpackRoot = join(dir, 'bootloaders');
    const boot: Resource = { ...image, kind: 'bootloader', os: 'pxelinux', subarch: '' };
    const folder = join(unpackRoot, 'pxelinux-1');
    const outside = join(dir, 'not-a-bootloader');
    mkdirSync(folder, { recursive: true });
    mkdirSync(outside);
    store.publishVersion(boot, '1', [], folder);
    store.publishVersion({ ...boot, os: 'grub' }, '1', [], outside);
    // A crash right after this prune committed leaves both folders journalled for removal …
    store.pruneVersions(0);
    const journal = (): unknown =>
      db.prepare('SELECT count(*) FROM pending_removals').pluck().get();
    expect(journal()).toBe(2);
    // … and the same version is published again before the next prune.
    store.publishVersion(boot, '1', [], folder);
    expect(journal()).toBe(1);
    expect(await store.prune({ keep: 2, unpackRoot })).toEqual({ folders: [], blobs: [] });
    expect(journal()).toBe(0);
    expect(store.hasVersion(boot, '1')).toBe(true);
    expect(statSync(outside).isDirectory()).toBe(true);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import type { BootImage, BootloaderFiles } from '../../../../src-main/store/boot-resources';
import {
  CatalogueCache,
  catalogueGeneration,
} from '../../../../src-main/boot/config/catalogue-cache';
import type { BootCatalog } from '../../../../src-main/boot/config/boot-resolver';

const image = (release: string): BootImage => ({
  os: 'ubuntu',
  release,
  arch: 'amd64',
  subarch: 'ga-22.04',
  kflavor: 'generic',
  label: 'stable',
  version: '20250701',
  files: [],
});

/** A catalogue that counts its reads and returns whatever `images` holds at the time. */
function countingSource(images: BootImage[]): BootCatalog & { reads: number } {
  const source = {
    reads: 0,
    listImages: () => {
      source.reads++;
      return [...images];
    },
    findImage: (spec: string) => {
      source.reads++;
      return images.find((i) => `${i.os}/${i.release}/${i.arch}` === spec);
    },
    listBootloaders: (): BootloaderFiles[] => {
      source.reads++;
      return [];
    },
  };
  return source;
}

let db: Database | undefined;
afterEach(() => db?.close());

describe('CatalogueCache', () => {
  it('reads the source once per generation, and again after a write on the same connection', () => {
    db = openDatabase(':memory:');
    const images = [image('jammy')];
    const source = countingSource(images);
    const cache = new CatalogueCache(source, catalogueGeneration(db));
    for (let i = 0; i < 100; i++) {
      cache.listImages();
      cache.listBootloaders();
      cache.findImage('ubuntu/jammy/amd64');
    }
    expect(source.reads).toBe(3);

    images.push(image('noble'));
    // The source changed but the store's generation did not: the cached list stands.
    expect(cache.listImages().map((i) => i.release)).toEqual(['jammy']);
    expect(source.reads).toBe(3);
    // A publish: the trigger on resources bumps the generation inside the same connection.
    db.prepare(
      `INSERT INTO resources (kind, os, release, arch, subarch, kflavor, label, bootloader_type, product, source_url)
       VALUES ('image', 'ubuntu', 'noble', 'amd64', 'ga-24.04', 'generic', 'stable', '', 'p', 'u')`,
    ).run();
    expect(cache.findImage('ubuntu/noble/amd64')?.release).toBe('noble');
    expect(cache.listImages().map((i) => i.release)).toEqual(['jammy', 'noble']);

    // A prune: deleting rows bumps it as well.
    images.pop();
    db.prepare("DELETE FROM resources WHERE release = 'noble'").run();
    expect(cache.listImages().map((i) => i.release)).toEqual(['jammy']);
  });
});

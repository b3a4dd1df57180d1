import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BlobStore } from '../../../src-main/store/blob-store';
import { openDatabase } from '../../../src-main/store/database';
import { ResourceStore } from '../../../src-main/store/resource-store';
import { sha256Hex, StreamStore } from '../../../src-main/store/stream-store';
import type { Resource } from '../../../src-main/store/types';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function open(): { streams: StreamStore; resources: ResourceStore; generation: () => number } {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  const read = db.prepare('SELECT n FROM catalogue_generation WHERE id = 1').pluck();
  return {
    streams: new StreamStore(db),
    resources: new ResourceStore(db, new BlobStore(tmp.path)),
    generation: () => read.get() as number,
  };
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
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const file = {
  name: 'squashfs',
  ftype: 'squashfs',
  sha256: 'a'.repeat(64),
  size: 1,
  path: 'x/squashfs',
};

describe('StreamStore', () => {
  it('keeps each signed file byte for byte at its stream path, and a new read replaces the tree', () => {
    const { streams, generation } = open();
    const before = generation();
    streams.saveTree('http://m/', [
      { path: 'streams/v1/index.sjson', contentId: '', bytes: bytes('index 1'), verified: true },
      { path: 'streams/v1/p.sjson', contentId: 'p', bytes: bytes('products 1'), verified: true },
    ]);
    expect(generation()).toBeGreaterThan(before);
    streams.saveTree('http://m/', [
      { path: 'streams/v1/index.sjson', contentId: '', bytes: bytes('index 2'), verified: true },
    ]);
    expect(streams.files()).toEqual([
      {
        sourceUrl: 'http://m/',
        path: 'streams/v1/index.sjson',
        contentId: '',
        sha256: sha256Hex(bytes('index 2')),
        verified: true,
      },
    ]);
    expect(new TextDecoder().decode(streams.document(sha256Hex(bytes('index 2'))))).toBe('index 2');
    // Nothing refers to the replaced documents any more.
    expect(streams.document(sha256Hex(bytes('products 1')))).toBeUndefined();
  });

  it('keeps the product file a kept version needs, and drops it with the last such version', () => {
    const { streams, resources } = open();
    const old = bytes('products describing 20250601');
    streams.saveTree('http://m/', [
      { path: 'streams/v1/p.sjson', contentId: 'p', bytes: old, verified: true },
    ]);
    resources.publishVersion(image, '20250601', [file], null);
    streams.linkVersions([{ resource: image, version: '20250601', document: sha256Hex(old) }]);
    // A newer read no longer lists 20250601; the version still needs its document.
    streams.saveTree('http://m/', [
      { path: 'streams/v1/p.sjson', contentId: 'p', bytes: bytes('newer'), verified: true },
    ]);
    expect(streams.document(sha256Hex(old))).toBeDefined();
    expect(streams.heldVersions()).toEqual([
      expect.objectContaining({ version: '20250601', document: sha256Hex(old), files: [file] }),
    ]);
    resources.pruneVersions(0);
    expect(streams.document(sha256Hex(old))).toBeUndefined();
    // The source supplies no stored version any more: its tree goes too.
    expect(streams.files()).toEqual([]);
  });
});

/**
 * Importing custom images: kind detected from magic bytes for every packing, the file stored by
 * its sha256, and every bad input refused in one sentence with nothing left behind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { BlobStore } from '../../../src-main/store/blob-store';
import { CustomImageStore } from '../../../src-main/store/custom-image-store';
import {
  importCustomImage,
  importCustomImageFrom,
  type ImportRequest,
} from '../../../src-main/deploy/image-import';
import { makeTempDir } from '../../helpers/temp-dir';
import { fakeDisk, pack, type Packing } from '../../helpers/deploy/disk-images';
import type { ImageKind } from '../../../src-shared/deploy/image-kinds';

const MiB = 1024 * 1024;
let tmp: ReturnType<typeof makeTempDir>;
let db: Database;
let blobs: BlobStore;
let images: CustomImageStore;

beforeEach(() => {
  tmp = makeTempDir('labboot-import-');
  db = openDatabase(':memory:');
  blobs = new BlobStore(join(tmp.path, 'data'));
  images = new CustomImageStore(db);
});
afterEach(() => {
  db.close();
  tmp.remove();
});

const request = (file: string, over: Partial<ImportRequest> = {}): ImportRequest => ({
  file,
  name: 'packer-jammy',
  kind: 'auto',
  arch: 'amd64',
  firmware: 'any',
  ...over,
});

const run = (r: ImportRequest) => importCustomImage(r, { blobs, images, now: () => 1000 });

/** Nothing half-stored: no row, no blob, no temporary file. */
function expectNothingStored(): void {
  expect(images.list()).toEqual([]);
  const partial = (() => {
    try {
      return readdirSync(blobs.partialDir);
    } catch {
      return [];
    }
  })();
  expect(partial).toEqual([]);
}

describe('importCustomImage', () => {
  const kinds: [Packing, ImageKind][] = [
    ['raw', 'ddraw'],
    ['gz', 'ddgz'],
    ['xz', 'ddxz'],
    ['bz2', 'ddbz2'],
    ['zst', 'ddzst'],
    ['tar', 'ddtar'],
    ['tgz', 'ddtgz'],
    ['txz', 'ddtxz'],
  ];
  for (const [packing, kind] of kinds) {
    it(`detects ${kind} from its bytes and stores it by sha256`, async () => {
      const disk = fakeDisk(2 * MiB, 'gpt');
      const file = pack(join(tmp.path, packing), disk, packing);
      const progress: number[] = [];
      const image = await importCustomImage(request(file), {
        blobs,
        images,
        now: () => 1000,
        onProgress: (bytes) => progress.push(bytes),
      });
      const bytes = readFileSync(file);
      const sha = createHash('sha256').update(bytes).digest('hex');
      expect(image).toEqual({
        name: 'packer-jammy',
        kind,
        arch: 'amd64',
        firmware: 'any',
        sha256: sha,
        size: bytes.length,
        diskBytes: disk.length,
        createdAt: 1000,
      });
      expect(readFileSync(blobs.pathFor(sha)).equals(bytes)).toBe(true);
      expect(progress.at(-1)).toBe(bytes.length);
      expect(images.get('packer-jammy')).toEqual(image);
    });
  }

  it('accepts custom/NAME and an explicit matching --kind', async () => {
    const file = pack(join(tmp.path, 'k'), fakeDisk(MiB), 'xz');
    const image = await run(request(file, { name: 'custom/a.b_c-1', kind: 'ddxz' }));
    expect(image.name).toBe('a.b_c-1');
  });

  const refusals: [string, () => Promise<unknown>, RegExp][] = [
    [
      'a --kind that does not match the bytes',
      () => run(request(pack(join(tmp.path, 'm'), fakeDisk(MiB), 'gz'), { kind: 'ddxz' })),
      /^disk\.img\.gz is gzip, not ddxz as --kind says; leave --kind auto or name the kind it is\.$/,
    ],
    [
      'an archive when --kind names the bare compression',
      () => run(request(pack(join(tmp.path, 'm2'), fakeDisk(MiB), 'tgz'), { kind: 'ddgz' })),
      /^disk\.tar\.gz is ddtgz \(a tar archive\), not ddgz as --kind says/,
    ],
    [
      'a truncated gzip file',
      () => {
        const f = pack(join(tmp.path, 't'), fakeDisk(2 * MiB), 'gz');
        const b = readFileSync(f);
        writeFileSync(f, b.subarray(0, Math.floor(b.length / 2)));
        return run(request(f));
      },
      /^disk\.img\.gz is not a complete gzip stream \(truncated or damaged: .+\); copy it again and import the complete file\.$/,
    ],
    [
      'a truncated xz file',
      () => {
        const f = pack(join(tmp.path, 'tx'), fakeDisk(2 * MiB), 'xz');
        const b = readFileSync(f);
        writeFileSync(f, b.subarray(0, Math.floor(b.length / 2)));
        return run(request(f));
      },
      /^disk\.img\.xz is not a complete xz stream \(truncated or damaged/,
    ],
    [
      'a compression LabBoot cannot read',
      () => {
        const f = join(tmp.path, 'disk.zip');
        writeFileSync(
          f,
          Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(2048)]),
        );
        return run(request(f));
      },
      /^disk\.zip is a zip file, which LabBoot cannot deploy; /,
    ],
    [
      'a file without MBR or GPT',
      () => {
        const f = join(tmp.path, 'plain.img');
        writeFileSync(f, Buffer.alloc(MiB, 7));
        return run(request(f));
      },
      /^plain\.img is not a disk image: its first sectors hold neither an MBR boot signature nor a GPT header/,
    ],
    [
      'an archive whose member is not a disk image',
      () => run(request(pack(join(tmp.path, 'nd'), Buffer.alloc(MiB, 1), 'tgz', 'notes.dd'))),
      /^The archive disk\.tar\.gz holds notes\.dd, which is not a disk image \(no MBR or GPT at its start\); only disk images deploy for now\.$/,
    ],
    [
      'a root filesystem tarball (tgz)',
      () => {
        const dir = join(tmp.path, 'root');
        pack(dir, fakeDisk(1024), 'raw', 'etc-hostname');
        pack(dir, fakeDisk(1024), 'raw', 'etc-fstab');
        const out = join(tmp.path, 'root.tgz');
        execFileSync('tar', ['-czf', out, '-C', dir, '.']);
        return run(request(out));
      },
      /^root\.tgz is a root filesystem tarball \(\d+ files, \d+ other entries\), not an archive of one disk image; only disk images deploy for now\.$/,
    ],
    [
      'a name that breaks the rule',
      () => run(request(pack(join(tmp.path, 'n'), fakeDisk(MiB), 'raw'), { name: 'Jammy!' })),
      /^"Jammy!" is not a custom image name; /,
    ],
    [
      'a file that does not exist',
      () => run(request(join(tmp.path, 'missing.img'))),
      /missing\.img is not a file LabBoot can read; check the path\.$/,
    ],
  ];
  for (const [what, act, message] of refusals) {
    it(`refuses ${what}, storing nothing`, async () => {
      await expect(act()).rejects.toThrow(message);
      expectNothingStored();
    });
  }

  it('refuses a name that is taken', async () => {
    const file = pack(join(tmp.path, 'd'), fakeDisk(MiB), 'raw');
    await run(request(file));
    await expect(run(request(file))).rejects.toThrow(
      /^custom\/packer-jammy already exists; delete it first/,
    );
  });

  it('streams: a 64 MiB sparse image imports without buffering it whole', async () => {
    const disk = Buffer.alloc(64 * MiB);
    fakeDisk(MiB).copy(disk);
    const file = pack(join(tmp.path, 'big'), disk, 'gz');
    const before = process.memoryUsage().arrayBuffers;
    const image = await run(request(file));
    expect(image.diskBytes).toBe(64 * MiB);
    // The decompressed 64 MiB were never held at once (loose bound: well under the image size).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(48 * MiB);
  });
});

describe('importCustomImageFrom (a stream, as an upload)', () => {
  const settings = { name: 'uploaded', kind: 'auto', arch: 'amd64', firmware: 'any' } as const;
  const deps = () => ({ blobs, images, now: () => 1000 });

  /** chunksOf yields `bytes` in 64 KiB pieces, then fails with `cut` after `upTo` bytes if given. */
  async function* chunksOf(bytes: Buffer, upTo = bytes.length, cut?: string) {
    for (let at = 0; at < upTo; at += 64 * 1024)
      yield bytes.subarray(at, Math.min(upTo, at + 64 * 1024));
    if (cut !== undefined) throw new Error(cut);
  }

  it('stores a streamed image like a file of the same bytes', async () => {
    const file = pack(join(tmp.path, 's'), fakeDisk(2 * MiB, 'gpt'), 'xz');
    const bytes = readFileSync(file);
    const image = await importCustomImageFrom(
      { label: 'disk.img.xz', size: bytes.length, chunks: chunksOf(bytes) },
      settings,
      deps(),
    );
    expect(image).toMatchObject({ name: 'uploaded', kind: 'ddxz', size: bytes.length });
    expect(image.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(readFileSync(blobs.pathFor(image.sha256)).equals(bytes)).toBe(true);
  });

  it('refuses a stream cut in the middle, storing nothing and leaving no decompressor running', async () => {
    const file = pack(join(tmp.path, 'c'), fakeDisk(4 * MiB, 'mbr'), 'xz');
    const bytes = readFileSync(file);
    const before = xzProcesses();
    await expect(
      importCustomImageFrom(
        { label: 'disk.img.xz', size: bytes.length, chunks: chunksOf(bytes, 64 * 1024, 'aborted') },
        settings,
        deps(),
      ),
    ).rejects.toThrow(
      /^Reading disk\.img\.xz stopped before its end \(aborted\), so nothing was stored; import it again\.$/,
    );
    expectNothingStored();
    expect(xzProcesses()).toBe(before);
  });

  it('refuses a stream shorter than it announced', async () => {
    const bytes = readFileSync(pack(join(tmp.path, 'r'), fakeDisk(MiB), 'raw'));
    await expect(
      importCustomImageFrom(
        { label: 'disk.img', size: bytes.length + 10, chunks: chunksOf(bytes) },
        settings,
        deps(),
      ),
    ).rejects.toThrow(
      /^Reading disk\.img stopped before its end \(1048576 of 1048586 bytes arrived\)/,
    );
    expectNothingStored();
  });
});

/** xzProcesses counts the `xz -dc` children of this process (the decompressors of imports). */
function xzProcesses(): number {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there is no child at all.
  }
  return out.split('\n').filter((l) => l.startsWith('xz -dc')).length;
}

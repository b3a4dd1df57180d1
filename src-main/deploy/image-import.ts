/**
 * importCustomImage streams a disk image file into the blob store as `custom/NAME`: one pass reads
 * the file, hashes it (sha256), writes it to a temporary file and feeds a decompressor whose output
 * DiskImageProbe checks (disk label, archive member, complete stream). Only a file that passed
 * every check is renamed to its content address and recorded; any failure removes the temporary
 * file, so nothing is ever half-stored.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  compressionOf,
  customName,
  detectCompression,
  isArchive,
  kindFor,
  looksLikeTar,
  unsupportedCompression,
  type Compression,
  type ImageArch,
  type ImageFirmware,
  type ImageKind,
} from '../../src-shared/deploy/image-kinds';
import { UserError } from '../../src-shared/errors';
import { fsyncDir, type BlobStore } from '../store/blob-store';
import type { CustomImage, CustomImageStore } from '../store/custom-image-store';
import { DiskImageProbe, type ProbeResult } from './disk-image-probe';

/** What to import. */
export interface ImportRequest {
  readonly file: string;
  /** `NAME` or `custom/NAME`. */
  readonly name: string;
  readonly kind: ImageKind | 'auto';
  readonly arch: ImageArch;
  readonly firmware: ImageFirmware;
}

/** Where it goes, and who hears about progress. */
export interface ImportDeps {
  readonly blobs: BlobStore;
  readonly images: CustomImageStore;
  /** Bytes of the file read so far; called at most every 200 ms and once at the end. */
  readonly onProgress?: (bytes: number, total: number) => void;
  readonly now?: () => number;
}

const COMPRESSION_WORDS: Record<Compression, string> = {
  none: 'uncompressed',
  gzip: 'gzip',
  xz: 'xz',
  bzip2: 'bzip2',
  zstd: 'zstd',
};

/** The programs that decompress what Node's zlib cannot. */
const PROGRAMS: Record<'xz' | 'bzip2' | 'zstd', { cmd: string; args: string[]; pkg: string }> = {
  xz: { cmd: 'xz', args: ['-dc'], pkg: 'xz-utils' },
  bzip2: { cmd: 'bzip2', args: ['-dc'], pkg: 'bzip2' },
  zstd: { cmd: 'zstd', args: ['-dcq'], pkg: 'zstd' },
};

/** A running decompressor: bytes in, probed bytes out, `done` settles when its output ended. */
interface Decompressor {
  readonly input: Writable;
  readonly done: Promise<void>;
}

function decompressor(compression: Compression, probe: DiskImageProbe): Decompressor {
  if (compression === 'none') {
    const input = {
      write: (chunk: Uint8Array) => (probe.push(chunk), true),
      end: () => undefined,
    } as unknown as Writable;
    return { input, done: Promise.resolve() };
  }
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    gunzip.on('data', (c: Buffer) => probe.push(c));
    const done = new Promise<void>((resolve, reject) => {
      gunzip.once('end', resolve);
      gunzip.once('error', reject);
    });
    return { input: gunzip, done };
  }
  const program = PROGRAMS[compression];
  const child = spawn(program.cmd, program.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-400)));
  child.stdout.on('data', (c: Buffer) => probe.push(c));
  // The child may exit before reading all input (damaged data); EPIPE then is not the story.
  child.stdin.on('error', () => undefined);
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new UserError(
              `Reading a ${compression} image needs the ${program.cmd} program, which is not installed; install ${program.pkg} and import again.`,
              'decompressor-missing',
            )
          : error,
      ),
    );
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(stderr.trim() || `exit ${code}`)),
    );
  });
  return { input: child.stdin, done };
}

/** Writes a chunk, waiting for drain, or rejects as soon as `failed` does. */
async function feed(input: Writable, chunk: Buffer, failed: Promise<never>): Promise<void> {
  if (input.write(chunk)) return;
  await Promise.race([new Promise<void>((resolve) => input.once('drain', resolve)), failed]);
}

function spaceError(name: string): UserError {
  return new UserError(
    `The disk holding the LabBoot data folder is full, so custom/${name} could not be stored; free some space and import again.`,
    'disk-full',
  );
}

/** What the probe saw, checked against what a deployable disk image must be. */
function checkProbe(file: string, probe: ProbeResult): { archive: boolean; diskBytes: number } {
  const what = basename(file);
  if (!probe.archive) {
    if (probe.label === undefined)
      throw new UserError(
        `${what} is not a disk image: its first sectors hold neither an MBR boot signature nor a GPT header; import a whole-disk image (.img, .dd, .raw, compressed or not).`,
        'not-a-disk-image',
      );
    return { archive: false, diskBytes: probe.bytes };
  }
  if (probe.archiveTruncated)
    throw new UserError(
      `${what} is a tar archive that ends in the middle of a file (truncated); copy it again and import the complete file.`,
      'truncated-image',
    );
  if (probe.members.length !== 1 || probe.otherEntries > 0) {
    throw new UserError(
      `${what} is a root filesystem tarball (${probe.members.length} files, ${probe.otherEntries} other entries), not an archive of one disk image; only disk images deploy for now.`,
      'root-tarball',
    );
  }
  const member = probe.members[0];
  if (member === undefined || member.label === undefined)
    throw new UserError(
      `The archive ${what} holds ${member?.name ?? 'nothing'}, which is not a disk image (no MBR or GPT at its start); only disk images deploy for now.`,
      'not-a-disk-image',
    );
  return { archive: true, diskBytes: member.size };
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** importCustomImage stores the file as `custom/NAME`; throws UserError on any bad input. */
export async function importCustomImage(
  request: ImportRequest,
  deps: ImportDeps,
): Promise<CustomImage> {
  const name = customName(request.name);
  if (deps.images.get(name) !== undefined)
    throw new UserError(
      `custom/${name} already exists; delete it first (labboot images delete custom/${name}) or choose another name.`,
      'image-exists',
    );
  const info = await stat(request.file).catch(() => undefined);
  if (info === undefined || !info.isFile())
    throw new UserError(
      `${request.file} is not a file LabBoot can read; check the path.`,
      'file-missing',
    );
  const head = await readHead(request.file);
  const foreign = unsupportedCompression(head);
  if (foreign !== undefined)
    throw new UserError(
      `${basename(request.file)} is a ${foreign} file, which LabBoot cannot deploy; convert it to a raw disk image (optionally gzip, xz, bzip2 or zstd compressed) first.`,
      'unknown-compression',
    );
  const compression = detectCompression(head);
  if (request.kind !== 'auto' && compressionOf(request.kind) !== compression) {
    throw new UserError(
      `${basename(request.file)} is ${COMPRESSION_WORDS[compression]}, not ${request.kind} as --kind says; leave --kind auto or name the kind it is.`,
      'kind-mismatch',
    );
  }
  if (compression === 'none' && !looksLikeTar(head) && head.length < 512)
    throw new UserError(
      `${basename(request.file)} is too short to be a disk image (${head.length} bytes).`,
      'not-a-disk-image',
    );

  await deps.blobs.ensureDirs();
  const temp = join(deps.blobs.partialDir, `import-${randomBytes(8).toString('hex')}`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(temp, 'wx');
    const hash = createHash('sha256');
    const probe = new DiskImageProbe();
    const unpack = decompressor(compression, probe);
    const failed = unpack.done.then(
      () => new Promise<never>(() => undefined),
      (error: unknown) => Promise.reject(error),
    );
    failed.catch(() => undefined);
    let read = 0;
    let lastReport = 0;
    const report = (force: boolean): void => {
      const now = Date.now();
      if (!force && now - lastReport < 200) return;
      lastReport = now;
      deps.onProgress?.(read, info.size);
    };
    try {
      for await (const chunk of createReadStream(request.file, { highWaterMark: 1 << 20 })) {
        const buf = chunk as Buffer;
        hash.update(buf);
        await fh.write(buf);
        await feed(unpack.input, buf, failed);
        read += buf.length;
        report(false);
      }
      unpack.input.end();
      await unpack.done;
    } catch (error) {
      if (error instanceof UserError || (error as NodeJS.ErrnoException).code === 'ENOSPC')
        throw error;
      throw new UserError(
        `${basename(request.file)} is not a complete ${COMPRESSION_WORDS[compression]} stream (truncated or damaged: ${(error as Error).message}); copy it again and import the complete file.`,
        'truncated-image',
      );
    }
    report(true);
    const checked = checkProbe(request.file, probe.result());
    const kind = kindFor(compression, checked.archive);
    if (kind === undefined)
      throw new UserError(
        `${basename(request.file)} is a ${COMPRESSION_WORDS[compression]} tar archive, a kind LabBoot does not deploy; use a .tar, .tar.gz or .tar.xz archive or the disk image itself.`,
        'unknown-compression',
      );
    if (request.kind !== 'auto' && request.kind !== kind)
      throw new UserError(
        `${basename(request.file)} is ${kind} (${isArchive(kind) ? 'a tar archive' : 'a disk image'}), not ${request.kind} as --kind says; leave --kind auto or name the kind it is.`,
        'kind-mismatch',
      );
    await fh.sync();
    await fh.close();
    fh = undefined;
    const sha256 = hash.digest('hex');
    if (await deps.blobs.has(sha256, info.size)) await rm(temp, { force: true });
    else {
      const dest = deps.blobs.pathFor(sha256);
      await mkdir(dirname(dest), { recursive: true });
      await rename(temp, dest);
      fsyncDir(dirname(dest));
    }
    const image: CustomImage = {
      name,
      kind,
      arch: request.arch,
      firmware: request.firmware,
      sha256,
      size: info.size,
      diskBytes: checked.diskBytes,
      createdAt: (deps.now ?? Date.now)(),
    };
    if (!deps.images.add(image))
      throw new UserError(
        `custom/${name} was imported by someone else meanwhile; delete one and import again.`,
        'image-exists',
      );
    return image;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw spaceError(name);
    throw error;
  } finally {
    await fh?.close().catch(() => undefined);
    await rm(temp, { force: true });
  }
}

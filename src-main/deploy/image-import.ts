/**
 * importCustomImage streams a disk image file into the blob store as `custom/NAME`: one pass reads
 * the file, hashes it (sha256), writes it to a temporary file and feeds a decompressor whose output
 * DiskImageProbe checks (disk label, archive member, complete stream). Only a file that passed
 * every check is renamed to its content address and recorded; any failure removes the temporary
 * file, so nothing is ever half-stored. The bytes come from a file (`labboot images import`, the
 * desktop app) or from any stream of known length (an upload to the browser console).
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

/** What to import the bytes as. */
export interface ImportSettings {
  /** `NAME` or `custom/NAME`. */
  readonly name: string;
  readonly kind: ImageKind | 'auto';
  readonly arch: ImageArch;
  readonly firmware: ImageFirmware;
}

/** What to import: a file. */
export interface ImportRequest extends ImportSettings {
  readonly file: string;
}

/** Bytes to import that are not a file LabBoot opens itself, e.g. an upload's request body. */
export interface ImportSource {
  /** How error sentences name it (a file name). */
  readonly label: string;
  /** Bytes it holds; fewer or more is an error. */
  readonly size: number;
  readonly chunks: AsyncIterable<Uint8Array>;
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
  /** Ends it early (the import failed): no child process outlives the import. */
  readonly stop: () => void;
}

function decompressor(compression: Compression, probe: DiskImageProbe): Decompressor {
  if (compression === 'none') {
    const input = {
      write: (chunk: Uint8Array) => (probe.push(chunk), true),
      end: () => undefined,
    } as unknown as Writable;
    return { input, done: Promise.resolve(), stop: () => undefined };
  }
  if (compression === 'gzip') {
    const gunzip = createGunzip();
    gunzip.on('data', (c: Buffer) => probe.push(c));
    const done = new Promise<void>((resolve, reject) => {
      gunzip.once('end', resolve);
      gunzip.once('error', reject);
    });
    return { input: gunzip, done, stop: () => gunzip.destroy() };
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
  return {
    input: child.stdin,
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
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
function checkProbe(what: string, probe: ProbeResult): { archive: boolean; diskBytes: number } {
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

/** The first bytes of a stream (up to `HEAD_BYTES`), and the stream to read on from there. */
const HEAD_BYTES = 4096;

/** A failure of the bytes' source itself (a read error, an upload cut short), not of their content. */
class SourceError extends Error {}

/**
 * Chunks reads a source once: `head()` gathers its first bytes for the magic-byte checks, and
 * `rest()` yields everything, those bytes included. A failing source throws SourceError.
 */
class Chunks {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly buffered: Buffer[] = [];
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  async head(): Promise<Buffer> {
    let have = 0;
    while (have < HEAD_BYTES && !this.ended) {
      const next = await this.next();
      if (next === undefined) break;
      this.buffered.push(next);
      have += next.length;
    }
    return Buffer.concat(this.buffered).subarray(0, HEAD_BYTES);
  }

  async *rest(): AsyncGenerator<Buffer> {
    yield* this.buffered.splice(0);
    for (;;) {
      const next = await this.next();
      if (next === undefined) return;
      yield next;
    }
  }

  /** close lets go of the source early (a file is closed, an upload is no longer read). */
  async close(): Promise<void> {
    if (!this.ended) await this.iterator.return?.().catch(() => undefined);
    this.ended = true;
  }

  private async next(): Promise<Buffer | undefined> {
    let result: IteratorResult<Uint8Array>;
    try {
      result = await this.iterator.next();
    } catch (error) {
      this.ended = true;
      throw new SourceError((error as Error).message);
    }
    if (result.done === true) {
      this.ended = true;
      return undefined;
    }
    return Buffer.from(result.value.buffer, result.value.byteOffset, result.value.byteLength);
  }
}

/** importCustomImage stores the file as `custom/NAME`; throws UserError on any bad input. */
export async function importCustomImage(
  request: ImportRequest,
  deps: ImportDeps,
): Promise<CustomImage> {
  const name = customName(request.name);
  refuseExisting(name, deps);
  const info = await stat(request.file).catch(() => undefined);
  if (info === undefined || !info.isFile())
    throw new UserError(
      `${request.file} is not a file LabBoot can read; check the path.`,
      'file-missing',
    );
  const source: ImportSource = {
    label: basename(request.file),
    size: info.size,
    chunks: createReadStream(request.file, { highWaterMark: 1 << 20 }),
  };
  return importCustomImageFrom(source, request, deps);
}

function refuseExisting(name: string, deps: ImportDeps): void {
  if (deps.images.get(name) !== undefined)
    throw new UserError(
      `custom/${name} already exists; delete it first (labboot images delete custom/${name}) or choose another name.`,
      'image-exists',
    );
}

/**
 * importCustomImageFrom stores the bytes of `source` as `custom/NAME` with the same checks as a
 * file; the source is read once, chunk by chunk, and never held whole. Throws UserError on any bad
 * input, and when the source fails or ends short of its size; nothing is stored then.
 */
export async function importCustomImageFrom(
  source: ImportSource,
  request: ImportSettings,
  deps: ImportDeps,
): Promise<CustomImage> {
  const what = source.label;
  const chunks = new Chunks(source.chunks);
  try {
    const name = customName(request.name);
    refuseExisting(name, deps);
    return await importChunks(chunks, source, { ...request, name }, deps);
  } catch (error) {
    if (error instanceof SourceError)
      throw new UserError(
        `Reading ${what} stopped before its end (${error.message}), so nothing was stored; import it again.`,
        'read-failed',
      );
    throw error;
  } finally {
    await chunks.close();
  }
}

async function importChunks(
  chunks: Chunks,
  source: ImportSource,
  request: ImportSettings,
  deps: ImportDeps,
): Promise<CustomImage> {
  const { name } = request;
  const what = source.label;
  const head = await chunks.head();
  const foreign = unsupportedCompression(head);
  if (foreign !== undefined)
    throw new UserError(
      `${what} is a ${foreign} file, which LabBoot cannot deploy; convert it to a raw disk image (optionally gzip, xz, bzip2 or zstd compressed) first.`,
      'unknown-compression',
    );
  const compression = detectCompression(head);
  if (request.kind !== 'auto' && compressionOf(request.kind) !== compression) {
    throw new UserError(
      `${what} is ${COMPRESSION_WORDS[compression]}, not ${request.kind} as --kind says; leave --kind auto or name the kind it is.`,
      'kind-mismatch',
    );
  }
  if (compression === 'none' && !looksLikeTar(head) && head.length < 512)
    throw new UserError(
      `${what} is too short to be a disk image (${head.length} bytes).`,
      'not-a-disk-image',
    );

  await deps.blobs.ensureDirs();
  const temp = join(deps.blobs.partialDir, `import-${randomBytes(8).toString('hex')}`);
  let fh: FileHandle | undefined;
  let unpack: Decompressor | undefined;
  try {
    fh = await open(temp, 'wx');
    const hash = createHash('sha256');
    const probe = new DiskImageProbe();
    const running = decompressor(compression, probe);
    unpack = running;
    const failed = running.done.then(
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
      deps.onProgress?.(read, source.size);
    };
    try {
      for await (const buf of chunks.rest()) {
        if (read + buf.length > source.size)
          throw new SourceError(`more than the ${source.size} bytes announced`);
        hash.update(buf);
        await fh.write(buf);
        await feed(running.input, buf, failed);
        read += buf.length;
        report(false);
      }
      if (read < source.size) throw new SourceError(`${read} of ${source.size} bytes arrived`);
      running.input.end();
      await running.done;
    } catch (error) {
      if (
        error instanceof UserError ||
        error instanceof SourceError ||
        (error as NodeJS.ErrnoException).code === 'ENOSPC'
      )
        throw error;
      throw new UserError(
        `${what} is not a complete ${COMPRESSION_WORDS[compression]} stream (truncated or damaged: ${(error as Error).message}); copy it again and import the complete file.`,
        'truncated-image',
      );
    }
    report(true);
    const checked = checkProbe(what, probe.result());
    const kind = kindFor(compression, checked.archive);
    if (kind === undefined)
      throw new UserError(
        `${what} is a ${COMPRESSION_WORDS[compression]} tar archive, a kind LabBoot does not deploy; use a .tar, .tar.gz or .tar.xz archive or the disk image itself.`,
        'unknown-compression',
      );
    if (request.kind !== 'auto' && request.kind !== kind)
      throw new UserError(
        `${what} is ${kind} (${isArchive(kind) ? 'a tar archive' : 'a disk image'}), not ${request.kind} as --kind says; leave --kind auto or name the kind it is.`,
        'kind-mismatch',
      );
    await fh.sync();
    await fh.close();
    fh = undefined;
    const sha256 = hash.digest('hex');
    if (await deps.blobs.has(sha256, source.size)) await rm(temp, { force: true });
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
      size: source.size,
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
    unpack?.stop();
    await fh?.close().catch(() => undefined);
    await rm(temp, { force: true });
  }
}

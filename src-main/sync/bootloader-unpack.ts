/**
 * Unpacks bootloader archives (`<src_package>.tar.xz`, files flat at the archive root) into one
 * folder per bootloader version, ready for the boot server. xz-decompress (WASM) and tar-stream do
 * the formats; this file does the safety checks. Real bootloader archives hold only regular files
 * (and at most folders), so every other member type is refused: symbolic and hard links (a chain
 * of harmless-looking links can point a later member anywhere), devices, FIFOs. Names must be
 * relative without `..`, each file is created exclusively without following links, and the total
 * size is bounded. The folder is filled under a temporary name and renamed into place, so a crash
 * never leaves a half-unpacked bootloader.
 */
import { createReadStream } from 'node:fs';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, normalize, posix, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { extract, type Header } from 'tar-stream';
import * as xzModule from 'xz-decompress';
import { fsyncDir } from '../store/blob-store';

// xz-decompress is CommonJS: Node's ESM loader exposes it only as `default`, bundlers as named.
type XzModule = typeof xzModule;
const XzReadableStream =
  (xzModule as Partial<XzModule>).XzReadableStream ??
  (xzModule as unknown as { default: XzModule }).default.XzReadableStream;

/** UnpackError says why an archive was refused. */
export class UnpackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnpackError';
  }
}

/** Limits against archive bombs; real bootloader archives are a few MiB. */
export const unpackLimits = { maxBytes: 256 * 1024 * 1024, maxEntries: 10_000 } as const;

/** safeEntryName validates a tar member name and returns it normalised (relative, posix). */
export function safeEntryName(name: string): string {
  if (name.includes('\0') || name.includes('\\')) throw new UnpackError(`bad member name ${name}`);
  if (name.startsWith('/')) throw new UnpackError(`absolute member name ${name}`);
  const norm = posix
    .normalize(name)
    .replace(/^(\.\/)+/, '')
    .replace(/\/$/, '');
  if (norm === '' || norm === '.') return '';
  if (norm === '..' || norm.startsWith('../') || name.split('/').includes('..')) {
    throw new UnpackError(`member name ${name} leaves the folder`);
  }
  return norm;
}

function inside(root: string, target: string): boolean {
  const r = resolve(root);
  const t = resolve(target);
  return t === r || t.startsWith(r + sep);
}

/** writeNewFile creates a file that must not exist yet, never following a link at its name. */
async function writeNewFile(target: string, bytes: Buffer, member: string): Promise<void> {
  const flags =
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
  let fh;
  try {
    fh = await open(target, flags, 0o644);
  } catch (error) {
    if ((error as { code?: string }).code === 'EEXIST') {
      throw new UnpackError(`member ${member} appears twice`);
    }
    throw error;
  }
  try {
    await fh.writeFile(bytes);
  } finally {
    await fh.close();
  }
}

/** unpackArchive extracts one `.tar.xz` file into `dest` (which must exist). */
export async function unpackArchive(archivePath: string, dest: string): Promise<string[]> {
  const xz = new XzReadableStream(
    Readable.toWeb(createReadStream(archivePath)) as unknown as ReadableStream<Uint8Array>,
  );
  const tarStream = Readable.fromWeb(xz as unknown as WebReadableStream<Uint8Array>);
  const ex = extract();
  const written: string[] = [];
  let total = 0;
  let entries = 0;
  const done = new Promise<void>((resolvePromise, reject) => {
    ex.on('entry', (header: Header, stream, next) => {
      void (async () => {
        entries++;
        if (entries > unpackLimits.maxEntries) throw new UnpackError('too many members');
        const name = safeEntryName(header.name);
        const target = join(dest, normalize(name));
        if (name !== '' && !inside(dest, target)) {
          throw new UnpackError(`member ${header.name} leaves the folder`);
        }
        const type = header.type ?? 'file';
        if (type === 'directory') {
          if (name !== '') await mkdir(target, { recursive: true });
          stream.resume();
        } else if (type === 'file' || type === 'contiguous-file') {
          if (name === '') throw new UnpackError('a file member has an empty name');
          const chunks: Buffer[] = [];
          for await (const c of stream) {
            total += (c as Buffer).length;
            if (total > unpackLimits.maxBytes)
              throw new UnpackError('it unpacks to too many bytes');
            chunks.push(c as Buffer);
          }
          await mkdir(dirname(target), { recursive: true });
          await writeNewFile(target, Buffer.concat(chunks), header.name);
          written.push(name);
        } else {
          const what = type === 'symlink' ? 'symbolic link' : type === 'link' ? 'hard link' : type;
          throw new UnpackError(
            `member ${header.name} is a ${what}, which a bootloader archive never holds`,
          );
        }
      })().then(
        () => next(),
        (error: unknown) => {
          stream.resume();
          ex.destroy(error as Error);
        },
      );
    });
    ex.on('finish', resolvePromise);
    ex.on('error', reject);
    tarStream.on('error', (e) => ex.destroy(e));
  });
  tarStream.pipe(ex);
  try {
    await done;
  } catch (error) {
    tarStream.destroy();
    if (error instanceof UnpackError) throw error;
    // A full disk is not the archive's fault: let the caller say so.
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw error;
    throw new UnpackError(`it is not a valid .tar.xz archive (${(error as Error).message})`);
  }
  return written;
}

/**
 * unpackBootloader extracts every archive of one bootloader version into `finalDir`, atomically:
 * into `<finalDir>.tmp-<pid>` first, then renamed. An existing `finalDir` is replaced.
 */
export async function unpackBootloader(
  archives: readonly string[],
  finalDir: string,
): Promise<void> {
  const tmp = `${finalDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    for (const a of archives) await unpackArchive(a, tmp);
    await rm(finalDir, { recursive: true, force: true });
    await rename(tmp, finalDir);
    fsyncDir(dirname(finalDir));
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}

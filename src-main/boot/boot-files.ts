/**
 * What the boot servers hand out, independent of protocol: a file confined to a root directory, or
 * bytes generated on request (configs). TFTP and HTTP both ask a `BootContentResolver` for a name
 * and get a `BootContent` back; confinement and the shared-file registry live here so both
 * protocols get the same guard.
 */
import { constants as fsc } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { sep, join } from 'node:path';

/** BootContentError says a name cannot be served: missing, or refused by the confinement guard. */
export class BootContentError extends Error {
  override readonly name = 'BootContentError';
  constructor(
    readonly kind: 'not-found' | 'denied',
    message: string,
  ) {
    super(message);
  }
}

/** A file on disk to stream, already checked to be a regular file inside its root. */
export interface FileContent {
  readonly kind: 'file';
  /** Real path (symlinks resolved). */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Strong validator when known (the blob's sha256); otherwise derived from size and mtime. */
  readonly etag?: string;
}

/** Bytes generated on request (boot configs, scripts, cloud-init seeds). */
export interface BytesContent {
  readonly kind: 'bytes';
  readonly data: Uint8Array;
  readonly contentType: string;
}

/** Anything a boot server can send. */
export type BootContent = FileContent | BytesContent;

/** Who is asking, as far as the protocol tells us. */
export interface BootClient {
  readonly address: string;
  readonly protocol: 'tftp' | 'http';
}

/** BootContentResolver maps a requested name (already validated by `toSafeName`) to content. */
export interface BootContentResolver {
  resolve(name: string, client: BootClient): Promise<BootContent>;
}

/**
 * statConfined describes the file `relative` under `root`, after resolving symlinks and checking that
 * the real path is still inside the real root. Names must already be clean (`toSafeName`).
 */
export async function statConfined(root: string, relative: string): Promise<FileContent> {
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(root);
    real = await realpath(join(realRoot, relative));
  } catch {
    throw new BootContentError('not-found', `no file ${relative}`);
  }
  // Why: a symlink inside the root may point anywhere; only the resolved path tells the truth.
  if (!real.startsWith(realRoot + sep))
    throw new BootContentError('denied', `${relative} resolves outside the served root`);
  let handle: FileHandle | undefined;
  try {
    // O_NOFOLLOW: the final component was resolved above; refuse it if it became a symlink since.
    handle = await open(real, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    const st = await handle.stat();
    if (!st.isFile()) throw new BootContentError('not-found', `${relative} is not a regular file`);
    return { kind: 'file', path: real, size: st.size, mtimeMs: st.mtimeMs };
  } catch (error) {
    if (error instanceof BootContentError) throw error;
    throw new BootContentError('not-found', `cannot open ${relative}`);
  } finally {
    await handle?.close();
  }
}

/** A readable byte range source for one transfer. */
export interface ContentReader {
  readonly size: number;
  /** Where the bytes are, for engines that read them outside JavaScript (native TFTP). */
  readonly source: { readonly fd: number } | { readonly bytes: Uint8Array };
  /** Reads up to `length` bytes at `position` into `target` at `offset`; returns the count read. */
  read(target: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  release(): Promise<void>;
}

interface SharedHandle {
  handle: Promise<FileHandle>;
  users: number;
}

/**
 * OpenFiles shares one open file descriptor among all transfers of the same file, so fifty PXE
 * clients fetching the same bootloader cost one descriptor, not fifty.
 */
export class OpenFiles {
  private readonly shared = new Map<string, SharedHandle>();

  /** Opens a reader for `content`; call `release()` when the transfer ends. */
  async reader(content: BootContent): Promise<ContentReader> {
    if (content.kind === 'bytes') return bytesReader(content.data);
    const key = content.path;
    let entry = this.shared.get(key);
    if (entry === undefined) {
      entry = { handle: open(key, fsc.O_RDONLY | fsc.O_NOFOLLOW), users: 0 };
      this.shared.set(key, entry);
    }
    entry.users += 1;
    const current = entry;
    let fh: FileHandle;
    try {
      fh = await current.handle;
    } catch (error) {
      await this.drop(key, current);
      throw new BootContentError('not-found', `cannot open ${key}: ${(error as Error).message}`);
    }
    let released = false;
    return {
      size: content.size,
      source: { fd: fh.fd },
      read: async (target, offset, length, position) =>
        (await fh.read(target, offset, length, position)).bytesRead,
      release: async () => {
        if (released) return;
        released = true;
        await this.drop(key, current);
      },
    };
  }

  /** Number of distinct files currently open (for tests and status). */
  get openCount(): number {
    return this.shared.size;
  }

  private async drop(key: string, entry: SharedHandle): Promise<void> {
    entry.users -= 1;
    if (entry.users > 0) return;
    if (this.shared.get(key) === entry) this.shared.delete(key);
    try {
      await (await entry.handle).close();
    } catch {
      // Opening failed or it is already closed: nothing left to release.
    }
  }
}

function bytesReader(data: Uint8Array): ContentReader {
  return {
    size: data.length,
    source: { bytes: data },
    read: (target, offset, length, position) => {
      const slice = data.subarray(position, Math.min(data.length, position + length));
      target.set(slice, offset);
      return Promise.resolve(slice.length);
    },
    release: () => Promise.resolve(),
  };
}

/** directoryResolver serves the regular files under `root`, confined by `statConfined`. */
export function directoryResolver(root: string): BootContentResolver {
  return { resolve: (name) => statConfined(root, name) };
}

/**
 * Local mirrors: a source given as a `file:` URL (a USB drive written by `labboot mirror export`,
 * a folder `sstream-mirror` filled) is read from disk with the same signature and sha256 checks as
 * HTTP. Only regular files are read: a FIFO or a device would block or never end.
 */
import { constants as fsc } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HttpStatusError } from './http-status-error';

/** LocalFileMissing is a file a local mirror lacks; it counts as a 404, like HTTP. */
export class LocalFileMissing extends HttpStatusError {
  constructor(url: string) {
    super(url, 404);
    this.message = 'no such file';
    this.name = 'LocalFileMissing';
  }
}

/** isFileUrl tells whether a source URL names a local folder. */
export function isFileUrl(url: string): boolean {
  return url.startsWith('file:');
}

/** Not retryable: asking the disk again gives the same answer. */
function permanent(message: string): Error {
  const e = new Error(message);
  (e as { retryable?: boolean }).retryable = false;
  return e;
}

// O_NONBLOCK: opening a FIFO would otherwise wait for a writer forever; fstat then refuses it.
const openFlags = fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0);

/** openLocalFile opens a regular file named by a `file:` URL; the caller closes the handle. */
export async function openLocalFile(url: string): Promise<{ handle: FileHandle; size: number }> {
  const path = fileURLToPath(url);
  let handle: FileHandle;
  try {
    handle = await open(path, openFlags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new LocalFileMissing(url);
    throw permanent(`cannot read ${path} (${code ?? 'error'})`);
  }
  const st = await handle.stat();
  if (!st.isFile()) {
    await handle.close();
    throw permanent(`${path} is not a regular file`);
  }
  return { handle, size: st.size };
}

/** readLocalFile reads a whole small file named by a `file:` URL, refusing more than `maxBytes`. */
export async function readLocalFile(url: string, maxBytes: number): Promise<Uint8Array> {
  const { handle, size } = await openLocalFile(url);
  try {
    if (size > maxBytes) throw permanent(`larger than ${maxBytes} bytes`);
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

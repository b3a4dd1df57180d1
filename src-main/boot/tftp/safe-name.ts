/**
 * Turns a requested TFTP file name into a safe relative path, or says why it is refused. Pure.
 * This is the first of two guards: the second (boot-files.ts `openConfined`) resolves symlinks and
 * checks the real path, so a name that passes here still cannot leave the root.
 */

/** Longest name accepted; PXE and GRUB names are far shorter, and long names are a probing pattern. */
export const MAX_NAME_LENGTH = 255;

/** A checked relative name (`/`-separated, no `.`/`..`/empty segments), or a refusal reason. */
export type SafeName =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly reason: string };

/** Validates a requested name. Leading `/` is accepted because PXE ROMs send absolute-looking names. */
export function toSafeName(requested: string): SafeName {
  if (requested.length === 0) return { ok: false, reason: 'empty file name' };
  if (requested.length > MAX_NAME_LENGTH)
    return { ok: false, reason: 'file name longer than 255 characters' };
  // Control characters (including NUL) and bytes >= 0x7f never appear in boot file names.
  for (let i = 0; i < requested.length; i++) {
    const c = requested.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f)
      return { ok: false, reason: 'file name has control or non-ASCII characters' };
  }
  // Backslash: Windows-style separators could be reinterpreted by a later layer; refuse instead of guessing.
  if (requested.includes('\\')) return { ok: false, reason: 'file name contains a backslash' };
  const segments = requested.replace(/^\/+/, '').split('/');
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue; // `a//b` and `a/./b` are harmless spellings
    if (segment === '..') return { ok: false, reason: 'file name contains ".."' };
    kept.push(segment);
  }
  if (kept.length === 0) return { ok: false, reason: 'file name names no file' };
  return { ok: true, path: kept.join('/') };
}

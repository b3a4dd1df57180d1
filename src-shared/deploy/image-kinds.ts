/**
 * Custom disk-image kinds, as MAAS names the filetypes of uploaded images: a raw disk image
 * (`ddraw`), one compressed whole (`ddgz`, `ddxz`, `ddbz2`, `ddzst`), or a tar archive holding a
 * single disk image (`ddtar`, `ddtgz`, `ddtxz`). Detection reads magic bytes only. Pure.
 */
import { UserError } from '../errors';

/** Every kind `labboot images import --kind` accepts. */
export const IMAGE_KINDS = [
  'ddraw',
  'ddgz',
  'ddxz',
  'ddbz2',
  'ddzst',
  'ddtgz',
  'ddtxz',
  'ddtar',
] as const;

/** One custom image kind. */
export type ImageKind = (typeof IMAGE_KINDS)[number];

/** How the stored file is compressed as a whole. */
export type Compression = 'none' | 'gzip' | 'xz' | 'bzip2' | 'zstd';

/** Architectures a custom image can be for. */
export const IMAGE_ARCHES = ['amd64', 'arm64'] as const;
export type ImageArch = (typeof IMAGE_ARCHES)[number];

/** Firmware a custom image boots with. */
export const IMAGE_FIRMWARES = ['bios', 'uefi', 'any'] as const;
export type ImageFirmware = (typeof IMAGE_FIRMWARES)[number];

const KINDS: Readonly<Record<ImageKind, { compression: Compression; archive: boolean }>> = {
  ddraw: { compression: 'none', archive: false },
  ddgz: { compression: 'gzip', archive: false },
  ddxz: { compression: 'xz', archive: false },
  ddbz2: { compression: 'bzip2', archive: false },
  ddzst: { compression: 'zstd', archive: false },
  ddtgz: { compression: 'gzip', archive: true },
  ddtxz: { compression: 'xz', archive: true },
  ddtar: { compression: 'none', archive: true },
};

/** isImageKind narrows a string to a kind. */
export function isImageKind(value: string): value is ImageKind {
  return Object.hasOwn(KINDS, value);
}

/** compressionOf says how a kind's file is compressed. */
export function compressionOf(kind: ImageKind): Compression {
  return KINDS[kind].compression;
}

/** isArchive tells whether the disk image sits inside a tar archive. */
export function isArchive(kind: ImageKind): boolean {
  return KINDS[kind].archive;
}

/** kindFor names the kind of a file compressed with `compression`, holding a tar or not. */
export function kindFor(compression: Compression, archive: boolean): ImageKind | undefined {
  const found = IMAGE_KINDS.find(
    (k) => KINDS[k].compression === compression && KINDS[k].archive === archive,
  );
  return found;
}

const startsWith = (bytes: Uint8Array, magic: readonly number[], at = 0): boolean =>
  bytes.length >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);

/** detectCompression reads the compression from a file's first bytes (none when unknown). */
export function detectCompression(head: Uint8Array): Compression {
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x42, 0x5a, 0x68])) return 'bzip2';
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  return 'none';
}

/** Magic bytes of compressions LabBoot cannot read, so they get their own sentence. */
export function unsupportedCompression(head: Uint8Array): string | undefined {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (startsWith(head, [0x5d, 0x00, 0x00])) return 'lzma';
  if (startsWith(head, [0x89, 0x4c, 0x5a, 0x4f])) return 'lzop';
  if (startsWith(head, [0x04, 0x22, 0x4d, 0x18])) return 'lz4';
  if (startsWith(head, [0x51, 0x46, 0x49, 0xfb])) return 'qcow2';
  if (startsWith(head, [0x4b, 0x44, 0x4d])) return 'vmdk';
  return undefined;
}

/** looksLikeTar tells whether a 512-byte block is a POSIX/GNU tar header (`ustar` at 257). */
export function looksLikeTar(block: Uint8Array): boolean {
  return startsWith(block, [0x75, 0x73, 0x74, 0x61, 0x72], 257);
}

/**
 * diskLabel recognises a whole-disk image from its first two sectors: a GPT header at LBA 1, or an
 * MBR boot signature with a plausible partition table (or boot code) in sector 0.
 */
export function diskLabel(head: Uint8Array): 'gpt' | 'mbr' | undefined {
  if (startsWith(head, [0x45, 0x46, 0x49, 0x20, 0x50, 0x41, 0x52, 0x54], 512)) return 'gpt';
  if (startsWith(head, [0x55, 0xaa], 510)) return 'mbr';
  return undefined;
}

/** The rule for custom image names, as MAAS's `custom/NAME`. */
export const CUSTOM_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** customName reads `NAME` or `custom/NAME`; throws UserError when the name breaks the rule. */
export function customName(input: string): string {
  const name = input.startsWith('custom/') ? input.slice('custom/'.length) : input;
  if (!CUSTOM_NAME.test(name)) {
    throw new UserError(
      `"${input}" is not a custom image name; use lower-case letters, digits, dots, dashes and underscores, starting with a letter or digit (at most 63).`,
      'bad-image-name',
    );
  }
  return name;
}

/** The file name extension of a kind, for the image URL a person may read in a log. */
export function kindExtension(kind: ImageKind): string {
  const ext: Record<ImageKind, string> = {
    ddraw: 'img',
    ddgz: 'img.gz',
    ddxz: 'img.xz',
    ddbz2: 'img.bz2',
    ddzst: 'img.zst',
    ddtgz: 'tar.gz',
    ddtxz: 'tar.xz',
    ddtar: 'tar',
  };
  return ext[kind];
}

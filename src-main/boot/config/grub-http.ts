/**
 * Whether the stream's UEFI GRUB (`grubx64.efi` of the newest `uefi/amd64` bootloader,
 * `grubaa64.efi` of `uefi/arm64`) can fetch files over HTTP. That decides what works beside a
 * router: after the firmware's HTTP Boot, GRUB looks for its config at `(http,server)/grub/`,
 * which only a GRUB with the http module can reach.
 *
 * Hand-written because no library lists the modules built into a GRUB EFI image. GRUB keeps its
 * built-in modules uncompressed in the image, signed or not, so the strings of the http module are
 * there as plain bytes: its request header `User-Agent: GRUB` and its error text
 * `unsupported HTTP response`. Both appear in a `grub-mkimage … http` build and in no other module
 * of GRUB 2.06, and neither appears in Debian's signed `grubnetx64.efi.signed`, which has no http.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BootloaderFiles } from '../../store/boot-resources';

/** Strings only GRUB's http module carries (see the header). */
const HTTP_MODULE_MARKERS = ['User-Agent: GRUB', 'unsupported HTTP response'].map((s) =>
  Buffer.from(s, 'latin1'),
);

/** GrubHttp is what the stream's GRUB can do: `http`, `no-http`, or `unknown` (none stored yet). */
export type GrubHttp = 'http' | 'no-http' | 'unknown';

/** grubImageHasHttp is true when a GRUB EFI image has the http module built in. */
export function grubImageHasHttp(image: Uint8Array): boolean {
  const bytes = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  return HTTP_MODULE_MARKERS.every((marker) => bytes.includes(marker));
}

/** The GRUB of each UEFI architecture's bootloader product, as the real products name it. */
const GRUB_FILES = { amd64: 'grubx64.efi', arm64: 'grubaa64.efi' } as const;

/** A UEFI architecture with a bootloader product in the streams. */
export type UefiArch = keyof typeof GRUB_FILES;

/** A GRUB image is a few MiB; anything far larger is not one and is not read whole. */
const MAX_GRUB_BYTES = 64 * 1024 * 1024;

/**
 * GrubHttpProbe answers for the newest stored UEFI GRUB of an architecture, reading each file
 * once: unpacked bootloader versions never change in place, so path, size and modification time
 * identify one.
 */
export class GrubHttpProbe {
  private readonly cached = new Map<UefiArch, { key: string; value: GrubHttp }>();

  /** of returns what the `arch` GRUB among `loaders` can do. */
  of(loaders: readonly BootloaderFiles[], arch: UefiArch = 'amd64'): GrubHttp {
    const dir = loaders.find((b) => b.bootloaderType === 'uefi' && b.arch === arch)?.dir;
    if (dir === undefined) return 'unknown';
    const path = join(dir, GRUB_FILES[arch]);
    let key: string;
    try {
      const st = statSync(path);
      if (!st.isFile() || st.size > MAX_GRUB_BYTES) return 'unknown';
      key = `${path}\0${st.size}\0${st.mtimeMs}`;
    } catch {
      return 'unknown';
    }
    const cached = this.cached.get(arch);
    if (cached?.key === key) return cached.value;
    const value = grubImageHasHttp(readFileSync(path)) ? 'http' : 'no-http';
    this.cached.set(arch, { key, value });
    return value;
  }
}

/**
 * BootResources is the read-only view the boot server uses: which images are stored, the newest
 * complete version of one image with the absolute paths of its files, and the folder of unpacked
 * bootloader files (lpxelinux.0, ldlinux.c32, bootx64.efi, grubx64.efi …) per bootloader product.
 *
 * Only complete versions are ever visible (a version row is written together with all its files
 * once every blob is verified), so anything returned here can be served as is.
 *
 * Usage:
 * ```ts
 * const boot = new BootResources(db, dataDir);
 * const img = boot.findImage('ubuntu/jammy/amd64');          // or …/amd64/ga-22.04
 * img?.files.find((f) => f.ftype === 'boot-kernel')?.path;  // absolute blob path
 * boot.bootloaderDir('pxe', 'i386');                          // folder with lpxelinux.0, *.c32
 * boot.bootloaderDir('uefi', 'amd64');                        // folder with bootx64.efi, grubx64.efi
 * ```
 */
import type { Database } from 'better-sqlite3';
import { BlobStore } from './blob-store';
import { ResourceStore } from './resource-store';
import type { Resource, StoredResource, StoredVersion } from './types';

/**
 * BootImage is one image at its newest complete version: subarch has any non-generic kflavor
 * folded in (`ga-22.04`, `hwe-22.04-lowlatency`); files are boot-kernel, boot-initrd, squashfs,
 * manifest (and boot-dtb when present).
 */
export type BootImage = Pick<
  Resource,
  'os' | 'release' | 'arch' | 'subarch' | 'kflavor' | 'label'
> &
  Pick<StoredVersion, 'version' | 'files'>;

/**
 * BootloaderFiles is the newest unpacked version of one bootloader product (os `pxelinux`,
 * `grub-efi-signed`, …; bootloaderType `pxe`, `uefi` or `open-firmware`); `dir` is the absolute
 * folder holding the flat files from every archive of that version.
 */
export type BootloaderFiles = Pick<Resource, 'os' | 'bootloaderType' | 'arch'> &
  Pick<StoredVersion, 'version'> & { dir: string };

/** BootResources reads boot resources from the region store. */
export class BootResources {
  private readonly store: ResourceStore;

  constructor(db: Database, dataDir: string) {
    this.store = new ResourceStore(db, new BlobStore(dataDir));
  }

  /** listImages returns every stored image at its newest complete version. */
  listImages(): BootImage[] {
    return this.store.listResources('image').flatMap((r) => {
      const img = toBootImage(r);
      return img === undefined ? [] : [img];
    });
  }

  /**
   * findImage resolves `os/release/arch[/subarch]` (release by codename or, for Ubuntu, never by
   * number here: pass the codename). Without a subarch it prefers the release's own `ga-*` kernel,
   * then `generic`, then the first subarch in name order. Returns undefined when nothing is stored.
   */
  findImage(spec: string): BootImage | undefined {
    const [os, release, arch, subarch] = spec.split('/');
    if (os === undefined || release === undefined || arch === undefined) return undefined;
    const matches = this.listImages().filter(
      (i) =>
        i.os === os &&
        i.release === release &&
        i.arch === arch &&
        (subarch === undefined || i.subarch === subarch),
    );
    if (subarch !== undefined || matches.length <= 1) return matches[0];
    return (
      matches.find((m) => m.subarch.startsWith('ga-') && m.kflavor === 'generic') ??
      matches.find((m) => m.subarch === 'generic') ??
      matches[0]
    );
  }

  /** listBootloaders returns the newest unpacked version of every stored bootloader product. */
  listBootloaders(): BootloaderFiles[] {
    return this.store.listResources('bootloader').flatMap((r) => {
      const newest = r.versions.find((v) => v.complete && v.unpackDir !== null);
      if (newest === undefined || newest.unpackDir === null) return [];
      return [
        {
          os: r.os,
          bootloaderType: r.bootloaderType,
          arch: r.arch,
          version: newest.version,
          dir: newest.unpackDir,
        },
      ];
    });
  }

  /** bootloaderDir is the folder of unpacked files for (`pxe`|`uefi`|`open-firmware`, arch). */
  bootloaderDir(bootloaderType: string, arch: string): string | undefined {
    return this.listBootloaders().find(
      (b) => b.bootloaderType === bootloaderType && b.arch === arch,
    )?.dir;
  }
}

function toBootImage(r: StoredResource): BootImage | undefined {
  // A version marked incomplete has a file that is gone or damaged: never served.
  const newest = r.versions.find((v) => v.complete);
  if (newest === undefined) return undefined;
  return {
    os: r.os,
    release: r.release,
    arch: r.arch,
    subarch: r.subarch,
    kflavor: r.kflavor,
    label: r.label,
    version: newest.version,
    files: newest.files,
  };
}

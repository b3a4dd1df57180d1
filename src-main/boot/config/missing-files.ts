/**
 * Says why a requested name is not served, in the boot log's words: a boot loader file the stream's
 * bootloader products do not carry ("asked for snponly.efi, not in the stream's bootloaders"), any
 * other name ("asked for X, not served"), or a name a loader probes for on purpose and does without
 * — PXELINUX tries its UUID and hex-IP config names, GRUB its `grub.cfg-…` names, iPXE
 * `autoexec.ipxe` — which is not a failure and must not read like one.
 */
import { BootContentError } from '../boot-files';

/** Why a name is missing: an expected probe, a boot loader file, or anything else. */
export type MissingKind = 'probe' | 'bootloader' | 'other';

/** File names of boot loader binaries and modules: EFI apps, PXE NBPs, syslinux and GRUB modules. */
const BOOTLOADER_FILE = /\.(efi|signed|0|c32|kpxe|kkpxe|pxe|lkrn|mod|elf)$/i;

/** classifyMissing says which kind of missing name `name` (a clean relative name) is. */
export function classifyMissing(name: string): MissingKind {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (name.startsWith('pxelinux.cfg/')) return 'probe';
  if (/^grub\.cfg(-.+)?$/.test(base) || base === 'autoexec.ipxe') return 'probe';
  return BOOTLOADER_FILE.test(base) ? 'bootloader' : 'other';
}

/** missingReason is the boot log's sentence for a name that is not served. */
export function missingReason(name: string): string {
  switch (classifyMissing(name)) {
    case 'probe':
      return `probed for ${name}, not served (an expected probe, not a failure)`;
    case 'bootloader':
      return `asked for ${name}, not in the stream's bootloaders`;
    case 'other':
      return `asked for ${name}, not served`;
  }
}

/** missingFileError is the resolver's "not found" for `name`, marked when it is an expected probe. */
export function missingFileError(name: string): BootContentError {
  return new BootContentError('not-found', missingReason(name), classifyMissing(name) === 'probe');
}

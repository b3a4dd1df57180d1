/**
 * olderMirror is the standard mirror as it was a month earlier: jammy/amd64 ga-22.04 (generic) and
 * hwe-22.04 (lowlatency) at 20250601 only, with byte-identical files, and the same bootloaders.
 * Syncing it, then the standard mirror, leaves two versions of each kernel in the store.
 */
import {
  buildMirror,
  manifestText,
  type BuiltMirror,
  type TestKey,
} from '../../helpers/mirror/build-mirror';
import { jammyPackages } from '../../helpers/mirror/standard-mirror';

export function olderMirror(root: string, key?: TestKey): Promise<BuiltMirror> {
  const v = '20250601';
  const files = (flavor: string) => ({
    kernel: `kernel ${flavor} ${v} `.repeat(500),
    initrd: `initrd ${flavor} ${v} `.repeat(800),
    squashfs: `squashfs ${v} `.repeat(2000),
    manifest: manifestText(jammyPackages[v]),
  });
  return buildMirror({
    root,
    key,
    images: [
      {
        release: 'jammy',
        version: '22.04',
        arch: 'amd64',
        subarch: 'ga-22.04',
        versions: { [v]: files('generic') },
      },
      {
        release: 'jammy',
        version: '22.04',
        arch: 'amd64',
        subarch: 'hwe-22.04',
        kflavor: 'lowlatency',
        versions: { [v]: files('lowlatency') },
      },
    ],
    bootloaders: [
      {
        os: 'pxelinux',
        type: 'pxe',
        arch: 'i386',
        versions: {
          '20210203.0': {
            syslinux: { 'lpxelinux.0': 'LPXELINUX', 'ldlinux.c32': 'LDLINUX', 'pxelinux.0': 'PXE' },
          },
        },
      },
    ],
  });
}

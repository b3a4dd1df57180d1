/**
 * standardMirror builds the mirror most sync tests use: jammy/amd64 with a ga-22.04 generic and a
 * hwe-22.04 lowlatency kernel over three versions (the newest incomplete: no squashfs), a focal
 * product that is not selected, and pxelinux/i386 + grub-efi-signed/amd64 bootloaders.
 */
import { buildMirror, manifestText, type BuiltMirror, type TestKey } from './build-mirror';

/** Package lists for the two complete jammy versions (manifest diff tests rely on them). */
export const jammyPackages = {
  '20250601': {
    adduser: '3.118ubuntu5',
    bash: '5.1-6ubuntu1',
    'bind9-libs:amd64': '1:9.18.1-1ubuntu1.1',
    openssl: '3.0.2-0ubuntu1.10',
  },
  '20250701': {
    adduser: '3.118ubuntu5',
    bash: '5.1-6ubuntu1.1',
    'libssl3:amd64': '3.0.2-0ubuntu1.15',
    openssl: '3.0.2-0ubuntu1.15',
  },
} as const;

export async function standardMirror(root: string, key?: TestKey): Promise<BuiltMirror> {
  const squash = (v: string): string => `squashfs ${v} `.repeat(2000);
  const files = (v: string, flavor: string) => ({
    kernel: `kernel ${flavor} ${v} `.repeat(500),
    initrd: `initrd ${flavor} ${v} `.repeat(800),
    squashfs: squash(v),
    manifest: manifestText(jammyPackages[v as keyof typeof jammyPackages] ?? { bash: '5.1' }),
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
        versions: {
          '20250601': files('20250601', 'generic'),
          '20250701': files('20250701', 'generic'),
          '20250801': { ...files('20250801', 'generic'), squashfs: undefined },
        },
      },
      {
        release: 'jammy',
        version: '22.04',
        arch: 'amd64',
        subarch: 'hwe-22.04',
        kflavor: 'lowlatency',
        versions: {
          '20250601': files('20250601', 'lowlatency'),
          '20250701': files('20250701', 'lowlatency'),
        },
      },
      {
        release: 'focal',
        version: '20.04',
        arch: 'amd64',
        subarch: 'ga-20.04',
        versions: { '20250701': files('20250701', 'focal') },
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
      {
        os: 'grub-efi-signed',
        type: 'uefi',
        arch: 'amd64',
        versions: {
          '20231004.0': {
            'shim-signed': { 'bootx64.efi': 'SHIM', 'mmx64.efi': 'MM' },
            // Canonical's signed netboot GRUB has the http module; its stand-in carries the
            // module's own strings, which is how LabBoot tells (src-main/boot/config/grub-http.ts).
            'grub2-signed': { 'grubx64.efi': 'GRUB User-Agent: GRUB unsupported HTTP response' },
          },
        },
      },
    ],
  });
}

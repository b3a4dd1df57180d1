/**
 * Puts the e2e test image into a LabBoot store the way a user would: a signed simplestreams mirror
 * (test/helpers/mirror) carrying the real kernel, the marker initramfs and the squashfs, served on
 * 127.0.0.1, then `labboot sources add`, `select add`, `sync` and `images --json` through the real
 * CLI. Returns the stored files, so the boot serves exactly what the store holds.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildMirror,
  manifestText,
  type MirrorBootloader,
} from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { buildInitramfs, buildNetbootGrub, buildSquashfs, kernelPath } from './payloads';

/** A stored file of the synced image. */
export interface StoredFile {
  readonly ftype: string;
  readonly sha256: string;
  readonly path: string;
}

interface ImagesJson {
  kind?: string;
  os: string;
  release: string;
  arch: string;
  versions: { version: string; complete: boolean; files: StoredFile[] }[];
}

/** The boot files of one architecture's `ubuntu/jammy/<arch>` test image. */
export interface TestPayload {
  readonly kernel: string;
  readonly initrd: string;
  readonly squashfs: string;
}

/** The stored files of one synced image, by ftype. */
export type StoredImage = Record<'boot-kernel' | 'boot-initrd' | 'squashfs', StoredFile>;

/** syncTestImage syncs kernel/initrd/squashfs into `dataDir` and returns them by ftype. */
export async function syncTestImage(
  work: string,
  dataDir: string,
  payload: TestPayload,
  bootloaders: MirrorBootloader[] = [],
): Promise<StoredImage> {
  const stored = await syncTestImages(work, dataDir, { amd64: payload }, bootloaders);
  if (stored.amd64 === undefined) throw new Error('the amd64 test image was not synced');
  return stored.amd64;
}

/**
 * syncTestImages syncs one `ubuntu/jammy/<arch>` image per architecture from one mirror into
 * `dataDir` and returns each one's stored files.
 */
export async function syncTestImages(
  work: string,
  dataDir: string,
  payloads: Readonly<Record<string, TestPayload>>,
  bootloaders: MirrorBootloader[] = [],
): Promise<Partial<Record<string, StoredImage>>> {
  const mirror = await buildMirror({
    root: join(work, 'mirror'),
    images: Object.entries(payloads).map(([arch, payload]) => ({
      release: 'jammy',
      version: '22.04',
      arch,
      subarch: 'ga-22.04',
      versions: {
        '20251101': {
          kernel: { file: payload.kernel },
          initrd: { file: payload.initrd },
          squashfs: { file: payload.squashfs },
          manifest: manifestText({ busybox: '1:1.35.0-4' }),
        },
      },
    })),
    bootloaders,
  });
  const server = await new MirrorServer(mirror.root).start();
  try {
    const keyFile = join(work, 'mirror.asc');
    writeFileSync(keyFile, mirror.key.publicKey);
    const lb = async (...args: string[]): Promise<string> => {
      const r = await runLabboot(['--data', dataDir, ...args], {}, 120_000);
      if (r.status !== 0) throw new Error(`labboot ${args.join(' ')} failed: ${r.stderr}`);
      return r.stdout;
    };
    await lb('sources', 'add', server.url, '--keyring', keyFile, '--name', 'e2e');
    for (const arch of Object.keys(payloads)) await lb('select', 'add', `ubuntu/jammy/${arch}`);
    await lb('sync');
    const images = JSON.parse(await lb('--json', 'images')) as ImagesJson[];
    const stored: Partial<Record<string, StoredImage>> = {};
    for (const arch of Object.keys(payloads)) {
      const files = images
        .filter((i) => (i.kind === undefined || i.kind === 'image') && i.arch === arch)
        .flatMap((i) => i.versions.filter((v) => v.complete).flatMap((v) => v.files));
      const pick = (ftype: string): StoredFile => {
        const f = files.find((x) => x.ftype === ftype);
        if (!f)
          throw new Error(`the synced ${arch} image has no ${ftype}: ${JSON.stringify(images)}`);
        return f;
      };
      stored[arch] = {
        'boot-kernel': pick('boot-kernel'),
        'boot-initrd': pick('boot-initrd'),
        squashfs: pick('squashfs'),
      };
    }
    return stored;
  } finally {
    await server.stop();
  }
}

/**
 * Which GRUB the mirror's `grub2-signed` archive carries as grubx64.efi: `http`, a grub-mkimage
 * netboot build with http and tftp (the stand-in for Canonical's netboot GRUB); `signed`, Debian's
 * signed netboot GRUB (no http module; boots under Secure Boot behind Microsoft's shim).
 */
export type LabGrub = 'http' | 'signed';

/** Debian's stand-ins for the files of the real `grub-efi-signed:uefi:amd64` product. */
const SHIM = '/usr/lib/shim/shimx64.efi.signed';
const MOK_MANAGER = '/usr/lib/shim/mmx64.efi.signed';
const SIGNED_GRUB = '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed';

/**
 * syncLabStore builds the boot payloads and syncs them into `dataDir` (the store `labboot serve`
 * boots the lab VMs from) from a mirror whose bootloader products hold exactly what the real ones
 * hold: `pxelinux:pxe:i386` = syslinux (lpxelinux.0, ldlinux.c32) and `grub-efi-signed:uefi:amd64`
 * = shim-signed (bootx64.efi, mmx64.efi) + grub2-signed (grubx64.efi), with Debian's files as
 * contents. Returns the stored squashfs the guest must fetch. `buildInitrd` replaces the marker
 * initramfs (the deploy e2e boots its own ephemeral one).
 */
export async function syncLabStore(
  work: string,
  dataDir: string,
  grubKind: LabGrub = 'http',
  buildInitrd: (work: string, out: string) => void = (w, out) => buildInitramfs(w, out),
): Promise<StoredFile> {
  const build = join(work, `build-${grubKind}`);
  mkdirSync(build, { recursive: true });
  const initrd = join(build, 'initrd.img');
  const squash = join(build, 'root.squashfs');
  const grub = grubKind === 'signed' ? SIGNED_GRUB : join(build, 'grubx64.efi');
  buildInitrd(build, initrd);
  buildSquashfs(build, squash);
  if (grubKind === 'http') buildNetbootGrub(build, grub);
  const stored = await syncTestImage(
    join(work, `mirror-${grubKind}`),
    dataDir,
    { kernel: kernelPath().path, initrd, squashfs: squash },
    [
      {
        os: 'pxelinux',
        type: 'pxe',
        arch: 'i386',
        versions: {
          '20210203.0': {
            syslinux: {
              'lpxelinux.0': { file: '/usr/lib/PXELINUX/lpxelinux.0' },
              'ldlinux.c32': { file: '/usr/lib/syslinux/modules/bios/ldlinux.c32' },
            },
          },
        },
      },
      {
        os: 'grub-efi-signed',
        type: 'uefi',
        arch: 'amd64',
        versions: {
          '20231004.0': {
            'shim-signed': {
              'bootx64.efi': { file: SHIM },
              'mmx64.efi': { file: MOK_MANAGER },
            },
            'grub2-signed': { 'grubx64.efi': { file: grub } },
          },
        },
      },
    ],
  );
  return stored.squashfs;
}

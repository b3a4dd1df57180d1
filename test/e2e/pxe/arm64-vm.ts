/**
 * The arm64 machine of the PXE e2e and what it boots: QEMU `virt` (Cortex-A57, TCG) with AAVMF,
 * EDK2's arm64 build, booting from virtio-net without an option ROM (EDK2's own PXE and HTTP Boot),
 * and a store synced from a mirror whose `grub-efi:uefi:arm64` product has exactly the real one's
 * shape: `shim-signed.tar.xz` (bootaa64.efi, mmaa64.efi) and `grub2-signed.tar.xz` (grubaa64.efi),
 * filled from Debian's arm64 packages (downloaded, never installed: scripts/arm64-test-debs.sh).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/mirror/run-cli';
import { buildInitramfs, buildNetbootGrub } from './payloads';
import type { VmOptions } from './qemu';
import { syncTestImages, type StoredImage } from './store-image';

const AAVMF_CODE = '/usr/share/AAVMF/AAVMF_CODE.fd';
const AAVMF_VARS = '/usr/share/AAVMF/AAVMF_VARS.fd';

/** The Debian arm64 files the boot uses, from the cache scripts/arm64-test-debs.sh fills. */
export interface Arm64Files {
  /** shimaa64.efi.signed (shim-signed), the real product's bootaa64.efi. */
  readonly shim: string;
  /** mmaa64.efi.signed (shim-helpers-arm64-signed), the real product's mmaa64.efi. */
  readonly mokManager: string;
  /** grubnetaa64.efi.signed (grub-efi-arm64-signed), the real product's grubaa64.efi; no http. */
  readonly signedGrub: string;
  /** Debian's arm64-efi GRUB modules (grub-efi-arm64-bin), for an http-capable grub-mkimage build. */
  readonly grubModules: string;
  readonly kernel: string;
  /** `/lib/modules/<release>/kernel` of that kernel (virtio-net and what it needs). */
  readonly modulesDir: string;
  readonly busybox: string;
}

/** arm64Files fetches the files into the cache once (a few seconds), then only reads it. */
export function arm64Files(): Arm64Files {
  const cache =
    process.env.LABBOOT_ARM64_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'labboot-tests', 'arm64');
  execFileSync(join(repoRoot, 'scripts/arm64-test-debs.sh'), [cache], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const root = join(cache, 'root');
  const release = readdirSync(join(root, 'lib/modules'))[0] ?? '';
  return {
    shim: join(root, 'efi/shimaa64.efi'),
    mokManager: join(root, 'efi/mmaa64.efi'),
    signedGrub: join(root, 'efi/grubnetaa64.efi'),
    grubModules: join(root, 'grub/arm64-efi'),
    kernel: join(root, 'vmlinuz'),
    modulesDir: join(root, 'lib/modules', release, 'kernel'),
    busybox: join(root, 'busybox'),
  };
}

/**
 * arm64Machine is the `machine` of an arm64 boot. `httpBootOnly` drops AAVMF's PXE boot options
 * (the same fw_cfg knobs as OVMF's), as switching PXE off in a real firmware's setup does, so the
 * NIC boots by HTTP Boot (arch 19) first.
 */
export function arm64Machine(httpBootOnly: boolean): NonNullable<VmOptions['machine']> {
  return {
    binary: 'qemu-system-aarch64',
    args: (o, serialLog) => {
      const vars = join(o.work, 'AAVMF_VARS.fd');
      copyFileSync(AAVMF_VARS, vars);
      return [
        ...['-machine', 'virt', '-cpu', 'cortex-a57', '-m', '1024', '-smp', '1'],
        ...['-accel', 'tcg', '-nographic', '-monitor', 'none', '-no-reboot'],
        ...['-serial', `file:${serialLog}`],
        ...['-netdev', `tap,id=n0,ifname=${o.tap},script=no,downscript=no`],
        ...['-device', `virtio-net-pci,netdev=n0,mac=${o.mac},romfile=,bootindex=1`],
        ...['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${AAVMF_CODE}`],
        ...['-drive', `if=pflash,format=raw,unit=1,file=${vars}`],
        ...(httpBootOnly
          ? [
              ...['-fw_cfg', 'name=opt/org.tianocore/IPv4PXESupport,string=n'],
              ...['-fw_cfg', 'name=opt/org.tianocore/IPv6PXESupport,string=n'],
            ]
          : []),
      ];
    },
  };
}

/** A small squashfs of its own, so the arm64 image's sha256 differs from the amd64 one's. */
function buildArm64Squashfs(work: string, out: string): void {
  const d = join(work, 'rootfs-arm64');
  mkdirSync(join(d, 'etc'), { recursive: true });
  writeFileSync(join(d, 'etc/os-release'), 'NAME="LabBoot e2e arm64"\nID=labboot-e2e\n');
  writeFileSync(join(d, 'etc/payload.bin'), Buffer.alloc(256 * 1024, 0xa6));
  execFileSync('mksquashfs', [d, out, '-noappend', '-quiet', '-all-root', '-no-progress']);
}

/**
 * Which GRUB the mirror's arm64 `grub2-signed` archive carries as grubaa64.efi: `signed`, Debian's
 * signed netboot GRUB (no http: the generated config loads the kernel over TFTP); `http`, a
 * grub-mkimage build with http, which a GRUB loaded by HTTP Boot needs to fetch its config.
 */
export type Arm64Grub = 'signed' | 'http';

/**
 * syncArm64Store builds the arm64 boot payloads and syncs `ubuntu/jammy/arm64` and a placeholder
 * `ubuntu/jammy/amd64` (never booted; it proves the arm64 machine gets its architecture's default
 * when both are served) with the arm64 bootloader product into `dataDir`.
 */
export async function syncArm64Store(
  work: string,
  dataDir: string,
  grub: Arm64Grub,
): Promise<{ arm64: StoredImage; amd64: StoredImage }> {
  const files = arm64Files();
  const build = join(work, `build-arm64-${grub}`);
  mkdirSync(build, { recursive: true });
  const initrd = join(build, 'initrd.img');
  const squashfs = join(build, 'root.squashfs');
  buildInitramfs(build, initrd, {
    busybox: files.busybox,
    modulesDir: files.modulesDir,
    serial: 'ttyAMA0',
  });
  buildArm64Squashfs(build, squashfs);
  let grubImage = files.signedGrub;
  if (grub === 'http') {
    grubImage = join(build, 'grubaa64.efi');
    buildNetbootGrub(build, grubImage, { format: 'arm64-efi', moduleDir: files.grubModules });
  }
  const placeholder = (name: string): string => {
    const path = join(build, `amd64-${name}`);
    writeFileSync(path, `placeholder amd64 ${name}\n`);
    return path;
  };
  const stored = await syncTestImages(
    join(work, `arm64-${grub}`),
    dataDir,
    {
      arm64: { kernel: files.kernel, initrd, squashfs },
      amd64: {
        kernel: placeholder('kernel'),
        initrd: placeholder('initrd'),
        squashfs: placeholder('squashfs'),
      },
    },
    [
      {
        os: 'grub-efi',
        type: 'uefi',
        arch: 'arm64',
        versions: {
          '20231004.0': {
            'shim-signed': {
              'bootaa64.efi': { file: files.shim },
              'mmaa64.efi': { file: files.mokManager },
            },
            'grub2-signed': { 'grubaa64.efi': { file: grubImage } },
          },
        },
      },
    ],
  );
  if (stored.arm64 === undefined || stored.amd64 === undefined)
    throw new Error('the arm64 store lacks an image');
  return { arm64: stored.arm64, amd64: stored.amd64 };
}

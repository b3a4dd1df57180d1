/**
 * Payloads of the deploy e2e, built from Debian packages at test time:
 * - the ephemeral initramfs: brings the NIC up and does what cloud-init does with a NoCloud seed
 *   whose user-data starts with `#!` (fetch `s=URL` meta-data and user-data, run it), nothing
 *   more; the installer then runs under busybox sh, with virtio-blk for the disk;
 * - two small bootable disk images printing a marker from their own disk: BIOS (MBR + syslinux on
 *   FAT + kernel + marker initrd) and UEFI (GPT + ESP with a removable GRUB loader + kernel +
 *   marker initrd).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { kernelPath } from './payloads';

/** What the deployed disk prints once booted: `LABBOOT-DISK-OK <image id>`. */
export const DISK_MARKER = 'LABBOOT-DISK-OK';

const sh = (script: string, cwd: string, ...args: string[]): string =>
  execFileSync('bash', ['-euo', 'pipefail', '-c', script, 'bash', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** NIC and disk drivers Debian builds as modules, in load order. */
const MODULES = [
  'drivers/net/ethernet/intel/e1000/e1000',
  'drivers/virtio/virtio',
  'drivers/virtio/virtio_ring',
  'drivers/virtio/virtio_pci_modern_dev',
  'drivers/virtio/virtio_pci_legacy_dev',
  'drivers/virtio/virtio_pci',
  'net/core/failover',
  'drivers/net/net_failover',
  'drivers/net/virtio_net',
  'drivers/block/virtio_blk',
];

const APPLETS = [
  'sh',
  'mount',
  'echo',
  'cat',
  'sed',
  'cut',
  'sleep',
  'poweroff',
  'reboot',
  'ip',
  'udhcpc',
  'wget',
  'insmod',
  'sha256sum',
  'sync',
  'chmod',
  'head',
  'grep',
  'gzip',
  'gunzip',
  'xz',
  'unxz',
  'bzip2',
  'tar',
  'tee',
  'dd',
  'mkfifo',
  'kill',
  'rm',
  'mkdir',
  'touch',
  'tail',
  'ls',
  'wc',
];

const EPHEMERAL_INIT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /tmp
exec </dev/ttyS0 >/dev/ttyS0 2>&1
echo "LABBOOT-INIT ephemeral"
for p in 1 2; do for m in /lib/modules/*.ko; do insmod "$m" 2>/dev/null; done; done
ip link set eth0 up
cat > /bin/dhcp.sh <<'S'
#!/bin/sh
[ "$1" = bound ] && ip addr add "$ip/\${mask:-24}" dev "$interface"
exit 0
S
chmod +x /bin/dhcp.sh
udhcpc -i eth0 -n -q -t 20 -T 1 -s /bin/dhcp.sh >/dev/null 2>&1 || echo "LABBOOT-E2E-FAIL no DHCP answer"
# cloud-init's NoCloud: ds=nocloud-net;s=URL names the seed folder.
SEED=$(sed -n 's/.*ds=nocloud-net;s=\\([^ ]*\\).*/\\1/p' /proc/cmdline)
echo "LABBOOT-SEED $SEED"
wget -q -O /tmp/meta-data "\${SEED}meta-data" || echo "LABBOOT-E2E-FAIL no meta-data"
wget -q -O /tmp/user-data "\${SEED}user-data" || echo "LABBOOT-E2E-FAIL no user-data"
if [ "$(head -c 2 /tmp/user-data)" = "#!" ]; then
  echo "LABBOOT-USERDATA-SCRIPT"
  chmod +x /tmp/user-data
  sh /tmp/user-data
  echo "LABBOOT-USERDATA-EXIT $?"
else
  echo "LABBOOT-USERDATA-CONFIG $(head -n 1 /tmp/user-data)"
fi
sync
poweroff -f
`;

function initramfs(
  work: string,
  out: string,
  init: string,
  applets: readonly string[],
  modules: readonly string[],
): void {
  const { release } = kernelPath();
  const d = join(work, `root-${out.split('/').pop() ?? 'x'}`);
  rmSync(d, { recursive: true, force: true });
  for (const sub of ['bin', 'dev', 'proc', 'sys', 'tmp', 'lib/modules'])
    mkdirSync(join(d, sub), { recursive: true });
  copyFileSync('/bin/busybox', join(d, 'bin/busybox'));
  chmodSync(join(d, 'bin/busybox'), 0o755);
  for (const a of applets) symlinkSync('busybox', join(d, 'bin', a));
  modules.forEach((m, i) => {
    const src = join('/lib/modules', release, 'kernel', `${m}.ko`);
    if (existsSync(src))
      copyFileSync(
        src,
        join(d, 'lib/modules', `${String(i).padStart(2, '0')}-${m.split('/').pop() ?? ''}.ko`),
      );
  });
  writeFileSync(join(d, 'init'), init, { mode: 0o755 });
  sh(
    'mknod -m 600 dev/console c 5 1 && mknod -m 666 dev/null c 1 3 && mknod -m 666 dev/zero c 1 5 && find . | cpio -o -H newc --quiet | gzip -6 > "$1"',
    d,
    out,
  );
}

/** buildEphemeralInitrd writes the cloud-init-emulating ephemeral initramfs to `out`. */
export function buildEphemeralInitrd(work: string, out: string): void {
  initramfs(work, out, EPHEMERAL_INIT, APPLETS, MODULES);
}

/**
 * buildBenchInitrd is the ephemeral initramfs of test/bench/deploy.ts: it times, inside the VM,
 * either the installer (its user-data, with the reboot left out) or, on `baselineMac`, what a person
 * would type, `wget -O- URL | gunzip | dd of=/dev/vda bs=1M` and `sync`, from the same URL, and
 * prints `LABBOOT-BENCH <side> <start> <end>` (seconds of uptime).
 */
export function buildBenchInitrd(work: string, out: string, baselineMac: string): void {
  const run = `MAC=$(cat /sys/class/net/eth0/address)
T0=$(cut -d' ' -f1 /proc/uptime)
if [ "$MAC" = "${baselineMac}" ]; then
  SIDE=baseline
  URL=$(sed -n "s/^LABBOOT_IMAGE_URL='\\(.*\\)'$/\\1/p" /tmp/user-data)
  wget -q -O- "$URL" | gunzip | dd of=/dev/vda bs=1M 2>/dev/null
  sync
else
  SIDE=labboot
  LABBOOT_REBOOT=: sh /tmp/user-data
fi
T1=$(cut -d' ' -f1 /proc/uptime)
echo "LABBOOT-BENCH $SIDE $T0 $T1"
`;
  const init = EPHEMERAL_INIT.replace(
    /if \[ "\$\(head -c 2 \/tmp\/user-data\)" = "#!" \]; then[\s\S]*?\nfi\n/,
    run,
  );
  if (init === EPHEMERAL_INIT) throw new Error('bench init: the user-data step was not found');
  initramfs(work, out, init, APPLETS, MODULES);
}

function markerInitrd(work: string, out: string, id: string): void {
  const init = `#!/bin/sh
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/ttyS0 >/dev/ttyS0 2>&1
echo "${DISK_MARKER} ${id} cmdline=$(cat /proc/cmdline)"
sync
poweroff -f
`;
  initramfs(work, out, init, ['sh', 'mount', 'echo', 'cat', 'sync', 'poweroff'], []);
}

/** A built disk image. */
export interface DiskImage {
  readonly path: string;
  readonly size: number;
  /** What its marker line says after DISK_MARKER. */
  readonly id: string;
}

/**
 * buildBiosDisk: an MBR disk with syslinux's MBR code and one bootable FAT16 partition holding
 * syslinux, the kernel and a marker initrd.
 */
export function buildBiosDisk(work: string, id: string, mib = 24): DiskImage {
  const dir = join(work, `disk-${id}`);
  mkdirSync(dir, { recursive: true });
  markerInitrd(dir, join(dir, 'initrd.img'), id);
  copyFileSync(kernelPath().path, join(dir, 'vmlinuz'));
  writeFileSync(
    join(dir, 'syslinux.cfg'),
    `DEFAULT disk\nLABEL disk\n  KERNEL vmlinuz\n  INITRD initrd.img\n  APPEND console=ttyS0 quiet\n`,
  );
  const path = join(dir, 'disk.img');
  sh(
    `rm -f disk.img; truncate -s ${mib}M disk.img
     printf 'label: dos\\nstart=2048, type=6, bootable\\n' | sfdisk -q disk.img
     mkfs.fat -F 16 -n LABBOOT --offset 2048 disk.img $(( (${mib} - 1) * 1024 )) >/dev/null
     syslinux --install --offset $((2048 * 512)) disk.img
     MTOOLS_SKIP_CHECK=1 mcopy -i disk.img@@1M vmlinuz initrd.img syslinux.cfg ::
     dd if=/usr/lib/syslinux/mbr/mbr.bin of=disk.img bs=440 count=1 conv=notrunc status=none`,
    dir,
  );
  return { path, size: mib * 1024 * 1024, id };
}

/** buildUefiDisk: a GPT disk whose ESP has a removable GRUB loader, the kernel and a marker initrd. */
export function buildUefiDisk(work: string, id: string, mib = 32): DiskImage {
  const dir = join(work, `disk-${id}`);
  mkdirSync(dir, { recursive: true });
  markerInitrd(dir, join(dir, 'initrd.img'), id);
  copyFileSync(kernelPath().path, join(dir, 'vmlinuz'));
  writeFileSync(
    join(dir, 'embedded.cfg'),
    'set timeout=0\nsearch --no-floppy --set=root --file /vmlinuz\nlinux /vmlinuz console=ttyS0 quiet\ninitrd /initrd.img\nboot\n',
  );
  execFileSync('grub-mkimage', [
    '-O',
    'x86_64-efi',
    '-o',
    join(dir, 'BOOTX64.EFI'),
    '-p',
    '/EFI/BOOT',
    '-c',
    join(dir, 'embedded.cfg'),
    'part_gpt',
    'fat',
    'search',
    'normal',
    'linux',
    'boot',
    'configfile',
    'echo',
  ]);
  const path = join(dir, 'disk.img');
  sh(
    `rm -f disk.img; truncate -s ${mib}M disk.img
     printf "label: gpt\\nstart=2048, size=$(( (${mib} - 2) * 2048 )), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\\n" | sfdisk -q disk.img
     mkfs.fat -F 16 -n ESP --offset 2048 disk.img $(( (${mib} - 2) * 1024 )) >/dev/null
     export MTOOLS_SKIP_CHECK=1
     mmd -i disk.img@@1M ::/EFI ::/EFI/BOOT
     mcopy -i disk.img@@1M BOOTX64.EFI ::/EFI/BOOT/
     mcopy -i disk.img@@1M vmlinuz initrd.img ::/`,
    dir,
  );
  return { path, size: mib * 1024 * 1024, id };
}

/** compress writes `disk` as `.gz` or `.xz` beside it and returns that path. */
export function compress(disk: DiskImage, how: 'gz' | 'xz'): string {
  const out = `${disk.path}.${how}`;
  sh(how === 'gz' ? 'gzip -c -6 "$1" > "$2"' : 'xz -T1 -6 -c "$1" > "$2"', '/', disk.path, out);
  return out;
}

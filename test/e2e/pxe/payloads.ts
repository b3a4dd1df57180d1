/**
 * Boot payloads for the QEMU e2e tests, built from Debian packages at test time:
 * - a tiny busybox initramfs whose /init reads `root=squash:URL` from /proc/cmdline, brings the NIC
 *   up with DHCP, fetches that squashfs over HTTP, prints its sha256 and a marker on the serial
 *   console and powers off;
 * - a small squashfs (the test image's root filesystem);
 * - a netboot GRUB made with grub-mkimage with http and tftp: the stand-in for a stream's GRUB that
 *   has http (Canonical's netboot GRUB does; Debian's signed one, the Secure Boot stand-in, has not).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** MARKER is what the booted initramfs prints once it has fetched and hashed the squashfs. */
export const MARKER = 'LABBOOT-E2E-OK';

/** kernelPath returns Debian's newest installed kernel (linux-image-amd64). */
export function kernelPath(): { path: string; release: string } {
  const names = readdirSync('/boot')
    .filter((n) => n.startsWith('vmlinuz-'))
    .sort();
  const name = names.at(-1);
  if (!name) throw new Error('No kernel in /boot: apt-get install linux-image-amd64');
  return { path: join('/boot', name), release: name.slice('vmlinuz-'.length) };
}

/** What the initramfs is built from: busybox, the kernel's module tree and the serial console. */
export interface InitramfsSystem {
  readonly busybox: string;
  /** `/lib/modules/<release>/kernel` of the kernel that will boot it. */
  readonly modulesDir: string;
  /** The console the marker goes to: `ttyS0` (x86), `ttyAMA0` (arm64 `virt`, a PL011). */
  readonly serial: string;
}

/** hostSystem is this machine's busybox, its newest kernel's modules and the x86 serial port. */
export function hostSystem(): InitramfsSystem {
  const { release } = kernelPath();
  return {
    busybox: '/bin/busybox',
    modulesDir: join('/lib/modules', release, 'kernel'),
    serial: 'ttyS0',
  };
}

// NIC drivers Debian builds as modules, in load order: e1000 for the BIOS VM, virtio-net for OVMF.
const modules = [
  'drivers/net/ethernet/intel/e1000/e1000',
  'drivers/virtio/virtio',
  'drivers/virtio/virtio_ring',
  'drivers/virtio/virtio_pci_modern_dev',
  'drivers/virtio/virtio_pci_legacy_dev',
  'drivers/virtio/virtio_pci',
  'net/core/failover',
  'drivers/net/net_failover',
  'drivers/net/virtio_net',
];

const initScript = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# LabBoot's MAAS-style command line names no console=, so talk to the serial port directly.
exec </dev/ttyS0 >/dev/ttyS0 2>&1
arg() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" /proc/cmdline; }
ROOT=$(arg root)
echo "LABBOOT-INIT root=$ROOT"
# The kernel logs "secureboot: Secure boot enabled" when the firmware booted it with Secure Boot on.
if dmesg | grep -q 'Secure boot enabled'; then echo "LABBOOT-SECUREBOOT enabled"; else echo "LABBOOT-SECUREBOOT off"; fi
for p in 1 2; do for m in /lib/modules/*.ko; do insmod "$m" 2>/dev/null; done; done
ip link set eth0 up
cat > /bin/dhcp.sh <<'S'
#!/bin/sh
[ "$1" = bound ] && ip addr add "$ip/\${mask:-24}" dev "$interface"
# A server off the DHCP subnet (a test boot through QEMU's user network) is reached via the router.
[ "$1" = bound ] && [ -n "$router" ] && ip route add default via "\${router%% *}" dev "$interface"
exit 0
S
chmod +x /bin/dhcp.sh
URL=\${ROOT#squash:}
if udhcpc -i eth0 -n -q -t 20 -T 1 -s /bin/dhcp.sh >/dev/null 2>&1 && wget -q -O /root.squashfs "$URL"; then
  echo "LABBOOT-SHA256 $(sha256sum /root.squashfs | cut -d' ' -f1)"
  echo "LABBOOT-E2E-OK uptime=$(cut -d' ' -f1 /proc/uptime) addr=$(ip -4 -o addr show eth0 | sed 's/.*inet \\([^ ]*\\).*/\\1/')"
  # A getty's prompt, as an ephemeral system shows once it is up (what a test boot waits for).
  echo "labboot-e2e login: "
else
  echo "LABBOOT-E2E-FAIL could not fetch $URL"
fi
sync
poweroff -f
`;

/** buildInitramfs writes the gzip'd cpio initramfs for `system` (default: this machine's) to `out`. */
export function buildInitramfs(
  work: string,
  out: string,
  system: InitramfsSystem = hostSystem(),
): void {
  const d = join(work, `initramfs-${system.serial}`);
  rmSync(d, { recursive: true, force: true });
  for (const sub of ['bin', 'dev', 'proc', 'sys', 'etc', 'lib/modules', 'tmp'])
    mkdirSync(join(d, sub), { recursive: true });
  copyFileSync(system.busybox, join(d, 'bin/busybox'));
  chmodSync(join(d, 'bin/busybox'), 0o755);
  for (const a of [
    'sh',
    'mount',
    'echo',
    'cat',
    'sed',
    'cut',
    'sleep',
    'poweroff',
    'ip',
    'udhcpc',
    'wget',
    'insmod',
    'sha256sum',
    'sync',
    'chmod',
    'dmesg',
    'grep',
  ]) {
    symlinkSync('busybox', join(d, 'bin', a));
  }
  modules.forEach((m, i) => {
    const src = join(system.modulesDir, `${m}.ko`);
    if (existsSync(src))
      copyFileSync(
        src,
        join(d, 'lib/modules', `${String(i).padStart(2, '0')}-${m.split('/').pop() ?? ''}.ko`),
      );
  });
  writeFileSync(join(d, 'init'), initScript.replaceAll('/dev/ttyS0', `/dev/${system.serial}`), {
    mode: 0o755,
  });
  execFileSync(
    'bash',
    [
      '-c',
      `mknod -m 600 dev/console c 5 1 && mknod -m 666 dev/null c 1 3 && find . | cpio -o -H newc --quiet | gzip -6 > "$1"`,
      'cpio',
      out,
    ],
    { cwd: d },
  );
}

const markerOnlyInit = `#!/bin/sh
mount -t proc proc /proc
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/ttyS0 >/dev/ttyS0 2>&1
echo "LABBOOT-INIT marker-only"
echo "${MARKER} uptime=$(cut -d' ' -f1 /proc/uptime)"
poweroff -f
`;

/**
 * buildMarkerOnlyInitramfs writes the smallest initramfs that proves a boot reached the kernel
 * with its initrd: busybox and an /init that prints the marker on ttyS0 and powers off at once,
 * with no NIC modules, DHCP or download (for boots that only need to get this far, many at once).
 */
export function buildMarkerOnlyInitramfs(work: string, out: string): void {
  const d = join(work, 'initramfs-marker-only');
  rmSync(d, { recursive: true, force: true });
  for (const sub of ['bin', 'dev', 'proc']) mkdirSync(join(d, sub), { recursive: true });
  copyFileSync('/bin/busybox', join(d, 'bin/busybox'));
  chmodSync(join(d, 'bin/busybox'), 0o755);
  for (const a of ['sh', 'mount', 'echo', 'cut', 'poweroff'])
    symlinkSync('busybox', join(d, 'bin', a));
  writeFileSync(join(d, 'init'), markerOnlyInit, { mode: 0o755 });
  execFileSync(
    'bash',
    [
      '-c',
      `mknod -m 600 dev/console c 5 1 && find . | cpio -o -H newc --quiet | gzip -6 > "$1"`,
      'cpio',
      out,
    ],
    { cwd: d },
  );
}

/** buildSquashfs makes a small squashfs and returns its sha256 (hex). */
export function buildSquashfs(work: string, out: string): string {
  const d = join(work, 'rootfs');
  rmSync(d, { recursive: true, force: true });
  mkdirSync(join(d, 'etc'), { recursive: true });
  writeFileSync(join(d, 'etc/os-release'), 'NAME="LabBoot e2e"\nID=labboot-e2e\n');
  // A few hundred KiB of deterministic bytes so the HTTP fetch is a real transfer.
  const blob = createHash('sha256');
  const chunks: Buffer[] = [];
  for (let i = 0; i < 4096; i++) chunks.push(blob.update(String(i)).copy().digest());
  writeFileSync(join(d, 'etc/payload.bin'), Buffer.concat(chunks));
  rmSync(out, { force: true });
  execFileSync('mksquashfs', [
    d,
    out,
    '-noappend',
    '-quiet',
    '-all-root',
    '-mkfs-time',
    '0',
    '-no-progress',
  ]);
  return createHash('sha256').update(readFileSync(out)).digest('hex');
}

/** GRUB modules for a netboot image: network, TFTP + HTTP, Linux loader, config file support. */
const grubModules = [
  'net',
  'efinet',
  'tftp',
  'http',
  'linux',
  'normal',
  'configfile',
  'echo',
  'test',
  'boot',
  'serial',
  'terminal',
  'efi_gop',
  'all_video',
  // A deployed machine's local-boot config finds and chainloads the disk's EFI loader.
  'search',
  'part_gpt',
  'fat',
  'chain',
];

/**
 * buildNetbootGrub makes an x86_64-efi GRUB whose prefix is `/grub` on the server it was loaded
 * from: by TFTP, `(tftp,next-server)/grub`; by HTTP Boot, `(http,host:port)/grub` from the boot URI.
 * No memdisk: with one, GRUB's prefix becomes `(memdisk)/boot/grub` after HTTP Boot and it never
 * fetches its config.
 */
export function buildNetbootGrub(
  work: string,
  out: string,
  /** `arm64-efi` with Debian's arm64 modules in `moduleDir` builds the arm64 one. */
  target: { readonly format: string; readonly moduleDir?: string } = { format: 'x86_64-efi' },
): void {
  const cfg = join(work, 'grub-embedded.cfg');
  writeFileSync(cfg, 'set timeout=0\n');
  execFileSync('grub-mkimage', [
    '-O',
    target.format,
    ...(target.moduleDir === undefined ? [] : ['-d', target.moduleDir]),
    '-o',
    out,
    '-p',
    '/grub',
    '-c',
    cfg,
    ...grubModules,
  ]);
}

#!/usr/bin/env bash
# Fetches the Debian arm64 files the arm64 PXE e2e boots (shim, MokManager, the signed and the
# plain GRUB, the kernel, busybox) WITHOUT installing foreign-architecture packages: apt-get
# download, then dpkg-deb -x into a scratch folder, keeping only what the tests use. Idempotent:
# does nothing when CACHE_DIR/root/.complete exists. Needs root for apt (uses sudo when not root).
#
#   scripts/arm64-test-debs.sh [CACHE_DIR]   (default ${XDG_CACHE_HOME:-~/.cache}/labboot-tests/arm64)
set -euo pipefail
cache=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/labboot-tests/arm64}
[ -f "$cache/root/.complete" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
elif ! apt-cache show shim-signed:arm64 >/dev/null 2>&1; then
  $SUDO apt-get update -qq
fi

# The kernel package the linux-image-arm64 metapackage points at, e.g. linux-image-6.1.0-57-arm64.
kernel=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^: ]*\).*/\1/p' | head -n 1)
[ -n "$kernel" ] || { echo "arm64-test-debs: no arm64 kernel package found" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/debs" "$scratch/x" "$cache"
# apt's _apt user must be able to write where it downloads.
chmod 755 "$scratch"
chmod 777 "$scratch/debs"
(cd "$scratch/debs" && apt-get download -q shim-signed:arm64 shim-helpers-arm64-signed:arm64 \
  grub-efi-arm64-signed:arm64 grub-efi-arm64-bin:arm64 busybox-static:arm64 "$kernel:arm64" >/dev/null)
for deb in "$scratch"/debs/*.deb; do dpkg-deb -x "$deb" "$scratch/x"; done

x="$scratch/x"
root="$cache/root.tmp"
rm -rf "$root"
mkdir -p "$root/efi" "$root/grub" "$root/lib"
cp "$x/usr/lib/shim/shimaa64.efi.signed" "$root/efi/shimaa64.efi"
cp "$x/usr/lib/shim/mmaa64.efi.signed" "$root/efi/mmaa64.efi"
cp "$x/usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed" "$root/efi/grubnetaa64.efi"
cp -r "$x/usr/lib/grub/arm64-efi" "$root/grub/arm64-efi"
cp "$x/bin/busybox" "$root/busybox"
cp "$x"/boot/vmlinuz-* "$root/vmlinuz"
# Only the modules the marker initramfs loads (virtio-net on PCI); the rest is ~300 MB.
release=$(basename "$x"/lib/modules/*)
mods="$root/lib/modules/$release/kernel"
for m in drivers/virtio drivers/net/virtio_net.ko drivers/net/net_failover.ko net/core/failover.ko; do
  mkdir -p "$mods/$(dirname "$m")"
  cp -r "$x/lib/modules/$release/kernel/$m" "$mods/$m"
done
echo "$kernel" > "$root/kernel-package"
touch "$root/.complete"
rm -rf "$cache/root"
mv "$root" "$cache/root"

#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine to run LabBoot's tests: the Debian packages in
# scripts/apt-packages.txt (real peers: Chromium, TFTP clients/servers, dnsmasq, QEMU, OVMF, …), the
# Debian arm64 boot files for the arm64 PXE boot (scripts/arm64-test-debs.sh, cached) and the npm
# dependencies (npm ci). Needs root for apt (uses sudo when not root).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=$(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$' | tr '\n' ' ')
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-test-deps: installing Debian packages:$missing"
  $SUDO apt-get update -qq
  # No daemons are started by these packages in a container without an init system; the tests
  # start every server they need themselves, on loopback or in their own network namespaces.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# The arm64 PXE boot's shim, GRUB, kernel and busybox, downloaded (not installed) once into a cache.
scripts/arm64-test-debs.sh
npm ci --no-audit --no-fund

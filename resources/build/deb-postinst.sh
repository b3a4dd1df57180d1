#!/bin/sh
# Grant LabBoot the one capability it needs to serve PXE: binding ports below 1024
# (DHCP 67, TFTP 69, proxyDHCP 4011), without running the whole app as root.
set -e
if command -v setcap >/dev/null 2>&1; then
  setcap 'cap_net_bind_service=+ep' '/opt/LabBoot/labboot' || true
fi

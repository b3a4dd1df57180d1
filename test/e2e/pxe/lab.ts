/**
 * The e2e PXE lab: payloads, bootloader files and configs in a temp folder, and the network
 * (shared/pxe-lab topology): namespace `lan` bridges the VM's tap, the server and the "home router";
 * `srv` holds the PXE server at 10.77.0.1; `rtr` (10.77.0.254) sends IPv6 RAs (QEMU's 2019 iPXE
 * otherwise waits ~13 s per stage for IPv6) and, in proxy variants, hands out the addresses.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDnsmasqConf } from '../../helpers/netns/dnsmasq-conf';
import type { NetnsLab } from '../../helpers/netns/netns-lab';
import { buildInitramfs, buildNetbootGrub, buildSquashfs, kernelPath } from './payloads';
import { syncTestImage } from './store-image';

export const SERVER_IP = '10.77.0.1';
export const ROUTER_IP = '10.77.0.254';
export const VM_MAC = '52:54:00:77:00:10';

/** Files the lab serves, and the squashfs digest the guest must print. */
export interface LabFiles {
  readonly tftpRoot: string;
  readonly httpRoot: string;
  readonly squashSha256: string;
}

const cmdline = `console=ttyS0,115200 loglevel=3 panic=-1 root=squash:http://${SERVER_IP}/root.squashfs`;

/**
 * prepareFiles builds the payloads and writes the bootloaders and their configs under `work`. With
 * `viaStore`, kernel, initrd and squashfs go mirror → `labboot sync` → store first, and the boot
 * serves the stored copies (and `squashSha256` is the store's digest).
 */
export async function prepareFiles(work: string, viaStore = true): Promise<LabFiles> {
  // One root for both protocols, as the boot server's resolver serves one name space.
  const tftpRoot = join(work, 'root');
  const httpRoot = tftpRoot;
  const build = join(work, 'build');
  for (const d of [
    tftpRoot,
    httpRoot,
    build,
    join(tftpRoot, 'pxelinux.cfg'),
    join(tftpRoot, 'grub'),
  ])
    mkdirSync(d, { recursive: true });
  const payload = {
    kernel: kernelPath().path,
    initrd: join(build, 'initrd.img'),
    squashfs: join(build, 'root.squashfs'),
  };
  buildInitramfs(build, payload.initrd);
  let squashSha256 = buildSquashfs(build, payload.squashfs);
  if (viaStore) {
    const stored = await syncTestImage(work, join(work, 'data'), payload);
    if (stored.squashfs.sha256 !== squashSha256)
      throw new Error('the store holds a different squashfs than was published');
    squashSha256 = stored.squashfs.sha256;
    payload.kernel = stored['boot-kernel'].path;
    payload.initrd = stored['boot-initrd'].path;
    payload.squashfs = stored.squashfs.path;
  }
  copyFileSync(payload.kernel, join(httpRoot, 'vmlinuz'));
  copyFileSync(payload.initrd, join(httpRoot, 'initrd.img'));
  copyFileSync(payload.squashfs, join(httpRoot, 'root.squashfs'));
  // BIOS: lpxelinux (HTTP-capable pxelinux) + its core module.
  copyFileSync('/usr/lib/PXELINUX/lpxelinux.0', join(tftpRoot, 'lpxelinux.0'));
  copyFileSync('/usr/lib/syslinux/modules/bios/ldlinux.c32', join(tftpRoot, 'ldlinux.c32'));
  writeFileSync(
    join(tftpRoot, 'pxelinux.cfg/default'),
    `SERIAL 0 115200\nDEFAULT labboot\nPROMPT 0\nTIMEOUT 0\nLABEL labboot\n  KERNEL http://${SERVER_IP}/vmlinuz\n  INITRD http://${SERVER_IP}/initrd.img\n  APPEND ${cmdline}\n`,
  );
  // UEFI: MAAS layout, shim as bootx64.efi loading grubx64.efi from the TFTP root; the GRUB is a
  // grub-mkimage netboot build because Debian's signed one has no http module.
  copyFileSync('/usr/lib/shim/shimx64.efi.signed', join(tftpRoot, 'bootx64.efi'));
  buildNetbootGrub(build, join(tftpRoot, 'grubx64.efi'));
  writeFileSync(
    join(tftpRoot, 'grub/grub.cfg'),
    // GRUB came over TFTP; the big files go over HTTP, as LabBoot's generated config does.
    `set timeout=0\necho "labboot: GRUB fetching kernel"\nlinux (http,${SERVER_IP})/vmlinuz ${cmdline}\ninitrd (http,${SERVER_IP})/initrd.img\nboot\n`,
  );
  // UEFI + proxyDHCP: iPXE first (it honours proxyDHCP), then the script over HTTP.
  copyFileSync('/usr/lib/ipxe/snponly.efi', join(tftpRoot, 'snponly.efi'));
  // initrd=initrd.img lets the kernel's EFI stub find the initrd that 2019 iPXE hands over.
  writeFileSync(
    join(httpRoot, 'boot.ipxe'),
    `#!ipxe\nkernel http://${SERVER_IP}/vmlinuz initrd=initrd.img ${cmdline}\ninitrd http://${SERVER_IP}/initrd.img\nboot\n`,
  );
  return { tftpRoot, httpRoot, squashSha256 };
}

/** LanNames are the namespaces and devices of one lab network. */
export interface LanNames {
  readonly lan: string;
  readonly srv: string;
  readonly rtr: string;
  readonly tap: string;
  readonly srvIf: string;
}

/** buildLan creates the three namespaces, the bridge, the veths and the VM's tap. */
export function buildLan(lab: NetnsLab): LanNames {
  const lan = lab.ns('lan');
  const srv = lab.ns('srv');
  const rtr = lab.ns('rtr');
  lab.disableIpv6(lan);
  lab.disableIpv6(srv);
  lab.bridge(lan, 'br0');
  lab.veth(lan, 'srv-p', srv, 'eth0');
  lab.attach(lan, 'srv-p', 'br0');
  lab.addr(srv, 'eth0', `${SERVER_IP}/24`);
  lab.veth(lan, 'rtr-p', rtr, 'eth0');
  lab.attach(lan, 'rtr-p', 'br0');
  lab.addr(rtr, 'eth0', `${ROUTER_IP}/24`);
  lab.addr(rtr, 'eth0', 'fd77::fe/64');
  lab.tap(lan, 'tap0');
  lab.attach(lan, 'tap0', 'br0');
  return { lan, srv, rtr, tap: 'tap0', srvIf: 'eth0' };
}

/**
 * routerConfig is the "home router" dnsmasq: always SLAAC RAs; with `dhcp`, also an IPv4 pool
 * (the proxy variants, where LabBoot must not hand out addresses).
 */
export function routerConfig(work: string, dhcp: boolean): { conf: string; leases: string } {
  const leases = join(work, 'rtr.leases');
  writeFileSync(leases, '');
  const lines = ['enable-ra', 'dhcp-range=::,constructor:eth0,ra-only'];
  if (dhcp)
    lines.push(
      'dhcp-authoritative',
      'dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,1h',
      `dhcp-option=option:router,${ROUTER_IP}`,
    );
  const conf = join(work, `rtr-${dhcp ? 'dhcp' : 'ra'}.conf`);
  writeDnsmasqConf(conf, leases, lines);
  return { conf, leases };
}

/** readLeases returns dnsmasq's lease file text. */
export function readLeases(file: string): string {
  return readFileSync(file, 'utf8');
}

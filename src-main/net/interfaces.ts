/**
 * Network interfaces as a person picks among them: the Ethernet port, Wi-Fi, docker bridges, VPN
 * tunnels. Addresses come from Node (`os.networkInterfaces()`); kind, MAC, MTU and link state come
 * from `/sys/class/net` on Linux, with name-based guesses elsewhere.
 */
import { networkInterfaces as osInterfaces } from 'node:os';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type {
  InterfaceAddress,
  InterfaceKind,
  NetworkInterface,
} from '../../src-shared/contract/system';

const sysNet = '/sys/class/net';

/** Facts read from sysfs for one interface; every field may be missing off Linux. */
export interface SysfsFacts {
  type?: number;
  mac?: string;
  mtu?: number;
  operstate?: string;
  flags?: number;
  isWireless: boolean;
  isBridge: boolean;
  isPhysical: boolean;
  tunFlags?: number;
  devtype?: string;
  driver?: string;
}

// ARPHRD_* values from linux/if_arp.h.
const arphrdLoopback = 772;
const arphrdNone = 65534; // tun (layer 3) and wireguard
const arphrdPpp = 512;
const iffTun = 0x0001;
const iffUp = 0x1;

const vpnNames = /^(tun|wg|tailscale|zt|utun|ppp|ipsec|nordlynx|proton|mullvad|gpd|cscotun|vpn)/i;
const virtualNames =
  /^(docker|br-|virbr|veth|vnet|vmnet|vboxnet|lxc|lxd|cni|flannel|cali|kube|podman|tap|dummy|bond)/i;
const wirelessNames = /^(wl|wlan|wifi|ath|ra\d)/i;

/** classify turns sysfs facts and the name into a kind and the reason for it. */
export function classify(name: string, f: SysfsFacts): { kind: InterfaceKind; reason: string } {
  if (f.type === arphrdLoopback || name === 'lo') return { kind: 'loopback', reason: 'loopback' };
  if (f.isWireless || f.devtype === 'wlan') return { kind: 'wireless', reason: 'Wi-Fi adapter' };
  if (f.devtype === 'wireguard') return { kind: 'vpn', reason: 'WireGuard tunnel' };
  if (f.tunFlags !== undefined) {
    return (f.tunFlags & iffTun) !== 0
      ? { kind: 'vpn', reason: 'tun device (VPN tunnel)' }
      : { kind: 'virtual', reason: 'tap device (virtual machine or VPN bridge)' };
  }
  if (f.type === arphrdNone || f.type === arphrdPpp)
    return { kind: 'vpn', reason: 'point-to-point tunnel' };
  if (f.isBridge) return { kind: 'virtual', reason: 'bridge' };
  if (f.devtype !== undefined && f.devtype !== '') {
    return { kind: 'virtual', reason: `${f.devtype} device` };
  }
  if (vpnNames.test(name)) return { kind: 'vpn', reason: 'VPN tunnel (by name)' };
  if (virtualNames.test(name)) return { kind: 'virtual', reason: 'virtual device (by name)' };
  if (f.isPhysical) {
    return { kind: 'wired', reason: f.driver ? `Ethernet (${f.driver})` : 'Ethernet' };
  }
  if (wirelessNames.test(name)) return { kind: 'wireless', reason: 'Wi-Fi adapter (by name)' };
  if (f.type === 1 && existsSync(sysNet)) return { kind: 'virtual', reason: 'software device' };
  return { kind: 'wired', reason: 'Ethernet (by name)' };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readNumber(path: string): number | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  const n = text.startsWith('0x') ? Number.parseInt(text, 16) : Number.parseInt(text, 10);
  return Number.isFinite(n) ? n : undefined;
}

/** readSysfs collects what `/sys/class/net/NAME` says about an interface. */
export function readSysfs(name: string, root = sysNet): SysfsFacts {
  const dir = join(root, name);
  const uevent = readText(join(dir, 'uevent')) ?? '';
  const devtype = /^DEVTYPE=(.*)$/m.exec(uevent)?.[1];
  let driver: string | undefined;
  try {
    driver = readlinkSync(join(dir, 'device', 'driver'))
      .split('/')
      .pop();
  } catch {
    driver = undefined;
  }
  const facts: SysfsFacts = {
    isWireless: existsSync(join(dir, 'wireless')) || existsSync(join(dir, 'phy80211')),
    isBridge: existsSync(join(dir, 'bridge')),
    isPhysical: existsSync(join(dir, 'device')),
  };
  const type = readNumber(join(dir, 'type'));
  if (type !== undefined) facts.type = type;
  const mac = readText(join(dir, 'address'));
  if (mac !== undefined) facts.mac = mac;
  const mtu = readNumber(join(dir, 'mtu'));
  if (mtu !== undefined) facts.mtu = mtu;
  const operstate = readText(join(dir, 'operstate'));
  if (operstate !== undefined) facts.operstate = operstate;
  const flags = readNumber(join(dir, 'flags'));
  if (flags !== undefined) facts.flags = flags;
  const tunFlags = readNumber(join(dir, 'tun_flags'));
  if (tunFlags !== undefined) facts.tunFlags = tunFlags;
  if (devtype !== undefined) facts.devtype = devtype;
  if (driver !== undefined) facts.driver = driver;
  return facts;
}

function warningFor(kind: InterfaceKind, up: boolean, hasIPv4: boolean): string | null {
  switch (kind) {
    case 'wireless':
      return 'Wi-Fi cannot PXE boot clients: firmware PXE only works over a wired link. Pick the Ethernet port.';
    case 'vpn':
      return 'VPN tunnel: machines on your lab network cannot reach LabBoot through it.';
    case 'loopback':
      return 'Loopback: only this computer can reach it (useful for tests).';
    case 'virtual':
      return 'Virtual interface (bridge, container or VM network): only guests attached to it can boot from it.';
    case 'wired':
      if (!up) return 'The cable looks unplugged (link down).';
      if (!hasIPv4)
        return 'No IPv4 address: connect it to the lab network or give it an address first.';
      return null;
  }
}

const zeroMac = '00:00:00:00:00:00';

/** listInterfaces returns every NIC, wired ones first, then by name. */
export function listInterfaces(sysRoot = sysNet): NetworkInterface[] {
  const fromOs = osInterfaces();
  const names = new Set(Object.keys(fromOs));
  if (existsSync(sysRoot)) {
    try {
      for (const entry of readdirSync(sysRoot)) names.add(entry);
    } catch {
      // Without sysfs we still have what Node reports.
    }
  }
  const rank: Record<InterfaceKind, number> = {
    wired: 0,
    wireless: 1,
    virtual: 2,
    vpn: 3,
    loopback: 4,
  };
  const result: NetworkInterface[] = [];
  for (const name of names) {
    const facts = readSysfs(name, sysRoot);
    const infos = fromOs[name] ?? [];
    const addresses: InterfaceAddress[] = infos.map((info) => ({
      family: info.family === 'IPv4' ? 'IPv4' : 'IPv6',
      address: info.address,
      prefixLength: prefixOf(info.cidr, info.family === 'IPv4' ? 32 : 128),
    }));
    const osMac = infos.find((i) => i.mac !== zeroMac)?.mac;
    const mac =
      facts.mac && facts.mac !== zeroMac && facts.mac.length === 17 ? facts.mac : (osMac ?? null);
    const { kind, reason } = classify(name, facts);
    const up =
      facts.operstate !== undefined
        ? facts.operstate === 'up' ||
          (facts.operstate === 'unknown' && ((facts.flags ?? 0) & iffUp) !== 0)
        : infos.length > 0;
    const hasIPv4 = addresses.some((a) => a.family === 'IPv4');
    result.push({
      name,
      kind,
      kindReason: reason,
      mac,
      mtu: facts.mtu ?? null,
      up,
      addresses,
      warning: warningFor(kind, up, hasIPv4),
    });
  }
  return result.sort((a, b) => rank[a.kind] - rank[b.kind] || a.name.localeCompare(b.name));
}

function prefixOf(cidr: string | null, fallback: number): number {
  const n = cidr ? Number.parseInt(cidr.split('/')[1] ?? '', 10) : Number.NaN;
  return Number.isFinite(n) ? n : fallback;
}

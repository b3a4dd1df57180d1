/**
 * The e2e PXE lab network (shared/pxe-lab topology): namespace `lan` bridges the VM's tap, the
 * server and the "home router"; `srv` holds the PXE server at 10.77.0.1; `rtr` (10.77.0.254) sends
 * IPv6 RAs (QEMU's 2019 iPXE otherwise waits ~13 s per stage for IPv6) and, in proxy variants,
 * hands out the addresses.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDnsmasqConf } from '../../helpers/netns/dnsmasq-conf';
import type { NetnsLab } from '../../helpers/netns/netns-lab';

export const SERVER_IP = '10.77.0.1';
export const ROUTER_IP = '10.77.0.254';
export const VM_MAC = '52:54:00:77:00:10';

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
 * clientTaps returns `count` taps on the lab's bridge, one per VM: the lan's own `tap0`, then
 * `tap1`, `tap2`, … made here, so many machines share one LAN segment with the server and router.
 */
export function clientTaps(lab: NetnsLab, net: LanNames, count: number): string[] {
  const taps = [net.tap];
  for (let i = 1; i < count; i++) {
    const tap = `tap${i}`;
    lab.tap(net.lan, tap);
    lab.attach(net.lan, tap, 'br0');
    taps.push(tap);
  }
  return taps;
}

/**
 * routerConfig is the "home router" dnsmasq: always SLAAC RAs; with `dhcp`, also an IPv4 pool
 * (the proxy variants, where LabBoot must not hand out addresses); `extra` lines are added as given.
 */
export function routerConfig(
  work: string,
  dhcp: boolean,
  extra: readonly string[] = [],
): { conf: string; leases: string } {
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
  writeDnsmasqConf(conf, leases, [...lines, ...extra]);
  return { conf, leases };
}

/** readLeases returns dnsmasq's lease file text. */
export function readLeases(file: string): string {
  return readFileSync(file, 'utf8');
}

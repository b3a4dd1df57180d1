/**
 * The route listing the script searches before each static route (esxi-contract.md §4.4): one row per
 * route the apply phase added. The script skips a route when some line contains the destination's
 * address, its netmask and the gateway as plain substrings, so duplicates, prefix-sharing gateways
 * (10.50.0.1 vs 10.50.0.10) and IPv6 rows (prefix length, not netmask) behave as on the host.
 */
import {
  containsIp,
  ipText,
  netmaskText,
  networkText,
  tryIpNetwork,
  type IpNetwork,
} from './ipaddr';
import { pyContains, type PyValue } from './py-value';
import type { EsxiVmk } from './schema';

type Family = 'ipv4' | 'ipv6';

interface RouteRow {
  readonly network: string;
  readonly netmask: string;
  readonly gateway: string;
  readonly iface: string;
}

const HEADER = 'Network          Netmask          Gateway          Interface  Source';

/** RouteTable is the fake host's route list, per family. */
export class RouteTable {
  private readonly rows: Record<Family, RouteRow[]> = { ipv4: [], ipv6: [] };

  /** @param vmks the vmks created so far (the Interface column picks one of them). */
  constructor(private readonly vmks: readonly EsxiVmk[]) {}

  /** lines is `esxcli network ip route <family> list`, line by line. */
  lines(family: Family): string[] {
    const pad = (text: string, width: number): string => text.padEnd(width);
    return [
      HEADER,
      '-'.repeat(HEADER.length),
      ...this.rows[family].map((r) =>
        [
          pad(r.network, 15),
          pad(r.netmask, 15),
          pad(r.gateway, 15),
          pad(r.iface, 9),
          'MANUAL',
        ].join('  '),
      ),
    ];
  }

  /**
   * listed is the script's `_route_exists`: a gateway that is not a string raises TypeError, as
   * `gateway in line` does, once a line holds the address and netmask.
   */
  listed(net: IpNetwork, gateway: PyValue): boolean {
    const family: Family = net.version === 4 ? 'ipv4' : 'ipv6';
    return this.lines(family).some(
      (line) =>
        line.includes(ipText(net)) && line.includes(netmaskText(net)) && pyContains(line, gateway),
    );
  }

  addDefault(family: Family, gateway: string): void {
    this.rows[family].push({
      network: 'default',
      netmask: family === 'ipv4' ? '0.0.0.0' : '0',
      gateway,
      iface: this.interfaceFor(gateway),
    });
  }

  addStatic(net: IpNetwork, gateway: string): void {
    const family: Family = net.version === 4 ? 'ipv4' : 'ipv6';
    this.rows[family].push({
      network: networkText(net),
      netmask: family === 'ipv4' ? netmaskText(net) : String(net.prefixlen),
      gateway,
      iface: this.interfaceFor(gateway),
    });
  }

  /** The vmk whose static IPv4 subnet holds the gateway, else the first vmk. */
  private interfaceFor(gateway: string): string {
    const gw = tryIpNetwork(gateway);
    for (const vmk of this.vmks) {
      if (vmk.ipv4?.mode !== 'static' || gw === undefined) continue;
      const net = tryIpNetwork(`${vmk.ipv4.address}/${vmk.ipv4.prefixLength}`);
      if (net && containsIp(net, gw)) return vmk.name;
    }
    return this.vmks[0]?.name ?? '';
  }
}

/**
 * Which keys of an entry, subnet or route the ESXi script never reads, and why that matters. These
 * become `dropped` items so people see, for example, that a per-subnet DNS server or a route metric
 * never reaches the host.
 */
import { pyStr } from './py-format';
import type { PyDict, PyValue } from './py-value';
import type { EsxiDroppedCode } from './schema';

/** An input key the script ignores. */
export interface UnreadKey {
  readonly key: PyValue;
  readonly code: EsxiDroppedCode;
  readonly reason: string;
}

// Keys each handler reads (netplan-esxi _apply_physical/_apply_bond/_apply_vlan/_apply_subnets).
// A VLAN's `id` is not read, but MAAS always writes it as the VLAN's name: not worth flagging.
const ENTRY_KEYS: Readonly<Record<string, readonly string[]>> = {
  physical: ['type', 'id', 'name', 'mac_address', 'mtu', 'subnets', 'vlan_id'],
  bond: [
    'type',
    'id',
    'name',
    'mac_address',
    'mtu',
    'subnets',
    'vlan_id',
    'bond_interfaces',
    'params',
  ],
  vlan: ['type', 'id', 'name', 'mac_address', 'mtu', 'subnets', 'vlan_id', 'vlan_link'],
  nameserver: ['type', 'address', 'search', 'subnets'],
};
const SUBNET_KEYS: Readonly<Record<string, readonly string[]>> = {
  static: ['type', 'address', 'gateway', 'routes'],
  dhcp4: ['type', 'gateway', 'routes'],
  dhcp6: ['type', 'gateway', 'routes'],
};

const isRead = (key: PyValue, known: readonly string[]): boolean =>
  typeof key === 'string' && known.includes(key);

/** unreadEntryKeys lists the keys of a handled entry its handler does not read (e.g. accept-ra). */
export function unreadEntryKeys(entry: PyDict, type: string): UnreadKey[] {
  const known = Object.hasOwn(ENTRY_KEYS, type) ? (ENTRY_KEYS[type] ?? []) : [];
  return [...entry.keys()]
    .filter((key) => !isRead(key, known))
    .map((key) => ({
      key,
      code: 'ignored-key',
      reason: `the ESXi script does not read \`${pyStr(key)}\` on a ${type} entry`,
    }));
}

/** unreadSubnetKeys lists the keys of an applied subnet that never reach ESXi. */
export function unreadSubnetKeys(subnet: PyDict, kind: 'static' | 'dhcp4' | 'dhcp6'): UnreadKey[] {
  const known = SUBNET_KEYS[kind] ?? [];
  return [...subnet.keys()]
    .filter((key) => !isRead(key, known))
    .map((key): UnreadKey => {
      if (key === 'dns_nameservers' || key === 'dns_search') {
        return {
          key,
          code: 'per-subnet-dns-ignored',
          reason:
            'the script sets DNS only from the global nameserver entry; per-subnet DNS is ignored',
        };
      }
      const why = key === 'netmask' ? '; the prefix comes only from `address`' : '';
      return {
        key,
        code: 'ignored-key',
        reason: `the script does not read \`${pyStr(key)}\` on a ${kind} subnet${why}`,
      };
    });
}

/** unreadRouteKeys lists the keys of a route other than destination and gateway (e.g. metric). */
export function unreadRouteKeys(route: PyDict): UnreadKey[] {
  return [...route.keys()]
    .filter((key) => key !== 'destination' && key !== 'gateway')
    .map((key) =>
      key === 'metric'
        ? { key, code: 'route-metric-ignored', reason: 'ESXi gets the route without its metric' }
        : {
            key,
            code: 'ignored-key',
            reason: `the script does not read \`${pyStr(key)}\` on a route`,
          },
    );
}

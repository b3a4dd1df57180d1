/**
 * writeDnsmasqConf writes a config for a dnsmasq run inside a test namespace: DHCP (and RA) only —
 * no DNS, no hosts file — bound to the namespace's eth0, as root, leases in `leaseFile`, followed
 * by the caller's own `settings` lines. Every lab dnsmasq (home router, reference PXE server) starts
 * from these lines.
 */
import { writeFileSync } from 'node:fs';

export function writeDnsmasqConf(path: string, leaseFile: string, settings: string[]): void {
  const lines = [
    'pid-file=',
    'port=0',
    'no-resolv',
    'no-hosts',
    'interface=eth0',
    'bind-interfaces',
    'user=root',
    `dhcp-leasefile=${leaseFile}`,
    ...settings,
  ];
  writeFileSync(path, `${lines.join('\n')}\n`);
}

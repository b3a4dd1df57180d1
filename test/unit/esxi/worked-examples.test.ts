/**
 * Every worked example of shared/spec/esxi.md §1d (vmnic0..2 = 00:16:3e:00:00:01..03), with the
 * esxcli commands after the wipe, the warning lines and the exit status written out from the spec.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  parseNicsJson,
  previewEsxiNetwork,
  type EsxiPreview,
} from '../../../src-shared/esxi/index';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/esxi/${name}`, import.meta.url), 'utf8');
const nics = parseNicsJson(fixture('nics.json'));
const preview = (name: string): EsxiPreview => previewEsxiNetwork(fixture(name), { nics });
const esx = (...lines: string[]): string[] => lines.map((l) => `esxcli network ${l}`);

const DNS = ['ip dns server add -s 10.0.0.2', 'ip dns search add -d maas'];
const BOND_VSWITCH = [
  'vswitch standard add -v vSwitch0',
  'vswitch standard set -m 9000 -v vSwitch0',
  'vswitch standard uplink add -u vmnic0 -v vSwitch0',
  'vswitch standard uplink add -u vmnic1 -v vSwitch0',
];
const codes = (p: EsxiPreview): string[] => p.dropped.map((d) => `${d.code} ${d.item}`);

describe('esxi.md §1d worked examples', () => {
  it('Ex 1: plain DHCP, the unconfigured NIC gets nothing and no DNS is set', () => {
    const p = preview('ex01-dhcp.yaml');
    expect(p.commands).toEqual(
      esx(
        'vswitch standard add -v vSwitch0',
        'vswitch standard set -m 1500 -v vSwitch0',
        'vswitch standard uplink add -u vmnic0 -v vSwitch0',
        'vswitch standard portgroup add -p eth0 -v vSwitch0',
        'ip interface add -i vmk0 -p eth0 -m 1500 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk0 -t dhcp',
      ),
    );
    expect(p.warnings).toEqual([]);
    expect(p.exit).toBe(0);
    expect(p.plan.dns).toEqual({ servers: [], search: [] });
    expect(codes(p)).toEqual(['no-ip-config eth1 (physical)']);
    expect(p.plan.vmks[0]).toMatchObject({ name: 'vmk0', ipv4: { mode: 'dhcp', gateway: null } });
  });

  it('Ex 2: static IP, default route, static route without metric, global DNS only', () => {
    const p = preview('ex02-static-route-dns.yaml');
    expect(p.commands).toEqual(
      esx(
        'vswitch standard add -v vSwitch0',
        'vswitch standard set -m 1500 -v vSwitch0',
        'vswitch standard uplink add -u vmnic0 -v vSwitch0',
        'vswitch standard portgroup add -p eth0 -v vSwitch0',
        'ip interface add -i vmk0 -p eth0 -m 1500 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk0 -t static -I 10.0.0.4 -N 255.255.255.0',
        'ip route ipv4 add --gateway=10.0.0.1 --network=default',
        'ip route ipv4 add -g 10.0.0.3 -n 192.168.0.0/24',
        ...DNS,
      ),
    );
    expect(p.warnings).toEqual([]);
    expect(p.exit).toBe(0);
    expect(p.plan.routes.map((r) => `${r.destination} via ${r.gateway}`)).toEqual([
      'default via 10.0.0.1',
      '192.168.0.0/24 via 10.0.0.3',
    ]);
    expect(codes(p)).toEqual([
      'per-subnet-dns-ignored eth0 (physical) subnet 0 dns_nameservers',
      'per-subnet-dns-ignored eth0 (physical) subnet 0 dns_search',
      'route-metric-ignored eth0 (physical) subnet 0 route 0 metric',
    ]);
    // The metric points at its own line in the file.
    expect(p.dropped[2]?.source).toMatchObject({
      line: 19,
      pointer: '/network/config/0/subnets/0/routes/0/metric',
    });
  });

  it('Ex 3: each alias gets its own port group and vmk with the same MAC', () => {
    const p = preview('ex03-aliases.yaml');
    expect(p.commands).toEqual(
      esx(
        'vswitch standard add -v vSwitch0',
        'vswitch standard set -m 1500 -v vSwitch0',
        'vswitch standard uplink add -u vmnic0 -v vSwitch0',
        'vswitch standard portgroup add -p eth0 -v vSwitch0',
        'ip interface add -i vmk0 -p eth0 -m 1500 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk0 -t static -I 10.0.0.4 -N 255.255.255.0',
        'ip route ipv4 add --gateway=10.0.0.1 --network=default',
        'vswitch standard portgroup add -p eth0:1 -v vSwitch0',
        'ip interface add -i vmk1 -p eth0:1 -m 1500 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk1 -t static -I 10.0.1.5 -N 255.255.255.0',
        'vswitch standard portgroup add -p eth0:2 -v vSwitch0',
        'ip interface add -i vmk2 -p eth0:2 -m 1500 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk2 -t dhcp',
        ...DNS,
      ),
    );
    expect(p.warnings).toEqual([]);
    expect(p.plan.portGroups.map((g) => [g.name, g.aliasIndex])).toEqual([
      ['eth0', 0],
      ['eth0:1', 1],
      ['eth0:2', 2],
    ]);
  });

  it('Ex 4: VLAN on an active-backup bond; the bond vmk has no IP', () => {
    const p = preview('ex04-vlan-on-active-backup-bond.yaml');
    expect(p.commands).toEqual(
      esx(
        ...BOND_VSWITCH,
        'vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l explicit',
        'vswitch standard portgroup add -p bond0 -v vSwitch0',
        'ip interface add -i vmk0 -p bond0 -m 9000 -M 00:16:3e:00:00:01',
        'vswitch standard portgroup add -p bond0.100 -v vSwitch0',
        'vswitch standard portgroup set -p bond0.100 -v 100',
        'ip interface add -i vmk1 -p bond0.100 -m 9000',
        'ip interface ipv4 set -i vmk1 -t static -I 10.100.0.10 -N 255.255.255.0',
        'ip route ipv4 add --gateway=10.100.0.1 --network=default',
        ...DNS,
      ),
    );
    expect(p.warnings).toEqual(['WARNING: Unknown subnet type manual, skipping']);
    expect(p.exit).toBe(0);
    expect(p.plan.vswitches[0]?.teaming).toMatchObject({
      policy: 'explicit',
      bondMode: 'active-backup',
      activeUplinks: ['vmnic0', 'vmnic1'],
    });
    expect(p.plan.portGroups[1]).toMatchObject({ name: 'bond0.100', vlanId: '100' });
    expect(p.plan.vmks.map((v) => [v.name, v.mac, v.ipv4?.mode ?? null])).toEqual([
      ['vmk0', '00:16:3e:00:00:01', null],
      ['vmk1', null, 'static'],
    ]);
    expect(p.plan.notes.map((n) => n.code)).toEqual(['vmk-without-ip']);
    expect(codes(p)).toContain('bond-option-ignored bond0 (bond) bond-miimon');
    expect(codes(p)).toContain('bond-option-ignored bond0 (bond) bond-num-grat-arp');
  });

  it('Ex 5: balance-rr becomes portid', () => {
    const p = preview('ex05-balance-rr-bond.yaml');
    expect(p.commands).toEqual(
      esx(
        ...BOND_VSWITCH,
        'vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l portid',
        'vswitch standard portgroup add -p bond0 -v vSwitch0',
        'ip interface add -i vmk0 -p bond0 -m 9000 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk0 -t static -I 10.0.0.4 -N 255.255.255.0',
        'ip route ipv4 add --gateway=10.0.0.1 --network=default',
        ...DNS,
      ),
    );
    expect(p.warnings).toEqual([]);
  });

  it('Ex 6: 802.3ad becomes iphash with one warning; the switch needs static EtherChannel', () => {
    const p = preview('ex06-lacp-bond.yaml');
    expect(p.commands).toEqual(
      esx(
        ...BOND_VSWITCH,
        'vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l iphash',
        'vswitch standard portgroup add -p bond0 -v vSwitch0',
        'ip interface add -i vmk0 -p bond0 -m 9000 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk0 -t static -I 10.0.0.4 -N 255.255.255.0',
        'ip route ipv4 add --gateway=10.0.0.1 --network=default',
        ...DNS,
      ),
    );
    expect(p.warnings).toEqual(['WARNING: LACP rate and XMIT hash policy ignored.']);
    expect(p.plan.notes.map((n) => n.code)).toEqual(['lacp-needs-etherchannel']);
    expect(codes(p).filter((c) => c.startsWith('bond-option-ignored'))).toEqual([
      'bond-option-ignored bond0 (bond) bond-lacp-rate',
      'bond-option-ignored bond0 (bond) bond-xmit-hash-policy',
      'bond-option-ignored bond0 (bond) bond-miimon',
    ]);
  });

  it('Ex 7: an unsupported mode keeps the vSwitch and uplinks, loses the bond IP, keeps the VLAN', () => {
    const p = preview('ex07-unsupported-bond-mode.yaml');
    expect(p.commands).toEqual(
      esx(
        ...BOND_VSWITCH,
        'vswitch standard portgroup add -p bond0.100 -v vSwitch0',
        'vswitch standard portgroup set -p bond0.100 -v 100',
        'ip interface add -i vmk0 -p bond0.100 -m 9000',
        'ip interface ipv4 set -i vmk0 -t dhcp',
        ...DNS,
      ),
    );
    expect(p.warnings).toEqual(['WARNING: Unsupported bond mode(balance-xor)']);
    expect(p.plan.vswitches[0]?.teaming).toBeNull();
    expect(p.plan.notes.map((n) => n.code)).toEqual(['bond-ip-lost']);
    expect(codes(p)).toContain('unsupported-bond-mode bond0 (bond) subnet 0');
  });

  it.each([
    ['broadcast', 'broadcast'],
    ['balance-tlb', 'balance-tlb'],
    ['balance-alb', 'balance-alb'],
    [null, 'None'],
  ])('Ex 7: bond mode %s gives "Unsupported bond mode(%s)"', (mode, shown) => {
    const text = fixture('ex07-unsupported-bond-mode.yaml').replace(
      'bond-mode: balance-xor',
      mode === null ? 'bond-miimon-again: 1' : `bond-mode: ${mode}`,
    );
    const p = previewEsxiNetwork(text, { nics });
    expect(p.warnings).toEqual([`WARNING: Unsupported bond mode(${shown})`]);
    expect(p.commands).toEqual(preview('ex07-unsupported-bond-mode.yaml').commands);
  });

  it('Ex 8: a bridge is ignored with a warning; only DNS runs and the host is likely unreachable', () => {
    const p = preview('ex08-bridge.yaml');
    expect(p.commands).toEqual(esx(...DNS));
    expect(p.warnings).toEqual(['WARNING: Unknown configuration type bridge']);
    expect(codes(p)).toEqual(['no-ip-config eth0 (physical)', 'unknown-type br0 (bridge)']);
    expect(p.plan.notes.map((n) => n.code)).toEqual(['host-unreachable']);
  });

  it('Ex 9: IPv6 static without prefix, DHCPv6 without RA, dual-stack DHCP gives a vmk without IP', () => {
    const p = preview('ex09-ipv6-dual-stack-dhcp.yaml');
    expect(p.commands).toEqual(
      esx(
        'vswitch standard add -v vSwitch0',
        'vswitch standard set -m 1500 -v vSwitch0',
        'vswitch standard uplink add -u vmnic0 -v vSwitch0',
        'vswitch standard portgroup add -p eth0 -v vSwitch0',
        'ip interface add -i vmk0 -p eth0 -m 1500 -M 00:16:3e:00:00:01',
        'vswitch standard add -v vSwitch1',
        'vswitch standard set -m 1500 -v vSwitch1',
        'vswitch standard uplink add -u vmnic1 -v vSwitch1',
        'vswitch standard portgroup add -p eth1 -v vSwitch1',
        'ip interface add -i vmk1 -p eth1 -m 1500 -M 00:16:3e:00:00:02',
        'ip interface ipv6 address add -i vmk1 -I 2001:db8::10',
        'ip interface ipv6 set -i vmk1 -g 2001:db8::1',
        'ip route ipv6 add --gateway=2001:db8::1 --network=default',
        'vswitch standard add -v vSwitch2',
        'vswitch standard set -m 1500 -v vSwitch2',
        'vswitch standard uplink add -u vmnic2 -v vSwitch2',
        'vswitch standard portgroup add -p eth2 -v vSwitch2',
        'ip interface add -i vmk2 -p eth2 -m 1500 -M 00:16:3e:00:00:03',
        'ip interface ipv6 set -i vmk2 -e true -d true',
        ...DNS,
      ),
    );
    expect(p.warnings).toEqual(['WARNING: Unknown subnet type dhcp, skipping']);
    expect(p.plan.vmks[1]?.ipv6).toEqual({
      mode: 'static',
      address: '2001:db8::10',
      prefixLength: 64,
      gateway: '2001:db8::1',
    });
    expect(p.plan.notes.map((n) => n.code)).toEqual(['vmk-without-ip', 'ipv6-prefix-not-applied']);
  });

  it('Ex 10: a VLAN on an unconfigured NIC creates the vSwitch; its sibling reuses it', () => {
    const p = preview('ex10-vlans-on-unconfigured-nic.yaml');
    expect(p.commands).toEqual(
      esx(
        'vswitch standard add -v vSwitch0',
        'vswitch standard set -m 1500 -v vSwitch0',
        'vswitch standard uplink add -u vmnic0 -v vSwitch0',
        'vswitch standard portgroup add -p eth0 -v vSwitch0',
        'ip interface add -i vmk0 -p eth0 -m 1500 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk0 -t dhcp',
        'vswitch standard add -v vSwitch1',
        'vswitch standard set -m 1500 -v vSwitch1',
        'vswitch standard uplink add -u vmnic1 -v vSwitch1',
        'vswitch standard portgroup add -p eth1.200 -v vSwitch1',
        'vswitch standard portgroup set -p eth1.200 -v 200',
        'ip interface add -i vmk1 -p eth1.200 -m 1500',
        'ip interface ipv4 set -i vmk1 -t static -I 10.200.0.5 -N 255.255.255.0',
        'vswitch standard portgroup add -p eth1.201 -v vSwitch1',
        'vswitch standard portgroup set -p eth1.201 -v 201',
        'ip interface add -i vmk2 -p eth1.201 -m 1500',
        ...DNS,
      ),
    );
    expect(p.warnings).toEqual(['WARNING: Unknown subnet type manual, skipping']);
    expect(p.plan.vswitches[1]).toMatchObject({ name: 'vSwitch1', createdBy: 'vlan', mtu: '1500' });
  });

  it('default NICs (no inventory) give the same result as the examples inventory', () => {
    for (const name of ['ex04-vlan-on-active-backup-bond.yaml', 'ex09-ipv6-dual-stack-dhcp.yaml']) {
      const withDefault = previewEsxiNetwork(fixture(name));
      expect(withDefault.plan.nicsFrom).toBe('config');
      expect(withDefault.commands).toEqual(preview(name).commands);
    }
  });
});

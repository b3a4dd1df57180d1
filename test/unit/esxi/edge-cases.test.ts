/**
 * The other traced cases of esxi.md §1d and its errata (checked by running the script itself), plus
 * YAML 1.1 and input-shape behaviour from esxi-contract.md §3.
 */
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../src-shared/errors';
import { parseNicsJson, previewEsxiNetwork, type EsxiNic } from '../../../src-shared/esxi/index';

const mac = (i: number): string => `00:16:3e:00:00:${(i + 1).toString(16).padStart(2, '0')}`;
const NICS: EsxiNic[] = [0, 1, 2].map((i) => ({ name: `vmnic${i}`, mac: mac(i) }));
const esx = (...lines: string[]): string[] => lines.map((l) => `esxcli network ${l}`);

/** A v1 config from flow-style entries, one per line. */
const v1 = (...entries: string[]): string =>
  `network:\n  version: 1\n  config:\n${entries.map((e) => `  - ${e}\n`).join('')}`;
const phys = (i: number, subnets = '[{type: manual}]', mtu = 1500): string =>
  `{id: eth${i}, name: eth${i}, type: physical, mac_address: "${mac(i)}", mtu: ${mtu}, subnets: ${subnets}}`;
const bond = (macAddr: string, members: string, mode: string, subnets: string): string =>
  `{id: bond0, name: bond0, type: bond, mac_address: "${macAddr}", bond_interfaces: ${members}, mtu: 1500, params: {bond-mode: ${mode}}, subnets: ${subnets}}`;
const NS = '{type: nameserver, address: [10.0.0.2], search: [maas]}';

describe('bonds', () => {
  it('a bond MAC that is no member MAC: no bond vSwitch; a VLAN on it gets one without uplink', () => {
    const p = previewEsxiNetwork(
      v1(
        phys(0),
        phys(1),
        bond('52:54:00:aa:bb:cc', '[eth0, eth1]', 'active-backup', '[{type: manual}]'),
        '{id: bond0.100, name: bond0.100, type: vlan, vlan_link: bond0, vlan_id: 100, mtu: 1500, subnets: [{type: dhcp4}]}',
      ),
      { nics: NICS },
    );
    expect(p.warnings).toEqual([
      'WARNING: Unable to map all uplinks!',
      'WARNING: Unable to map bond0!',
    ]);
    expect(p.commands).toEqual(
      esx(
        'vswitch standard add -v vSwitch0',
        'vswitch standard set -m 1500 -v vSwitch0',
        'vswitch standard portgroup add -p bond0.100 -v vSwitch0',
        'vswitch standard portgroup set -p bond0.100 -v 100',
        'ip interface add -i vmk0 -p bond0.100 -m 1500',
        'ip interface ipv4 set -i vmk0 -t dhcp',
      ),
    );
    expect(p.plan.vswitches[0]?.uplinks).toEqual([]);
    expect(p.plan.notes.map((n) => n.code)).toContain('vswitch-without-uplink');
    expect(p.dropped.map((d) => d.code)).toContain('unmapped-bond');
  });

  it('a bond carrying its second member MAC puts that vmnic first (active under explicit)', () => {
    const p = previewEsxiNetwork(
      v1(phys(0), phys(1), bond(mac(1), '[eth0, eth1]', 'active-backup', '[{type: dhcp4}]')),
      { nics: NICS },
    );
    expect(p.commands).toContain(
      'esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic1,vmnic0 -l explicit',
    );
    expect(p.plan.vswitches[0]?.teaming?.activeUplinks).toEqual(['vmnic1', 'vmnic0']);
  });

  it('errata 1: a member the host does not list crashes the script (exit 1, no warning, no DNS)', () => {
    const p = previewEsxiNetwork(
      v1(phys(0), phys(1), bond(mac(0), '[eth0, eth1]', 'balance-rr', '[{type: dhcp4}]'), NS),
      { nics: [NICS[0] as EsxiNic] },
    );
    expect(p.exit).toBe(1);
    expect(p.commands).toEqual([]);
    expect(p.warnings).toEqual([]);
    expect(p.plan.abort).toMatchObject({
      exception: 'TypeError',
      source: { label: 'bond0 (bond)' },
    });
    expect(p.dropped.filter((d) => d.code === 'not-applied').map((d) => d.item)).toEqual([
      'nameserver entry 3',
    ]);
  });

  it('errata 2: an unmapped bond MAC returns before the mode is read', () => {
    const p = previewEsxiNetwork(
      v1(
        phys(0),
        phys(1),
        bond('52:54:00:aa:bb:cc', '[eth0, eth1]', 'balance-xor', '[{type: dhcp4}]'),
      ),
      { nics: NICS },
    );
    expect(p.warnings).toEqual(['WARNING: Unable to map all uplinks!']);
    expect(p.commands).toEqual([]);
  });

  it('errata 5: an unsupported-mode bond uses a vSwitch number but no vmk number', () => {
    const p = previewEsxiNetwork(
      v1(
        phys(0),
        phys(1),
        bond(mac(0), '[eth0, eth1]', 'balance-alb', '[{type: dhcp4}]'),
        phys(2, '[{type: dhcp4}]'),
      ),
      { nics: NICS },
    );
    expect(p.commands).toContain('esxcli network vswitch standard add -v vSwitch1');
    expect(p.commands).toContain(
      'esxcli network ip interface add -i vmk0 -p eth2 -m 1500 -M 00:16:3e:00:00:03',
    );
    expect(p.warnings).toEqual(['WARNING: Unsupported bond mode(balance-alb)']);
  });

  it('11 or more NICs: vmnic1 is left out of -a when vmnic10 is listed (substring test)', () => {
    const nics = Array.from({ length: 12 }, (_, i) => ({ name: `vmnic${i}`, mac: mac(i) }));
    const p = previewEsxiNetwork(
      v1(phys(1), phys(10), bond(mac(10), '[eth1, eth10]', 'active-backup', '[{type: dhcp4}]')),
      { nics },
    );
    expect(p.commands).toContain(
      'esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch0',
    );
    expect(p.commands).toContain(
      'esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic10 -l explicit',
    );
    expect(p.plan.notes.map((n) => n.code)).toContain('uplink-missing-from-teaming');
  });
});

describe('physical NICs and VLANs', () => {
  it('a VLAN on a physical NIC with an IP reuses its vSwitch', () => {
    const p = previewEsxiNetwork(
      v1(
        phys(0, '[{type: dhcp4}]'),
        '{id: eth0.100, name: eth0.100, type: vlan, vlan_link: eth0, vlan_id: 100, mtu: 1500, subnets: [{type: dhcp4}]}',
      ),
      { nics: NICS },
    );
    expect(p.plan.vswitches.map((v) => v.name)).toEqual(['vSwitch0']);
    expect(p.commands).toContain(
      'esxcli network vswitch standard portgroup add -p eth0.100 -v vSwitch0',
    );
  });

  it('errata 4: a NIC with an IP that the host does not list still gets a vSwitch (no uplink) and its vmk', () => {
    const p = previewEsxiNetwork(v1(phys(0, '[{type: dhcp4}]')), {
      nics: [{ name: 'vusb0', mac: mac(0) }],
    });
    expect(p.warnings).toEqual(['WARNING: Unable to map eth0!']);
    expect(p.commands).toEqual(
      esx(
        'vswitch standard add -v vSwitch0',
        'vswitch standard set -m 1500 -v vSwitch0',
        'vswitch standard portgroup add -p eth0 -v vSwitch0',
        'ip interface add -i vmk0 -p eth0 -m 1500 -M 00:16:3e:00:00:01',
        'ip interface ipv4 set -i vmk0 -t dhcp',
      ),
    );
  });

  it('MACs are compared case-sensitively', () => {
    const p = previewEsxiNetwork(v1(phys(0, '[{type: dhcp4}]')), {
      nics: [{ name: 'vmnic0', mac: mac(0).toUpperCase() }],
    });
    expect(p.warnings).toEqual(['WARNING: Unable to map eth0!']);
  });

  it('an AUTO address before allocation (None/24) crashes after its vmk; nothing later runs', () => {
    const p = previewEsxiNetwork(v1(phys(0, '[{type: static, address: "None/24"}]'), NS), {
      nics: NICS,
    });
    expect(p.exit).toBe(1);
    expect(p.commands.at(-1)).toBe(
      'esxcli network ip interface add -i vmk0 -p eth0 -m 1500 -M 00:16:3e:00:00:01',
    );
    expect(p.plan.abort).toMatchObject({
      exception: 'ValueError',
      source: { label: 'eth0 (physical) subnet 0' },
    });
    expect(p.plan.notes.map((n) => n.code)).toContain('auto-ip-unassigned');
    expect(p.dropped.map((d) => d.code)).toContain('not-applied');
  });

  it('an unquoted MAC is a YAML 1.1 base-60 integer, so nothing maps and the -M argument crashes', () => {
    const p = previewEsxiNetwork(
      v1(
        '{id: eth0, name: eth0, type: physical, mac_address: 52:54:00:12:34:56, mtu: 1500, subnets: [{type: dhcp4}]}',
      ),
    );
    expect(p.plan.nics).toEqual([]);
    expect(p.warnings).toEqual(['WARNING: Unable to map eth0!']);
    expect(p.exit).toBe(1);
    expect(p.plan.abort?.exception).toBe('TypeError');
  });

  it('MTU and VLAN id are printed as Python str() of the YAML value', () => {
    const p = previewEsxiNetwork(
      v1(
        phys(0, '[{type: manual}]', 9000),
        '{id: eth0.7, name: eth0.7, type: vlan, vlan_link: eth0, vlan_id: 0o7, mtu: 9000.0, subnets: [{type: dhcp4}]}',
      ),
      { nics: NICS },
    );
    expect(p.commands).toContain('esxcli network vswitch standard set -m 9000.0 -v vSwitch0');
    expect(p.commands).toContain('esxcli network vswitch standard portgroup set -p eth0.7 -v 0o7');
  });
});

describe('routes (errata 3 and 6)', () => {
  const routes = (list: string): string =>
    v1(
      phys(
        0,
        `[{type: static, address: 10.50.0.5/16, routes: ${list}}, {type: static, address: 10.50.0.6/16, routes: ${list}}]`,
      ),
    );

  it('a repeated IPv4 route is added once', () => {
    const p = previewEsxiNetwork(routes('[{destination: 192.168.0.0/24, gateway: 10.50.0.1}]'), {
      nics: NICS,
    });
    expect(p.commands.filter((c) => c.includes('route ipv4 add'))).toEqual([
      'esxcli network ip route ipv4 add -g 10.50.0.1 -n 192.168.0.0/24',
    ]);
    expect(p.dropped.map((d) => d.code)).toContain('route-already-listed');
  });

  it('a gateway that is a prefix of a listed one is wrongly skipped', () => {
    const p = previewEsxiNetwork(
      routes(
        '[{destination: 192.168.0.0/24, gateway: 10.50.0.10}, {destination: 192.168.0.0/24, gateway: 10.50.0.1}]',
      ),
      { nics: NICS },
    );
    expect(p.commands.filter((c) => c.includes('route ipv4 add'))).toEqual([
      'esxcli network ip route ipv4 add -g 10.50.0.10 -n 192.168.0.0/24',
    ]);
  });

  it('IPv6 routes are never deduplicated', () => {
    const p = previewEsxiNetwork(
      routes('[{destination: "2001:db8:5::/48", gateway: "2001:db8::1"}]'),
      { nics: NICS },
    );
    expect(p.commands.filter((c) => c.includes('route ipv6 add'))).toHaveLength(2);
  });

  it('a route without gateway warns, then crashes', () => {
    const p = previewEsxiNetwork(
      v1(
        phys(0, '[{type: static, address: 10.0.0.4/24, routes: [{destination: 192.168.0.0/24}]}]'),
        NS,
      ),
      {
        nics: NICS,
      },
    );
    expect(p.warnings).toEqual(['WARNING: Missing key "gateway" for static route!']);
    expect(p.exit).toBe(1);
    expect(p.plan.abort).toMatchObject({
      exception: 'KeyError',
      source: { label: 'eth0 (physical) subnet 0 route 0' },
    });
  });
});

describe('input envelope', () => {
  const bare = `version: 1\nconfig:\n  - ${phys(0, '[{type: dhcp4}]')}\n`;

  it('the whole curtin config, the network section and a bare v1 document give the same result', () => {
    const wrapped = `network_commands: {builtin: [curtin]}\nnetwork:\n  version: 1\n  config:\n  - ${phys(0, '[{type: dhcp4}]')}\n`;
    expect(previewEsxiNetwork(wrapped).commands).toEqual(previewEsxiNetwork(bare).commands);
    expect(previewEsxiNetwork(bare).commands).toHaveLength(6);
  });

  it('errata 7: version 2 is refused before the wipe with exit 78', () => {
    const p = previewEsxiNetwork('network:\n  version: 2\n  ethernets: {eth0: {dhcp4: true}}\n');
    expect(p).toMatchObject({
      commands: [],
      warnings: ['ERROR: Only V1 config is supported!'],
      exit: 78,
    });
    expect(p.plan.nics).toEqual([]);
  });

  it('version 1.0 and true pass the script check (Python 1 == 1.0 == True)', () => {
    for (const v of ['1.0', 'true']) {
      expect(previewEsxiNetwork(bare.replace('version: 1', `version: ${v}`)).exit).toBe(0);
    }
  });

  it('a top-level list or a missing config list crashes the script with exit 1 and no commands', () => {
    expect(previewEsxiNetwork('- a\n- b\n')).toMatchObject({ exit: 1, commands: [], warnings: [] });
    const p = previewEsxiNetwork('network: {version: 1}\n');
    expect(p).toMatchObject({ exit: 1, commands: [] });
    expect(p.plan.abort?.exception).toBe('KeyError');
  });

  it('YAML PyYAML cannot load is a UserError naming the line', () => {
    const attempts = ['network:\n  version: 1\n  config: [\n', 'a: {x: ::/0}\n', 'a: !custom 1\n'];
    for (const text of attempts) {
      let error: unknown;
      try {
        previewEsxiNetwork(text, { fileLabel: 'net.yaml' });
      } catch (e) {
        error = e;
      }
      expect(isUserError(error)).toBe(true);
      expect((error as Error).message).toMatch(
        /^net\.yaml is not YAML the ESXi script can load: .* at line \d+, column \d+; fix that line/,
      );
    }
  });

  it('a NIC inventory that is not a list of {name, mac} is a UserError saying what is expected', () => {
    expect(() => parseNicsJson('{"name": "vmnic0"}', 'nics.json')).toThrow(/must be a JSON list/);
    expect(() => parseNicsJson('[{"name": "vmnic0", "mac": 5}]', 'nics.json')).toThrow(
      /item 0 is not an object with string "name" and "mac"/,
    );
    expect(() => parseNicsJson('[', 'nics.json')).toThrow(/is not valid JSON/);
  });
});

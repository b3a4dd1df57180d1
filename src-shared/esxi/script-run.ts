/**
 * A step-by-step model of `netplan-esxi -c NETWORK.yaml apply` from the MAAS ESXi image
 * (canonical/packer-maas vmware-esxi/maas/netplan-esxi at 73dd146), per shared/spec/esxi.md §1b/§1c
 * and the oracle rules of esxi-contract.md. It walks the loaded config in the script's order, with
 * the script's counters and Python semantics, and records every mutating esxcli call and warning.
 * A Python exception in the script becomes exit 1 with the commands issued so far.
 */
import { ipNetwork, ipText, netmaskText } from './ipaddr';
import { vmnicsByMac } from './host-model';
import { RouteTable } from './route-table';
import { unreadEntryKeys, unreadRouteKeys, unreadSubnetKeys, type UnreadKey } from './unread-keys';
import { pyStr } from './py-format';
import {
  PyException,
  PyKeyedMap,
  isDict,
  isList,
  pyContains,
  pyEquals,
  pyGet,
  pyHashKey,
  pyIndex,
  pyIter,
  pyTruthy,
  type PyDict,
  type PyValue,
} from './py-value';
import { Recorder } from './recorder';
import type { EsxiAbort, EsxiSource, EsxiVmk, EsxiVswitch } from './schema';
import { SourceIndex, entryLabel } from './sources';
import type { LoadedYaml } from './yaml-load';

/** EX_CONFIG: the script's exit status for a config that is not version 1. */
export const EXIT_NOT_V1 = 78;

const TEAMING: Record<string, 'portid' | 'explicit' | 'iphash'> = {
  'balance-rr': 'portid',
  'active-backup': 'explicit',
  '802.3ad': 'iphash',
};

/** RunResult is the script's observable outcome plus the recorded plan. */
export interface RunResult {
  readonly exit: number;
  readonly recorder: Recorder;
  readonly abort: EsxiAbort | null;
}

class ScriptRun {
  readonly rec = new Recorder();
  private readonly src: SourceIndex;
  private vmnics = new Map<string, string>();
  private ids = new PyKeyedMap<PyValue>();
  private readonly vswitchFor = new PyKeyedMap<EsxiVswitch>();
  private readonly counters = { vswitch: 0, vmk: 0 };
  private readonly routes = new RouteTable(this.rec.plan.vmks);
  /** The input item being processed; a crash is attributed to it. */
  private at: EsxiSource;
  private entryIndex = -1;
  private configs: PyValue = null;

  constructor(
    private readonly loaded: LoadedYaml,
    private readonly nicList: string,
  ) {
    this.src = new SourceIndex(loaded);
    this.at = this.src.document();
  }

  run(): RunResult {
    let exit = 0;
    let abort: EsxiAbort | null = null;
    let entries: PyValue[] = [];
    let entriesSource = this.src.document();
    try {
      const root = this.loaded.value;
      let config = root;
      if (pyContains(root, 'network')) {
        config = pyIndex(root, 'network');
        this.at = this.src.key(root, 'network', this.at, 'network');
      }
      if (!pyEquals(pyGet(config, 'version'), 1n)) {
        this.rec.warn('ERROR: Only V1 config is supported!', this.at);
        return { exit: EXIT_NOT_V1, recorder: this.rec, abort: null };
      }
      // The wipe runs here; its commands depend only on the old host state and are not compared.
      const configs = pyIndex(config, 'config');
      entriesSource = this.src.key(config, 'config', this.at, 'config');
      this.at = entriesSource;
      this.vmnics = vmnicsByMac(this.nicList);
      entries = pyIter(configs);
      this.configs = configs;
      this.mapIdsToMacs(entries);
      entries.forEach((entry, i) => this.applyEntry(entry, i, entriesSource));
    } catch (error) {
      if (!(error instanceof PyException)) throw error;
      exit = 1;
      abort = { exception: error.pyType, message: error.message, source: this.at };
      this.dropUnapplied(entries, entriesSource);
    }
    this.noteUnreachable(exit);
    return { exit, recorder: this.rec, abort };
  }

  private mapIdsToMacs(entries: readonly PyValue[]): void {
    const ids = new PyKeyedMap<PyValue>();
    for (const entry of entries) {
      if (pyEquals(pyGet(entry, 'type'), 'physical')) {
        ids.set(pyGet(entry, 'id'), pyGet(entry, 'mac_address'));
      }
    }
    this.ids = ids;
  }

  private applyEntry(entry: PyValue, index: number, parent: EsxiSource): void {
    this.entryIndex = index;
    const source = this.entrySource(entry, index, parent);
    this.at = source;
    const configured = pyIter(pyGet(entry, 'subnets', [])).filter(
      (subnet) => !pyEquals(pyGet(subnet, 'type', 'manual'), 'manual'),
    );
    const ctype = pyGet(entry, 'type');
    pyHashKey(ctype); // `types.get(ctype)`: a list or dict type raises TypeError
    const dict = entry as PyDict;
    let applied = true;
    if (pyEquals(ctype, 'physical'))
      applied = this.applyPhysical(dict, configured.length > 0, source);
    else if (pyEquals(ctype, 'bond')) applied = this.applyBond(dict, source);
    else if (pyEquals(ctype, 'vlan')) this.applyVlan(dict, source);
    else if (pyEquals(ctype, 'nameserver')) this.applyNameserver(dict, source);
    else {
      this.rec.warn(`WARNING: Unknown configuration type ${pyStr(ctype)}`, source);
      this.rec.drop(
        'unknown-type',
        source.label,
        `the ESXi script has no handler for type ${pyStr(ctype)}, so the whole entry is ignored`,
        source,
      );
      return;
    }
    if (applied) this.dropUnread(dict, unreadEntryKeys(dict, pyStr(ctype)), source);
  }

  private entrySource(entry: PyValue, index: number, parent: EsxiSource): EsxiSource {
    const source = this.src.item(this.configs, parent, index, entry, entryLabel(entry, index));
    return isList(this.configs) ? { ...source, entry: index } : source;
  }

  /** subnetSources locates each item of `entry.subnets` as the script iterates them. */
  private subnetSources(entry: PyDict, source: EsxiSource): Array<[PyValue, EsxiSource]> {
    const subnets = pyGet(entry, 'subnets', []);
    const listAt = this.src.key(entry, 'subnets', source, `${source.label} subnets`);
    return pyIter(subnets).map((subnet, i) => [
      subnet,
      this.src.item(subnets, listAt, i, subnet, `${source.label} subnet ${i}`),
    ]);
  }

  /** dropUnread records ignored keys of `dict` (an entry, subnet or route) as dropped items. */
  private dropUnread(dict: PyDict, unread: readonly UnreadKey[], source: EsxiSource): void {
    for (const { key, code, reason } of unread) {
      const label = `${source.label} ${pyStr(key)}`;
      this.rec.drop(code, label, reason, this.src.key(dict, key, source, label));
    }
  }

  private nicToVmnic(nic: PyValue): string | null {
    const mac = this.ids.get(nic) ?? null;
    pyHashKey(mac);
    return typeof mac === 'string' ? (this.vmnics.get(mac) ?? null) : null;
  }

  private createVswitch(
    mtu: PyValue,
    createdBy: EsxiVswitch['createdBy'],
    source: EsxiSource,
  ): EsxiVswitch {
    const name = `vSwitch${this.counters.vswitch}`;
    this.rec.esxcli(['network', 'vswitch', 'standard', 'add', '-v', name], source);
    this.counters.vswitch += 1;
    const set = pyTruthy(mtu);
    if (set)
      this.rec.esxcli(
        ['network', 'vswitch', 'standard', 'set', '-m', pyStr(mtu), '-v', name],
        source,
      );
    return this.rec.addVswitch({
      name,
      mtu: set ? pyStr(mtu) : null,
      uplinks: [],
      teaming: null,
      createdBy,
      source,
    });
  }

  private addUplink(nic: PyValue, vswitch: EsxiVswitch, source: EsxiSource): string | null {
    const vmnic = this.nicToVmnic(nic);
    if (vmnic === null) {
      this.rec.warn(`WARNING: Unable to map ${pyStr(nic)}!`, source);
      return null;
    }
    this.rec.esxcli(
      ['network', 'vswitch', 'standard', 'uplink', 'add', '-u', vmnic, '-v', vswitch.name],
      source,
    );
    vswitch.uplinks.push({ vmnic, nic: pyStr(nic), source });
    return vmnic;
  }

  private noteNoUplink(vswitch: EsxiVswitch, nic: PyValue, source: EsxiSource): void {
    this.rec.note(
      'vswitch-without-uplink',
      `${vswitch.name} has no uplink: ${pyStr(nic)} is not a NIC the host lists, so its port groups reach no network`,
      source,
    );
  }

  /** applyPhysical answers false when the whole entry is skipped. */
  private applyPhysical(entry: PyDict, configured: boolean, source: EsxiSource): boolean {
    if (!configured) {
      this.rec.drop(
        'no-ip-config',
        source.label,
        'every subnet is manual (or there are none), so the script creates no vSwitch for it; a bond or VLAN on it may still use its NIC',
        source,
      );
      return false;
    }
    const vswitch = this.createVswitch(pyGet(entry, 'mtu'), 'physical', source);
    this.vswitchFor.set(pyIndex(entry, 'id'), vswitch);
    const id = pyGet(entry, 'id');
    if (this.addUplink(id, vswitch, source) === null) this.noteNoUplink(vswitch, id, source);
    this.applySubnets(entry, vswitch, source);
    return true;
  }

  private bondUplinks(entry: PyDict, members: readonly PyValue[], source: EsxiSource): string {
    const mac = pyGet(entry, 'mac_address');
    let uplinks = '';
    if (mac !== null) {
      pyHashKey(mac);
      uplinks = (typeof mac === 'string' ? this.vmnics.get(mac) : undefined) ?? 'None';
    }
    for (const nic of members) {
      const vmnic = this.nicToVmnic(nic);
      // The script tests `vmnic not in uplinks` on the comma-joined string: None raises TypeError.
      if (!pyContains(uplinks, vmnic)) {
        if (uplinks !== '') uplinks += ',';
        uplinks += vmnic ?? 'None';
      } else if (vmnic !== null && !uplinks.split(',').includes(vmnic)) {
        this.rec.note(
          'uplink-missing-from-teaming',
          `${vmnic} is left out of the teaming order because its name is part of another listed vmnic (${uplinks}); it is still added as an uplink`,
          source,
        );
      }
    }
    return uplinks;
  }

  /** applyBond answers false when the bond gets nothing at all. */
  private applyBond(entry: PyDict, source: EsxiSource): boolean {
    const members = pyIter(pyGet(entry, 'bond_interfaces', []));
    const uplinks = this.bondUplinks(entry, members, source);
    if (uplinks.includes('None') || uplinks === '') {
      this.rec.warn('WARNING: Unable to map all uplinks!', source);
      this.rec.drop(
        'unmapped-bond',
        source.label,
        "the bond's MAC is not the MAC of a NIC the host lists, so the script creates nothing for the bond",
        source,
      );
      return false;
    }
    const vswitch = this.createVswitch(pyGet(entry, 'mtu'), 'bond', source);
    this.vswitchFor.set(pyIndex(entry, 'id'), vswitch);
    for (const nic of pyIter(pyGet(entry, 'bond_interfaces', [])))
      this.addUplink(nic, vswitch, source);
    const params = pyGet(entry, 'params', new Map());
    const mode = pyGet(params, 'bond-mode');
    const policy =
      typeof mode === 'string' && Object.hasOwn(TEAMING, mode) ? TEAMING[mode] : undefined;
    if (policy === undefined) {
      this.rec.warn(`WARNING: Unsupported bond mode(${pyStr(mode)})`, source);
      this.dropBondSubnets(entry, pyStr(mode), source);
      this.dropBondOptions(params as PyDict, source, true);
      return true;
    }
    if (policy === 'iphash') {
      this.rec.warn('WARNING: LACP rate and XMIT hash policy ignored.', source);
      this.rec.note(
        'lacp-needs-etherchannel',
        `802.3ad becomes "Route based on IP hash" on ${vswitch.name}: the switch ports need a static EtherChannel, not LACP`,
        source,
      );
    }
    this.rec.esxcli(
      [
        'network',
        'vswitch',
        'standard',
        'policy',
        'failover',
        'set',
        '-v',
        vswitch.name,
        '-a',
        uplinks,
        '-l',
        policy,
      ],
      source,
    );
    vswitch.teaming = { policy, bondMode: pyStr(mode), activeUplinks: uplinks.split(','), source };
    this.dropBondOptions(params as PyDict, source, false);
    this.applySubnets(entry, vswitch, source);
    return true;
  }

  private dropBondSubnets(entry: PyDict, mode: string, source: EsxiSource): void {
    let lost = 0;
    this.subnetSources(entry, source).forEach(([subnet, at]) => {
      this.rec.drop(
        'unsupported-bond-mode',
        at.label,
        `bond mode ${mode} is not one of balance-rr, active-backup, 802.3ad, so the script stops before the bond's port groups and addresses`,
        at,
      );
      if (!pyEquals(pyGet(subnet, 'type', 'manual'), 'manual')) lost += 1;
    });
    if (lost > 0) {
      this.rec.note(
        'bond-ip-lost',
        `${source.label}: ${lost} address configuration(s) are lost because the bond mode is unsupported; VLANs on the bond are still created`,
        source,
      );
    }
  }

  private dropBondOptions(params: PyDict, source: EsxiSource, unsupported: boolean): void {
    if (!isDict(params)) return;
    for (const key of params.keys()) {
      if (key === 'bond-mode') continue;
      const label = `${source.label} ${pyStr(key)}`;
      this.rec.drop(
        'bond-option-ignored',
        label,
        unsupported
          ? 'the bond mode is unsupported, and the script reads only bond-mode anyway'
          : `the script reads only bond-mode; ${pyStr(key)} has no effect on the ESXi teaming policy`,
        this.src.key(params, key, source, label),
      );
    }
  }

  private applyVlan(entry: PyDict, source: EsxiSource): void {
    const link = pyGet(entry, 'vlan_link');
    let vswitch = this.vswitchFor.get(link);
    if (vswitch === undefined) {
      vswitch = this.createVswitch(pyGet(entry, 'mtu'), 'vlan', source);
      this.vswitchFor.set(link, vswitch);
      if (this.addUplink(link, vswitch, source) === null) this.noteNoUplink(vswitch, link, source);
    }
    this.applySubnets(entry, vswitch, source);
  }

  private applyNameserver(entry: PyDict, source: EsxiSource): void {
    const addresses = pyGet(entry, 'address', []);
    const addressesAt = this.src.key(entry, 'address', source, 'nameserver addresses');
    pyIter(addresses).forEach((address, i) => {
      const at = this.src.item(addresses, addressesAt, i, address, `nameserver ${pyStr(address)}`);
      this.at = at;
      const [, , , , , , text = ''] = this.rec.esxcli(
        ['network', 'ip', 'dns', 'server', 'add', '-s', address],
        at,
      );
      this.rec.plan.dns.servers.push({ address: text, source: at });
    });
    const domains = pyGet(entry, 'search', []);
    const domainsAt = this.src.key(entry, 'search', source, 'search domains');
    pyIter(domains).forEach((domain, i) => {
      const at = this.src.item(domains, domainsAt, i, domain, `search ${pyStr(domain)}`);
      this.at = at;
      const [, , , , , , text = ''] = this.rec.esxcli(
        ['network', 'ip', 'dns', 'search', 'add', '-d', domain],
        at,
      );
      this.rec.plan.dns.search.push({ domain: text, source: at });
    });
  }

  private applySubnets(entry: PyDict, vswitch: EsxiVswitch, source: EsxiSource): void {
    const mtu = pyGet(entry, 'mtu');
    const name = pyGet(entry, 'name');
    if (name === null) {
      this.rec.warn('WARNING: No name given!', source);
      this.rec.drop(
        'no-name',
        source.label,
        'the entry has no name, so the script creates no port group or vmk for it',
        source,
      );
      return;
    }
    const vlanId = pyGet(entry, 'vlan_id');
    const mac = pyGet(entry, 'mac_address');
    this.subnetSources(entry, source).forEach(([subnet, at], i) => {
      this.at = at;
      this.applySubnet(subnet as PyDict, i, { name, mtu, vlanId, mac, vswitch }, at);
    });
  }

  private applySubnet(
    subnet: PyDict,
    index: number,
    owner: { name: PyValue; mtu: PyValue; vlanId: PyValue; mac: PyValue; vswitch: EsxiVswitch },
    at: EsxiSource,
  ): void {
    const pg = index === 0 ? owner.name : `${pyStr(owner.name)}:${index}`;
    const [, , , , , , pgName = ''] = this.rec.esxcli(
      ['network', 'vswitch', 'standard', 'portgroup', 'add', '-p', pg, '-v', owner.vswitch.name],
      at,
    );
    const portGroup = this.rec.addPortGroup({
      name: pgName,
      vswitch: owner.vswitch.name,
      vlanId: null,
      aliasIndex: index,
      source: at,
    });
    if (owner.vlanId !== null) {
      this.rec.esxcli(
        ['network', 'vswitch', 'standard', 'portgroup', 'set', '-p', pg, '-v', pyStr(owner.vlanId)],
        at,
      );
      portGroup.vlanId = pyStr(owner.vlanId);
    }
    const vmkName = `vmk${this.counters.vmk}`;
    const vmkArgs: PyValue[] = [
      'network',
      'ip',
      'interface',
      'add',
      '-i',
      vmkName,
      '-p',
      pg,
      '-m',
      pyStr(owner.mtu),
    ];
    if (owner.mac !== null) vmkArgs.push('-M', owner.mac);
    const argv = this.rec.esxcli(vmkArgs, at);
    this.counters.vmk += 1;
    const stype = pyGet(subnet, 'type');
    const vmk = this.rec.addVmk({
      name: vmkName,
      portGroup: pgName,
      vswitch: owner.vswitch.name,
      mtu: pyStr(owner.mtu),
      mac: owner.mac === null ? null : (argv[argv.length - 1] ?? null),
      ipv4: null,
      ipv6: null,
      subnetType: pyStr(stype),
      source: at,
    });
    let kind: 'static' | 'dhcp4' | 'dhcp6';
    if (pyEquals(stype, 'static')) {
      this.applyStatic(subnet, vmk, at);
      kind = 'static';
    } else if (pyEquals(pyIndex(subnet, 'type'), 'dhcp4')) {
      this.applyDhcp(subnet, vmk, 'ipv4', at);
      kind = 'dhcp4';
    } else if (pyEquals(pyIndex(subnet, 'type'), 'dhcp6')) {
      this.applyDhcp(subnet, vmk, 'ipv6', at);
      kind = 'dhcp6';
    } else {
      const type = pyStr(pyIndex(subnet, 'type'));
      this.rec.warn(`WARNING: Unknown subnet type ${type}, skipping`, at);
      this.rec.note(
        'vmk-without-ip',
        `${vmkName} on port group ${pgName} gets no IP configuration (subnet type ${type})`,
        at,
      );
      this.rec.drop(
        'subnet-without-ip',
        at.label,
        type === 'dhcp'
          ? 'dual-stack DHCP (type dhcp) is not handled: the port group and vmk exist but have no IP'
          : `subnet type ${type} is not handled: the port group and vmk exist but have no IP`,
        at,
      );
      return;
    }
    this.dropUnread(subnet, unreadSubnetKeys(subnet, kind), at);
    this.applyRoutes(subnet, at);
  }

  private applyStatic(subnet: PyDict, vmk: EsxiVmk, at: EsxiSource): void {
    const address = pyIndex(subnet, 'address');
    let net;
    try {
      net = ipNetwork(address);
    } catch (error) {
      if (pyStr(address).startsWith('None')) {
        this.rec.note(
          'auto-ip-unassigned',
          `${at.label}: the AUTO address has no IP yet (${pyStr(address)}); MAAS assigns it at deploy, and the script crashes on it`,
          at,
        );
      }
      throw error;
    }
    const gateway = pyGet(subnet, 'gateway');
    const gwText = pyTruthy(gateway) ? pyStr(gateway) : null;
    if (net.version === 4) {
      this.rec.esxcli(
        [
          'network',
          'ip',
          'interface',
          'ipv4',
          'set',
          '-i',
          vmk.name,
          '-t',
          'static',
          '-I',
          ipText(net),
          '-N',
          netmaskText(net),
        ],
        at,
      );
      vmk.ipv4 = {
        mode: 'static',
        address: ipText(net),
        netmask: netmaskText(net),
        prefixLength: net.prefixlen,
      };
      if (gwText !== null) this.addDefaultRoute('ipv4', gwText, at);
      return;
    }
    this.rec.esxcli(
      ['network', 'ip', 'interface', 'ipv6', 'address', 'add', '-i', vmk.name, '-I', ipText(net)],
      at,
    );
    vmk.ipv6 = { mode: 'static', address: ipText(net), prefixLength: net.prefixlen, gateway: null };
    this.rec.note(
      'ipv6-prefix-not-applied',
      `${vmk.name} gets ${ipText(net)} without its /${net.prefixlen}: the script does not pass the prefix length to ESXi`,
      at,
    );
    if (gwText !== null) {
      this.rec.esxcli(
        ['network', 'ip', 'interface', 'ipv6', 'set', '-i', vmk.name, '-g', gateway],
        at,
      );
      vmk.ipv6.gateway = gwText;
      this.addDefaultRoute('ipv6', gwText, at);
    }
  }

  private addDefaultRoute(family: 'ipv4' | 'ipv6', gateway: string, at: EsxiSource): void {
    this.rec.esxcli(
      ['network', 'ip', 'route', family, 'add', `--gateway=${gateway}`, '--network=default'],
      at,
    );
    this.rec.addRoute({ family, destination: 'default', gateway, source: at });
    this.routes.addDefault(family, gateway);
  }

  private applyDhcp(subnet: PyDict, vmk: EsxiVmk, family: 'ipv4' | 'ipv6', at: EsxiSource): void {
    const args: PyValue[] =
      family === 'ipv4'
        ? ['network', 'ip', 'interface', 'ipv4', 'set', '-i', vmk.name, '-t', 'dhcp']
        : ['network', 'ip', 'interface', 'ipv6', 'set', '-i', vmk.name, '-e', 'true', '-d', 'true'];
    const gateway = pyGet(subnet, 'gateway');
    if (pyTruthy(gateway)) args.push('-g', gateway);
    const argv = this.rec.esxcli(args, at);
    const gwText = pyTruthy(gateway) ? (argv[argv.length - 1] ?? null) : null;
    if (family === 'ipv4') vmk.ipv4 = { mode: 'dhcp', gateway: gwText };
    else vmk.ipv6 = { mode: 'dhcp', gateway: gwText };
  }

  private applyRoutes(subnet: PyDict, subnetAt: EsxiSource): void {
    const routes = pyGet(subnet, 'routes', []);
    const routesAt = this.src.key(subnet, 'routes', subnetAt, `${subnetAt.label} routes`);
    pyIter(routes).forEach((route, i) => {
      const label = `${subnetAt.label} route ${i}`;
      const at = this.src.item(routes, routesAt, i, route, label);
      this.at = at;
      for (const key of ['destination', 'gateway']) {
        if (!pyContains(route, key)) {
          this.rec.warn(`WARNING: Missing key "${key}" for static route!`, at);
          break;
        }
      }
      const destination = pyIndex(route, 'destination');
      const net = ipNetwork(destination);
      const family = net.version === 4 ? 'ipv4' : 'ipv6';
      const gateway = pyIndex(route, 'gateway');
      const listed = this.routes.listed(net, gateway);
      if (listed) {
        this.rec.drop(
          'route-already-listed',
          label,
          `the script skips it: a line of \`esxcli network ip route ${family} list\` already contains ${ipText(net)}, ${netmaskText(net)} and ${pyStr(gateway)}`,
          at,
        );
      } else {
        const argv = this.rec.esxcli(
          ['network', 'ip', 'route', family, 'add', '-g', gateway, '-n', destination],
          at,
        );
        const gwText = argv[6] ?? '';
        this.rec.addRoute({ family, destination: argv[8] ?? '', gateway: gwText, source: at });
        this.routes.addStatic(net, gwText);
      }
      if (isDict(route)) this.dropUnread(route, unreadRouteKeys(route), at);
    });
  }

  private dropUnapplied(entries: readonly PyValue[], parent: EsxiSource): void {
    entries.forEach((entry, i) => {
      if (i <= this.entryIndex) return;
      const source = this.entrySource(entry, i, parent);
      this.rec.drop(
        'not-applied',
        source.label,
        'the script stopped with an error before reaching this entry',
        source,
      );
    });
  }

  private noteUnreachable(exit: number): void {
    const plan = this.rec.plan;
    if (exit === EXIT_NOT_V1 || plan.vmks.some((vmk) => vmk.ipv4 !== null || vmk.ipv6 !== null))
      return;
    this.rec.note(
      'host-unreachable',
      'no vmk gets an IP address, so the host will likely be unreachable and MAAS cannot finish the deployment',
      this.src.document(),
    );
  }
}

/** runScript models one `netplan-esxi apply` of the loaded config against the given NIC listing. */
export function runScript(loaded: LoadedYaml, nicList: string): RunResult {
  return new ScriptRun(loaded, nicList).run();
}

/**
 * Property tests over generated configs: the preview never throws on parsable input, every bond
 * mode outside balance-rr/active-backup/802.3ad is warned about, and every output element points at
 * an input item that exists.
 */
import fc from 'fast-check';
import { parseDocument, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isUserError } from '../../../src-shared/errors';
import {
  esxiPreviewSchema,
  previewEsxiNetwork,
  type EsxiPreview,
  type EsxiSource,
} from '../../../src-shared/esxi/index';

const pick = (...xs: string[]): fc.Arbitrary<string> => fc.constantFrom(...xs);
const opt = (key: string, value: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> =>
  fc.option(
    value.map((v) => `${key}: ${v}`),
    { nil: undefined, freq: 3 },
  );
const flow = (parts: (string | undefined)[]): string =>
  `{${parts.filter((p) => p !== undefined).join(', ')}}`;

// Values MAAS writes, values it never writes, and wrong types, as YAML source text.
const IDS = pick('eth0', 'eth1', 'eth2', 'bond0', 'eth0.100', '5', 'null', 'true', '"1.0"', '[a]');
const MACS = pick(
  '"00:16:3e:00:00:01"',
  '"00:16:3e:00:00:02"',
  '"00:16:3E:00:00:02"',
  '00:16:3e:00:00:03',
  'null',
  '5',
  '[]',
);
const MTUS = pick('1500', '9000', '9000.0', '0', 'null', '"1500"', 'yes', '[]');
const ADDRS = pick(
  '10.0.0.4/24',
  '10.0.0.4',
  '10.0.0.4/255.255.255.0',
  '"None/24"',
  '"2001:db8::10/64"',
  '10.0.0.04/24',
  '167772164',
  'null',
  '[1]',
);
const GWS = pick('10.0.0.1', '10.50.0.10', '"2001:db8::1"', '""', 'null', '5', '[a]');
const DESTS = pick('192.168.0.0/24', '0.0.0.0/0', '"::/0"', '"2001:db8:5::/48"', 'default', '5');
const STYPES = pick('static', 'dhcp4', 'dhcp6', 'dhcp', 'manual', 'null', '5');
const MODES = pick(
  'balance-rr',
  'active-backup',
  '802.3ad',
  'balance-xor',
  'broadcast',
  'null',
  '5',
);

const route = fc
  .tuple(opt('destination', DESTS), opt('gateway', GWS), opt('metric', pick('42')))
  .map(flow);
const subnet = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        opt('type', STYPES),
        opt('address', ADDRS),
        opt('gateway', GWS),
        opt(
          'routes',
          fc.array(route, { maxLength: 2 }).map((r) => `[${r.join(', ')}]`),
        ),
        opt('dns_nameservers', pick('[10.0.0.2]')),
      )
      .map(flow),
  },
  { weight: 1, arbitrary: pick('null', '5', '"static"') },
);
const subnets = fc.oneof(
  { weight: 9, arbitrary: fc.array(subnet, { maxLength: 3 }).map((s) => `[${s.join(', ')}]`) },
  { weight: 1, arbitrary: pick('null', '"ab"', '{type: static}') },
);
const entry = fc.oneof(
  fc
    .tuple(
      fc.constant('type: physical'),
      opt('id', IDS),
      opt('name', IDS),
      opt('mac_address', MACS),
      opt('mtu', MTUS),
      opt('subnets', subnets),
      opt('vlan_id', pick('100', '"7"', 'null')),
    )
    .map(flow),
  fc
    .tuple(
      fc.constant('type: bond'),
      opt('id', IDS),
      opt('name', IDS),
      opt('mac_address', MACS),
      opt(
        'bond_interfaces',
        fc.array(IDS, { maxLength: 3 }).map((m) => `[${m.join(', ')}]`),
      ),
      opt('params', fc.tuple(opt('bond-mode', MODES), opt('bond-miimon', pick('100'))).map(flow)),
      opt('subnets', subnets),
    )
    .map(flow),
  fc
    .tuple(
      fc.constant('type: vlan'),
      opt('id', IDS),
      opt('name', IDS),
      opt('vlan_link', IDS),
      opt('vlan_id', pick('100', '1.5')),
      opt('mtu', MTUS),
      opt('subnets', subnets),
    )
    .map(flow),
  fc.tuple(fc.constant('type: bridge'), opt('id', IDS), opt('subnets', subnets)).map(flow),
  fc
    .tuple(
      fc.constant('type: nameserver'),
      opt('address', pick('[10.0.0.2]', '10.0.0.2', '[5]', 'null')),
      opt('search', pick('[maas]', 'maas')),
    )
    .map(flow),
  pick('null', '5', '{type: [x]}', '{id: eth9}'),
);
const configText = fc
  .tuple(fc.array(entry, { maxLength: 6 }), pick('1', '1', '1', '2', '1.0', 'null'), fc.boolean())
  .map(([entries, version, wrapped]) => {
    const body = `version: ${version}\nconfig:\n${entries.map((e) => `- ${e}\n`).join('')}`;
    return wrapped ? `network:\n${body.replace(/^/gm, '  ')}` : body;
  });
const nicsArb = fc.option(
  fc.array(
    fc.record({
      name: pick('vmnic0', 'vmnic1', 'vmnic10', 'vusb0'),
      mac: pick('00:16:3e:00:00:01', '00:16:3e:00:00:02', 'x'),
    }),
    { maxLength: 3 },
  ),
  { nil: undefined },
);

/** Parses like the preview, or answers undefined where the preview must refuse the text. */
function previewOrRefusal(
  text: string,
  nics?: { name: string; mac: string }[],
): EsxiPreview | undefined {
  try {
    return previewEsxiNetwork(text, { nics });
  } catch (error) {
    if (isUserError(error)) return undefined;
    throw error;
  }
}

describe('preview properties', () => {
  it('never throws on parsable input, generated in MAAS shape with wrong types mixed in', () => {
    fc.assert(
      fc.property(configText, nicsArb, (text, nics) => {
        const p = previewOrRefusal(text, nics);
        // Only YAML errors may refuse; everything the generator writes is valid YAML except flow `::/0`.
        if (p === undefined) expect(text).toContain('::/0');
        else expect([0, 1, 78]).toContain(p.exit);
      }),
      { numRuns: 300, seed: 5 },
    );
  });

  it('never throws on arbitrary YAML documents', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const text = stringify({ network: { version: 1, config: value } });
        const p = previewOrRefusal(text);
        if (p !== undefined) expect(p.plan.steps).toHaveLength(p.commands.length);
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('every bond mode outside the three supported ones gets the unsupported warning', () => {
    const supported = new Set(['balance-rr', 'active-backup', '802.3ad']);
    const mode = fc.oneof(
      pick('balance-xor', 'broadcast', 'balance-tlb', 'balance-alb'),
      fc.string({ maxLength: 12 }).filter((s) => !supported.has(s)),
    );
    fc.assert(
      fc.property(mode, fc.boolean(), (m, withVlan) => {
        const text = [
          'network:',
          '  version: 1',
          '  config:',
          '  - {id: eth0, name: eth0, type: physical, mac_address: "00:16:3e:00:00:01", subnets: [{type: manual}]}',
          '  - {id: eth1, name: eth1, type: physical, mac_address: "00:16:3e:00:00:02", subnets: [{type: manual}]}',
          `  - {id: bond0, name: bond0, type: bond, mac_address: "00:16:3e:00:00:01", bond_interfaces: [eth0, eth1], params: {bond-mode: ${JSON.stringify(m)}}, subnets: [{type: static, address: 10.0.0.4/24}]}`,
          ...(withVlan
            ? [
                '  - {id: bond0.9, name: bond0.9, type: vlan, vlan_link: bond0, vlan_id: 9, subnets: [{type: dhcp4}]}',
              ]
            : []),
        ].join('\n');
        const p = previewEsxiNetwork(text);
        expect(p.warnings).toEqual([`WARNING: Unsupported bond mode(${m})`]);
        expect(p.commands.some((c) => c.includes('policy failover'))).toBe(false);
        expect(p.plan.vmks.map((v) => v.portGroup)).toEqual(withVlan ? ['bond0.9'] : []);
        expect(p.dropped.some((d) => d.code === 'unsupported-bond-mode')).toBe(true);
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it('every output element points at an input item that exists, on a real line', () => {
    fc.assert(
      fc.property(configText, nicsArb, (text, nics) => {
        const p = previewOrRefusal(text, nics);
        if (p === undefined) return;
        const doc = parseDocument(text, { version: '1.1', uniqueKeys: false });
        const lineCount = text.split('\n').length;
        const check = (source: EsxiSource): void => {
          const path = source.pointer
            .split('/')
            .slice(1)
            .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'));
          const exists =
            path.length === 0 ||
            doc.hasIn(path.map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg)));
          expect(exists, `${source.pointer} in\n${text}`).toBe(true);
          expect(source.line).toBeGreaterThanOrEqual(1);
          expect(source.line).toBeLessThanOrEqual(lineCount);
          if (source.entry !== null)
            expect(source.pointer).toMatch(new RegExp(`/config/${source.entry}(/|$)`));
        };
        const { plan } = p;
        plan.vswitches.forEach((v) => {
          check(v.source);
          v.uplinks.forEach((u) => check(u.source));
          if (v.teaming) check(v.teaming.source);
        });
        [
          ...plan.portGroups,
          ...plan.vmks,
          ...plan.routes,
          ...plan.dns.servers,
          ...plan.dns.search,
        ].forEach((e) => check(e.source));
        [...plan.steps, ...plan.warnings, ...plan.notes, ...p.dropped].forEach((e) =>
          check(e.source),
        );
        if (plan.abort) check(plan.abort.source);
        expect(esxiPreviewSchema.safeParse(p).success).toBe(true);
        expect(plan.steps.map((s) => s.command)).toEqual(p.commands);
        expect(plan.warnings.map((w) => w.text)).toEqual(p.warnings);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});

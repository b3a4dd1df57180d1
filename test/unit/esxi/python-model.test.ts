/**
 * The Python pieces the script's output depends on: str()/repr() of YAML values, ipaddr parsing and
 * printing, PyYAML's YAML 1.1 scalars, and the vmnic regex over `esxcli network nic list`.
 * Expected values were printed by CPython 3.11 / PyYAML 6.
 */
import { describe, expect, it } from 'vitest';
import { nicListText, vmnicsByMac } from '../../../src-shared/esxi/host-model';
import { ipNetwork, ipText, netmaskText, networkText } from '../../../src-shared/esxi/ipaddr';
import { pyFloatRepr, pyRepr, pyStr } from '../../../src-shared/esxi/py-format';
import { PyBytes, PyException } from '../../../src-shared/esxi/py-value';
import { loadNetworkYaml } from '../../../src-shared/esxi/yaml-load';
import { previewEsxiNetwork } from '../../../src-shared/esxi/index';
import { UserError } from '../../../src-shared/errors';

describe('Python str() and repr()', () => {
  it('formats floats like CPython repr', () => {
    const cases: Array<[number, string]> = [
      [1e16, '1e+16'],
      [1e15, '1000000000000000.0'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [9000, '9000.0'],
      [-0, '-0.0'],
      [123456789.123, '123456789.123'],
      [1e22, '1e+22'],
      [0.1 + 0.2, '0.30000000000000004'],
      [NaN, 'nan'],
      [-Infinity, '-inf'],
    ];
    for (const [value, text] of cases) expect(pyFloatRepr(value)).toBe(text);
  });

  it('quotes and escapes strings and bytes like CPython repr', () => {
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('say "hi"')).toBe('\'say "hi"\'');
    expect(pyRepr('both \' and "')).toBe("'both \\' and \"'");
    expect(pyRepr('tab\tnl\n')).toBe("'tab\\tnl\\n'");
    expect(pyRepr('é\u200b')).toBe("'é\\u200b'");
    expect(pyRepr(new PyBytes(new Uint8Array([0x61, 0x27, 0x62, 0x00, 0xff])))).toBe(
      'b"a\'b\\x00\\xff"',
    );
  });

  it('prints None, booleans, ints and containers', () => {
    expect(pyStr(null)).toBe('None');
    expect(pyStr(true)).toBe('True');
    expect(pyStr(12345678901234567890n)).toBe('12345678901234567890');
    expect(pyStr(['a', 1n, null, new Map([['k', 1.5]])])).toBe("['a', 1, None, {'k': 1.5}]");
    const loop: unknown[] = [];
    loop.push(loop);
    expect(pyStr(loop as never)).toBe('[[...]]');
  });
});

describe('ipaddr.IPNetwork', () => {
  it('keeps host bits, takes netmasks and hostmasks, defaults to /32 and /128', () => {
    const net = ipNetwork('10.0.0.4/24');
    expect([ipText(net), netmaskText(net), networkText(net)]).toEqual([
      '10.0.0.4',
      '255.255.255.0',
      '10.0.0.0',
    ]);
    expect(netmaskText(ipNetwork('10.0.0.4/255.255.240.0'))).toBe('255.255.240.0');
    expect(netmaskText(ipNetwork('10.0.0.4/0.0.0.255'))).toBe('255.255.255.0');
    expect(netmaskText(ipNetwork('10.0.0.4'))).toBe('255.255.255.255');
    expect(ipNetwork('2001:db8::10').prefixlen).toBe(128);
    expect(ipText(ipNetwork(167772164n))).toBe('10.0.0.4');
    expect(ipText(ipNetwork(true))).toBe('0.0.0.1');
  });

  it('prints IPv6 compressed and lower case, with v6 netmasks as addresses', () => {
    const cases: Array<[string, string]> = [
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['::ffff:1.2.3.4', '::ffff:102:304'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ];
    for (const [input, text] of cases) expect(ipText(ipNetwork(input))).toBe(text);
    expect(netmaskText(ipNetwork('2001:db8::/64'))).toBe('ffff:ffff:ffff:ffff::');
    expect(netmaskText(ipNetwork('::/0'))).toBe('::');
  });

  it('refuses what ipaddr 2.2 refuses with ValueError', () => {
    for (const bad of [
      'None/24',
      '10.0.0.04/24',
      '10.0.0.4/33',
      '10.0.0.4/255.0.255.0',
      '1::2::3',
      '10.0.0.4/24/1',
      'fe80::1%eth0',
      '',
    ]) {
      expect(() => ipNetwork(bad), bad).toThrow(PyException);
    }
    expect(() => ipNetwork(-1n)).toThrow(/does not appear to be an IPv4 or IPv6 network/);
  });
});

describe('YAML 1.1 as PyYAML reads it', () => {
  const load = (text: string): string => pyRepr(loadNetworkYaml(text).value);

  it('resolves plain scalars with PyYAML rules, not the yaml package defaults', () => {
    expect(
      load('[y, n, yes, Off, 1e3, 1.0e+3, 010, 0o7, 0x1F, 1_000, 190:20:30, ~, .5, .nan]'),
    ).toBe("['y', 'n', True, False, '1e3', 1000.0, 8, '0o7', 31, 1000, 685230, None, 0.5, nan]");
    expect(load('mac: 52:54:00:12:34:56')).toBe("{'mac': 41135085296}");
    expect(load('d: 2001-12-14')).toBe("{'d': datetime.date(2001, 12, 14)}");
    expect(
      pyStr((loadNetworkYaml('- 2001-12-14 21:59:43.10 -5').value as unknown[])[0] as never),
    ).toBe('2001-12-14 21:59:43.100000-05:00');
  });

  it('merges `<<` keys and lets a repeated key win, like PyYAML', () => {
    expect(load('a: &x {k: 1, j: 1}\nb: {<<: *x, j: 2}\nc: 1\nc: 2\n')).toBe(
      "{'a': {'k': 1, 'j': 1}, 'b': {'k': 1, 'j': 2}, 'c': 2}",
    );
  });

  it('remembers where each list, dict and key is', () => {
    const loaded = loadNetworkYaml('network:\n  config:\n  - {id: eth0}\n');
    const network = (loaded.value as Map<string, unknown>).get('network') as Map<string, unknown>;
    const config = network.get('config') as never[];
    expect(loaded.locate(config[0] as never)).toEqual({
      pointer: '/network/config/0',
      line: 3,
      column: 5,
    });
    expect(loaded.locateKey(network as never, 'config')).toMatchObject({
      pointer: '/network/config',
      line: 2,
    });
  });
});

describe('esxcli network nic list', () => {
  it('maps MAC to vmnic for rows named vmnicN only; a later row with the same MAC wins', () => {
    const text = nicListText([
      { name: 'vmnic0', mac: '00:16:3e:00:00:01' },
      { name: 'vusb0', mac: '00:16:3e:00:00:02' },
      { name: 'vmnic10', mac: '00:16:3e:00:00:03' },
      { name: 'vmnic3', mac: '00:16:3e:00:00:01' },
    ]);
    expect([...vmnicsByMac(text)]).toEqual([
      ['00:16:3e:00:00:01', 'vmnic3'],
      ['00:16:3e:00:00:03', 'vmnic10'],
    ]);
  });
});

describe('limits', () => {
  it('refuses a value built from nested aliases that would print as gigabytes', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    const text = `${levels.join('\n')}\nnetwork:\n  version: 1\n  config:\n  - {id: eth0, name: eth0, type: physical, mac_address: "00:16:3e:00:00:01"}\n  - {id: bond0, name: bond0, type: bond, bond_interfaces: [eth0], mac_address: "00:16:3e:00:00:01", params: {bond-mode: *i}}\n`;
    expect(() => previewEsxiNetwork(text)).toThrow(/too large to print/);
  });

  it('refuses YAML nested too deeply to load', () => {
    const depth = 20_000;
    expect(() => previewEsxiNetwork(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toThrow(UserError);
  });
});

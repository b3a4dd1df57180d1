/** The `esxi.preview` call through the real dispatcher: input and output are checked against the contract. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../src-main/api/dispatch';
import { esxiHandlers } from '../../../src-main/api/handlers/esxi';
import type { Handlers } from '../../../src-main/api/handlers/types';
import { calls } from '../../../src-shared/contract/index';

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/esxi/${name}`, import.meta.url), 'utf8');

function dispatcher(): Dispatcher {
  const others = Object.fromEntries(
    Object.keys(calls).map((name) => [name, () => Promise.reject(new Error(`no ${name}`))]),
  );
  return new Dispatcher({ ...others, ...esxiHandlers() } as unknown as Handlers);
}

describe('esxi.preview call', () => {
  it('returns the preview of a config, with or without a NIC inventory', async () => {
    const d = dispatcher();
    const yaml = fixture('ex09-ipv6-dual-stack-dhcp.yaml');
    const byDefault = await d.call('esxi.preview', { yaml });
    expect(byDefault).toMatchObject({
      ok: true,
      value: { exit: 0, warnings: ['WARNING: Unknown subnet type dhcp, skipping'] },
    });
    const withNics = await d.call('esxi.preview', {
      yaml,
      nics: [{ name: 'vmnic7', mac: '00:16:3e:00:00:01' }],
    });
    expect(withNics.ok && (withNics.value as { commands: string[] }).commands).toContain(
      'esxcli network vswitch standard uplink add -u vmnic7 -v vSwitch0',
    );
  });

  it('answers a YAML error as a user error and malformed input as bad input', async () => {
    const d = dispatcher();
    expect(await d.call('esxi.preview', { yaml: 'a: [b' })).toMatchObject({
      ok: false,
      error: { code: 'esxi-yaml', message: expect.stringMatching(/at line 1, column/) },
    });
    expect(await d.call('esxi.preview', { yaml: 'x', nics: [{ name: 1 }] })).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    });
  });
});

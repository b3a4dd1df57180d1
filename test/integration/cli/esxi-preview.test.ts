/** Runs the real `labboot esxi preview` (CLI source through tsx) on fixture files. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { makeTempDir } from '../../helpers/temp-dir';

const fixtures = fileURLToPath(new URL('../../fixtures/esxi/', import.meta.url));
const file = (name: string): string => join(fixtures, name);
const tmp = makeTempDir('labboot-esxi-');
afterAll(() => tmp.remove());

describe('labboot esxi preview', () => {
  it('--json prints {commands, warnings, exit, plan, dropped} for a file and a NIC inventory', async () => {
    const r = await runLabboot([
      '--json',
      'esxi',
      'preview',
      file('ex04-vlan-on-active-backup-bond.yaml'),
      '--nics',
      file('nics.json'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & {
      commands: string[];
      warnings: string[];
      exit: number;
    };
    expect(Object.keys(out)).toEqual(['commands', 'warnings', 'exit', 'plan', 'dropped']);
    expect(out.exit).toBe(0);
    expect(out.warnings).toEqual(['WARNING: Unknown subnet type manual, skipping']);
    expect(out.commands.slice(0, 5)).toEqual([
      'esxcli network vswitch standard add -v vSwitch0',
      'esxcli network vswitch standard set -m 9000 -v vSwitch0',
      'esxcli network vswitch standard uplink add -u vmnic0 -v vSwitch0',
      'esxcli network vswitch standard uplink add -u vmnic1 -v vSwitch0',
      'esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l explicit',
    ]);
    expect(out.commands).toHaveLength(14);
  });

  it('prints the plan, dropped items with lines, and the warnings for people', async () => {
    const r = await runLabboot(['esxi', 'preview', file('ex07-unsupported-bond-mode.yaml')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^vSwitches\n {2}vSwitch0 {2}MTU 9000 {2}uplinks vmnic0 \(eth0\), vmnic1 \(eth1\) {2}no teaming policy {2}<- bond0 \(bond\), line 19$/m,
    );
    expect(r.stdout).toMatch(/bond0\.100 on vSwitch0 {2}VLAN 100/);
    expect(r.stdout).toMatch(
      /bond0 \(bond\) subnet 0: bond mode balance-xor is not one of .* \(bond0 \(bond\) subnet 0, line 30\)/,
    );
    expect(r.stdout).toContain(
      'WARNING: Unsupported bond mode(balance-xor)  (bond0 (bond), line 19)',
    );
    expect(r.stdout).toMatch(/^Exit status: 0; 10 esxcli commands/m);
  });

  it('reports the script refusing a version 2 config as exit 78 inside the JSON', async () => {
    const r = await runLabboot(['--json', 'esxi', 'preview', file('v2-netplan.yaml')]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      commands: [],
      warnings: ['ERROR: Only V1 config is supported!'],
      exit: 78,
    });
  });

  it('exits 1 with one sentence naming the line for YAML the script cannot load', async () => {
    const broken = join(tmp.path, 'broken.yaml');
    writeFileSync(
      broken,
      'network:\n  version: 1\n  config:\n  - id: eth0\n    subnets: [type: dhcp4\n',
    );
    const r = await runLabboot(['esxi', 'preview', broken]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^labboot: broken\.yaml is not YAML the ESXi script can load: .* at line \d+, column \d+; fix that line and run the preview again\.\n$/,
    );
  });

  it('exits 1 for a missing file or a bad NIC inventory, and 2 without a file', async () => {
    const nics = join(tmp.path, 'nics.json');
    writeFileSync(nics, '{"vmnic0": "00:16:3e:00:00:01"}');
    const [missing, bad, usage] = await Promise.all([
      runLabboot(['esxi', 'preview', join(tmp.path, 'nope.yaml')]),
      runLabboot(['esxi', 'preview', file('ex01-dhcp.yaml'), '--nics', nics]),
      runLabboot(['esxi', 'preview']),
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(
      /^labboot: cannot read the network config .*nope\.yaml \(ENOENT\); check the path and its permissions\.\n$/,
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /^labboot: nics\.json must be a JSON list of \{"name", "mac"\} objects/,
    );
    expect(usage.status).toBe(2);
  });
});

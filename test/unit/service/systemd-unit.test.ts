import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeArg, serveArgs, systemdUnit } from '../../../src-main/service/systemd-unit';
import {
  planService,
  requireLinux,
  unitDirFor,
  type ServiceHost,
} from '../../../src-main/service/service-install';
import type { BootLastStart } from '../../../src-shared/contract/boot';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

const proxy: BootLastStart = { interfaceName: 'enp3s0', address: null, dhcp: 'proxy', range: null };
const full: BootLastStart = {
  interfaceName: 'lab0',
  address: null,
  dhcp: 'full',
  range: '10.0.0.100-10.0.0.199',
};
const linux: ServiceHost = { platform: 'linux', env: {}, home: '/home/ann', uid: 1000 };

/** verify runs `systemd-analyze verify` on a unit written into a temp folder (never /etc). */
function verify(unit: string, user: boolean): { status: number | null; output: string } {
  const tmp = makeTempDir('labboot-unit-');
  cleanups.push(tmp.remove);
  const file = join(tmp.path, 'labboot.service');
  writeFileSync(file, unit);
  const runtime = join(tmp.path, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const r = spawnSync('systemd-analyze', [...(user ? ['--user'] : []), 'verify', file], {
    encoding: 'utf8',
    timeout: 20_000,
    env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_LEVEL: 'notice' },
  });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('systemd unit', () => {
  it('runs serve with the remembered interface and mode, unprivileged with CAP_NET_BIND_SERVICE', () => {
    const unit = systemdUnit({
      scope: 'system',
      execPath: '/usr/bin/node',
      script: '/opt/labboot/bin/labboot.mjs',
      lastStart: proxy,
    });
    expect(unit).toBe(
      [
        '[Unit]',
        'Description=LabBoot network boot server on enp3s0 (DHCP proxy)',
        'After=network-online.target',
        'Wants=network-online.target',
        '',
        '[Service]',
        'Type=simple',
        'ExecStart=/usr/bin/node /opt/labboot/bin/labboot.mjs --data %S/labboot serve --interface enp3s0 --dhcp proxy',
        'StateDirectory=labboot',
        'DynamicUser=yes',
        'AmbientCapabilities=CAP_NET_BIND_SERVICE',
        'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'ProtectHome=read-only',
        'PrivateTmp=yes',
        'Restart=on-failure',
        'RestartSec=5',
        '',
        '[Install]',
        'WantedBy=multi-user.target',
        '',
      ].join('\n'),
    );
    expect(unit).not.toMatch(/^User=root/m);
  });

  it('carries the full-DHCP range and escapes what systemd would expand or split', () => {
    expect(serveArgs(full)).toEqual([
      'serve',
      '--interface',
      'lab0',
      '--dhcp',
      'full',
      '--range',
      '10.0.0.100-10.0.0.199',
    ]);
    expect(
      serveArgs({ interfaceName: null, address: '10.0.0.1', dhcp: 'off', range: null }),
    ).toEqual(['serve', '--address', '10.0.0.1', '--dhcp', 'off']);
    expect(escapeArg('/opt/Lab Boot/50%$x"y\\z')).toBe('"/opt/Lab Boot/50%%$$x\\"y\\\\z"');
    expect(escapeArg('plain/path.mjs')).toBe('plain/path.mjs');
  });

  it.each([
    ['system', undefined],
    ['system', '/srv/lab boot'],
    ['user', undefined],
  ] as const)('passes systemd-analyze verify (%s unit, data %s)', (scope, dataDir) => {
    const unit = systemdUnit({
      scope,
      execPath: process.execPath,
      script: '/opt/labboot/bin/labboot.mjs',
      lastStart: full,
      ...(dataDir === undefined ? {} : { dataDir }),
    });
    const r = verify(unit, scope === 'user');
    expect(r.output.split('\n').filter((l) => /labboot\.service/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('a broken unit does fail systemd-analyze verify (the check is real)', () => {
    const r = verify('[Service]\nExecStart=relative/path serve\nRestart=sometimes\n', false);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/labboot\.service/);
  });
});

describe('service install plan', () => {
  it('refuses without a remembered start, and on other platforms, in one sentence', () => {
    const input = { execPath: '/usr/bin/node', script: '/x/labboot.mjs', lastStart: undefined };
    expect(() => planService(input, linux)).toThrow(
      /^LabBoot has never served from this data folder/,
    );
    expect(() => requireLinux('darwin')).toThrow(/launchd plist/);
    expect(() => requireLinux('win32')).toThrow(/cannot run as a Windows service/);
    expect(() =>
      planService({ ...input, lastStart: proxy }, { ...linux, platform: 'darwin' }),
    ).toThrow(/systemd/);
  });

  it('puts user units under XDG_CONFIG_HOME and system units in /etc, root defaulting to system', () => {
    const input = { execPath: '/usr/bin/node', script: '/x/labboot.mjs', lastStart: proxy };
    expect(planService(input, linux)).toMatchObject({
      scope: 'user',
      unitPath: '/home/ann/.config/systemd/user/labboot.service',
      dataDir: '/home/ann/.local/state/labboot',
    });
    expect(planService(input, { ...linux, uid: 0 })).toMatchObject({
      scope: 'system',
      unitPath: '/etc/systemd/system/labboot.service',
      dataDir: '/var/lib/labboot',
    });
    expect(unitDirFor('user', { ...linux, env: { XDG_CONFIG_HOME: '/cfg' } })).toBe(
      '/cfg/systemd/user',
    );
    expect(planService({ ...input, unitDir: '/tmp/u', dataDir: '/srv/lb' }, linux)).toMatchObject({
      unitPath: '/tmp/u/labboot.service',
      dataDir: '/srv/lb',
    });
  });
});

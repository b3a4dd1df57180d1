import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labbootBin, repoRoot } from '../../helpers/console-process';
import { makeTempDir } from '../../helpers/temp-dir';
import { openDatabase } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { ReservationStore } from '../../../src-main/boot/dhcp/reservation-store';

const keyringFile = new URL(
  '../../../../shared/spec/data/keys/ubuntu-cloudimage-keyring.gpg',
  import.meta.url,
).pathname;
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKqkT9wH1x8yY5lV1m0m4tqF5m8Q0wqP9d1n2r3s4t5u admin@lab';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function labboot(data: string, args: string[]): Run {
  const r = spawnSync(process.execPath, [labbootBin, '--data', data, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, LABBOOT_DATA: '' },
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Run): Run {
  expect(r.stderr.replace(/^labboot: warning: .*\n/gm, '')).toBe('');
  expect(r.status).toBe(0);
  return r;
}

/** failsWith checks exit 1 and one sentence on stderr, no stack trace. */
function failsWith(r: Run, pattern: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^labboot: [^\n]*\n$/);
  expect(r.stderr).toMatch(pattern);
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});
function tempDir(): string {
  const t = makeTempDir();
  cleanups.push(t.remove);
  return t.path;
}

beforeAll(() => {
  // The CLI runs bundled; build it once if another test has not.
  if (!existsSync(join(repoRoot, 'out/main/cli.js'))) {
    spawnSync('npx', ['electron-vite', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  }
});

describe('labboot config export / import', () => {
  it('moves the configuration to another data folder, with a dry run first', () => {
    const a = tempDir();
    ok(
      labboot(a, [
        'sources',
        'add',
        'http://mirror.lab/stable/',
        '--keyring',
        keyringFile,
        '--name',
        'lab',
      ]),
    );
    ok(labboot(a, ['select', 'add', 'ubuntu/jammy/amd64']));
    const settings = openDatabase(join(a, 'labboot.sqlite'));
    new SettingsStore(settings).set('boot.sshAuthorizedKeys', [KEY]);
    new ReservationStore(settings).set('52:54:00:00:00:01', '10.0.0.50', 1);
    settings.close();
    const file = join(tempDir(), 'backup.json');
    const exported = ok(labboot(a, ['config', 'export', file]));
    expect(exported.stdout).toBe(
      `Exported 1 source(s), 1 selection(s), 0 boot choice(s), 1 SSH key(s), 0 setting(s) and 1 DHCP reservation(s) to ${file}.\n`,
    );
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(doc['labboot-config']).toBe(1);

    const b = tempDir();
    const dry = ok(labboot(b, ['config', 'import', file, '--dry-run']));
    expect(dry.stdout).toBe(
      [
        'Importing would change:',
        'sources:',
        '  + lab (http://mirror.lab/stable/)',
        'selections:',
        '  + ubuntu/jammy/amd64',
        'SSH keys:',
        '  + ssh-ed25519 admin@lab',
        'DHCP reservations:',
        '  + 52:54:00:00:00:01 → 10.0.0.50',
        'Note: The reservations are not checked against a subnet, because this configuration has not served full DHCP on an interface with an IPv4 address here; full DHCP hands out only those on the subnet it serves.',
        'Nothing was changed (dry run).',
        '',
      ].join('\n'),
    );
    expect(JSON.parse(ok(labboot(b, ['--json', 'select', 'list'])).stdout)).toEqual([]);
    const applied = JSON.parse(ok(labboot(b, ['--json', 'config', 'import', file])).stdout) as {
      applied: boolean;
    };
    expect(applied.applied).toBe(true);
    const sources = JSON.parse(ok(labboot(b, ['--json', 'sources', 'list'])).stdout) as {
      name: string;
      keyring: { kind: string; fingerprints: string[] };
    }[];
    expect(sources.map((s) => [s.name, s.keyring.kind, s.keyring.fingerprints.length])).toEqual([
      ['lab', 'custom', 2],
    ]);
    const machines = JSON.parse(ok(labboot(b, ['--json', 'leases'])).stdout) as {
      reservations: { mac: string; ip: string }[];
    };
    expect(machines.reservations.map((r) => [r.mac, r.ip])).toEqual([
      ['52:54:00:00:00:01', '10.0.0.50'],
    ]);
    expect(ok(labboot(b, ['config', 'import', file])).stdout).toMatch(
      /^The backup matches this configuration; nothing to change\.\nNote: The reservations are not checked against a subnet, .*\n$/,
    );
  });

  it('refuses a corrupt file, an unknown version, a bad keyring and a missing file, changing nothing', () => {
    const a = tempDir();
    const dir = tempDir();
    const file = join(dir, 'backup.json');
    ok(labboot(a, ['config', 'export', file]));
    const good = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, readFileSync(file, 'utf8').slice(0, 40));
    failsWith(
      labboot(a, ['config', 'import', truncated]),
      /The file .*truncated\.json is not JSON/,
    );

    const newer = join(dir, 'newer.json');
    writeFileSync(newer, JSON.stringify({ ...good, 'labboot-config': 2 }));
    failsWith(
      labboot(a, ['config', 'import', newer]),
      /is a LabBoot configuration backup of version 2, but this LabBoot reads version 1 only/,
    );

    const badKeyring = join(dir, 'bad-keyring.json');
    writeFileSync(
      badKeyring,
      JSON.stringify({
        ...good,
        selections: [{ os: 'ubuntu', release: 'noble', arch: 'amd64' }],
        sources: [
          {
            name: 'evil',
            url: 'http://evil.lab/',
            keyring: 'custom',
            keyringBase64: Buffer.from('garbage keyring').toString('base64'),
            fingerprints: ['00112233445566778899AABBCCDDEEFF00112233'],
          },
        ],
      }),
    );
    failsWith(
      labboot(a, ['config', 'import', badKeyring]),
      /The keyring of source "evil" in the backup is not an OpenPGP public key file/,
    );

    const wrongShape = join(dir, 'wrong.json');
    writeFileSync(wrongShape, JSON.stringify({ ...good, selections: 'all' }));
    failsWith(labboot(a, ['config', 'import', wrongShape]), /damaged .* at selections/);

    const badReservation = join(dir, 'bad-reservation.json');
    writeFileSync(
      badReservation,
      JSON.stringify({
        ...good,
        selections: [{ os: 'ubuntu', release: 'noble', arch: 'amd64' }],
        reservations: [{ mac: '52:54:00:00:00:01', ip: '10.0.0.300' }],
      }),
    );
    failsWith(
      labboot(a, ['config', 'import', badReservation]),
      /damaged .*must be an IPv4 address written like 10\.0\.0\.50 at reservations\.0\.ip/,
    );

    failsWith(
      labboot(a, ['config', 'import', join(dir, 'nope.json')]),
      /Cannot read the backup file/,
    );
    expect(JSON.parse(ok(labboot(a, ['--json', 'select', 'list'])).stdout)).toEqual([]);
  });
});

describe('labboot service install / uninstall', () => {
  it('refuses before anything was ever served', () => {
    failsWith(labboot(tempDir(), ['service', 'install', '--print']), /has never served/);
  });

  it('writes a unit for the remembered start that systemd-analyze accepts, and removes it', () => {
    const data = tempDir();
    const db = openDatabase(join(data, 'labboot.sqlite'));
    new SettingsStore(db).set('boot.lastStart', {
      interfaceName: 'lab0',
      address: null,
      dhcp: 'proxy',
      range: null,
    });
    db.close();
    const printed = ok(labboot(data, ['service', 'install', '--system', '--print']));
    expect(printed.stdout).toMatch(
      /^ExecStart=\S+ \S+labboot\.mjs --data %S\/labboot serve --interface lab0 --dhcp proxy$/m,
    );
    expect(printed.stdout).toMatch(/^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m);

    const unitDir = join(tempDir(), 'units');
    const installed = ok(labboot(data, ['service', 'install', '--system', '--unit-dir', unitDir]));
    const unitPath = join(unitDir, 'labboot.service');
    expect(installed.stdout).toContain(
      `Wrote ${unitPath}; the service keeps its data in /var/lib/labboot.`,
    );
    const verify = spawnSync('systemd-analyze', ['verify', unitPath], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(`${verify.stdout}${verify.stderr}`).not.toMatch(/labboot\.service/);
    expect(verify.status).toBe(0);

    expect(
      ok(labboot(data, ['service', 'uninstall', '--system', '--unit-dir', unitDir])).stdout,
    ).toMatch(/^Removed .*labboot\.service\./);
    expect(existsSync(unitPath)).toBe(false);
    expect(
      ok(labboot(data, ['service', 'uninstall', '--system', '--unit-dir', unitDir])).stdout,
    ).toMatch(/nothing to remove/);
    expect(labboot(data, ['service', 'install', '--user', '--system', '--print']).status).toBe(2);
  });
});

describe('labboot schedule', () => {
  it('shows and sets the sync interval, records it in the log file, and refuses unknown ones', () => {
    const data = tempDir();
    expect(ok(labboot(data, ['schedule'])).stdout).toMatch(
      /^Scheduled sync: off\.\nLast run: never\./,
    );
    expect(ok(labboot(data, ['schedule', 'weekly'])).stdout).toMatch(/^Scheduled sync: weekly\./);
    const shown = JSON.parse(ok(labboot(data, ['--json', 'schedule'])).stdout) as {
      interval: string;
      active: boolean;
    };
    expect(shown).toMatchObject({ interval: 'weekly', active: false });
    expect(readFileSync(join(data, 'labboot.log'), 'utf8')).toMatch(
      /INFO {2}\[schedule\] scheduled sync: weekly\n$/,
    );
    expect(labboot(data, ['schedule', 'hourly']).status).toBe(2);
  });
});

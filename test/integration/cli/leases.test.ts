/**
 * `labboot leases`, `leases reserve` and `leases unreserve` (the bundled CLI) as separate processes
 * on one store:
 * reservations are checked against the remembered full-DHCP setup (here full DHCP on `lo`,
 * 127.0.0.1/8, range 127.0.0.100-127.0.0.200), refused in one sentence when they cannot work, and
 * kept across processes; leases are listed with MAC, IP, hostname and expiry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { LeaseStore } from '../../../src-main/boot/dhcp/lease-store';
import { LAST_START_SETTING } from '../../../src-main/boot/boot-service';
import type { BootLastStart } from '../../../src-shared/contract/boot';
import type { MachinesView, ReservationView } from '../../../src-shared/contract/machines';
import { runBundledCli, type BundledCliResult as CliResult } from '../../helpers/run-bundled-cli';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir();
const dataDir = join(tmp.path, 'data');
const OWNER = '52:54:00:12:34:56';
const OTHER = '52:54:00:65:43:21';
const LEASED_TO = '52:54:00:aa:bb:cc';
const leasedUntil = Date.now() + 3_600_000;

const labboot = (...args: string[]): Promise<CliResult> =>
  runBundledCli(['--data', dataDir, ...args]);

/** refused checks a failed command: exit 1 and exactly one line on stderr. */
function refused(r: CliResult): string {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

beforeAll(async () => {
  // The first run makes the store; a full-DHCP start on lo and one bound lease are then written
  // as `labboot serve --interface lo --dhcp full` would have left them.
  expect((await labboot('leases')).status).toBe(0);
  const db = openDatabase(join(dataDir, 'labboot.sqlite'));
  try {
    const last: BootLastStart = {
      interfaceName: 'lo',
      address: null,
      dhcp: 'full',
      range: '127.0.0.100-127.0.0.200',
    };
    new SettingsStore(db).set(LAST_START_SETTING, last);
    new LeaseStore(db, 'lo').put(
      {
        ip: '127.0.0.120',
        mac: LEASED_TO,
        state: 'bound',
        hostname: 'node7',
        expiresAt: leasedUntil,
      },
      Date.now(),
    );
  } finally {
    db.close();
  }
}, 60_000);

afterAll(() => tmp.remove());

describe('labboot leases', () => {
  it('before any full-DHCP start, refuses a reservation and says how to get one', async () => {
    const empty = makeTempDir();
    try {
      const r = await runBundledCli(['--data', empty.path, 'leases', 'reserve', OWNER, '10.0.0.5']);
      expect(refused(r)).toMatch(
        /^labboot: Reservations are checked against the full-DHCP setup, and LabBoot has not served full DHCP yet; start it once \(labboot serve --interface NAME --dhcp full/,
      );
    } finally {
      empty.remove();
    }
  });

  it('reserves an address in the range and one outside it, and says so', async () => {
    const [inPool, outside] = await Promise.all([
      labboot('--json', 'leases', 'reserve', '52-54-00-12-34-56', '127.0.0.150'),
      labboot('leases', 'reserve', OTHER, '127.0.0.20'),
    ]);
    expect(inPool.status, inPool.stderr).toBe(0);
    expect(JSON.parse(inPool.stdout) as ReservationView).toMatchObject({
      mac: OWNER,
      ip: '127.0.0.150',
      inPool: true,
      unused: false,
    });
    expect(outside.status, outside.stderr).toBe(0);
    expect(outside.stdout).toBe(
      `Reserved 127.0.0.20 for ${OTHER}; it is outside the DHCP range, so make sure no other host uses it.\n`,
    );
  });

  it('refuses bad input in one sentence each', async () => {
    const [badMac, offSubnet, broadcast, network, ours, taken, leased, badIp] = await Promise.all([
      labboot('leases', 'reserve', 'not-a-mac', '127.0.0.151'),
      labboot('leases', 'reserve', '52:54:00:00:00:01', '10.0.0.5'),
      labboot('leases', 'reserve', '52:54:00:00:00:01', '127.255.255.255'),
      labboot('leases', 'reserve', '52:54:00:00:00:01', '127.0.0.0'),
      labboot('leases', 'reserve', '52:54:00:00:00:01', '127.0.0.1'),
      labboot('leases', 'reserve', '52:54:00:00:00:01', '127.0.0.150'),
      labboot('leases', 'reserve', '52:54:00:00:00:01', '127.0.0.120'),
      labboot('leases', 'reserve', '52:54:00:00:00:01', '127.0.0.1234'),
    ]);
    expect(refused(badMac)).toBe(
      'labboot: "not-a-mac" is not a MAC address; write it like 52:54:00:12:34:56.',
    );
    expect(refused(offSubnet)).toBe(
      "labboot: 10.0.0.5 is not on lo's subnet 127.0.0.0/8, which full DHCP serves; pick an address from that subnet.",
    );
    expect(refused(broadcast)).toMatch(/is the broadcast address of 127\.0\.0\.0\/8/);
    expect(refused(network)).toMatch(/is the network address of 127\.0\.0\.0\/8/);
    expect(refused(ours)).toMatch(/127\.0\.0\.1 is LabBoot's own address on lo/);
    expect(refused(taken)).toBe(
      `labboot: 127.0.0.150 is already reserved for ${OWNER}; pick another address, or remove that reservation first (labboot leases unreserve ${OWNER}).`,
    );
    expect(refused(leased)).toMatch(
      new RegExp(`^labboot: 127\\.0\\.0\\.120 is leased to ${LEASED_TO} until .*; pick another`),
    );
    expect(refused(badIp)).toMatch(/"127\.0\.0\.1234" is not an IPv4 address/);
    expect((await labboot('leases', 'reserve', OWNER)).status).toBe(2);
  });

  it('lists leases and reservations, as a table and as JSON', async () => {
    const [human, json] = await Promise.all([labboot('leases'), labboot('--json', 'leases')]);
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toContain(
      'Full DHCP on lo (127.0.0.1, subnet 127.0.0.0/8, range 127.0.0.100-127.0.0.200).',
    );
    expect(human.stdout).toMatch(/MAC\s+IP\s+HOSTNAME\s+STATE\s+EXPIRES\s+INTERFACE/);
    expect(human.stdout).toMatch(
      new RegExp(`${LEASED_TO}\\s+127\\.0\\.0\\.120\\s+node7\\s+bound\\s+\\S+Z\\s+lo`),
    );
    expect(human.stdout).toMatch(/127\.0\.0\.20\s+outside the range/);
    const view = JSON.parse(json.stdout) as MachinesView;
    expect(view.setup).toEqual({
      interfaceName: 'lo',
      address: '127.0.0.1',
      subnet: '127.0.0.0/8',
      range: '127.0.0.100-127.0.0.200',
    });
    expect(view.leases).toEqual([
      {
        mac: LEASED_TO,
        ip: '127.0.0.120',
        hostname: 'node7',
        state: 'bound',
        expiresAt: new Date(leasedUntil).toISOString(),
        expired: false,
        interfaceName: 'lo',
        reserved: false,
      },
    ]);
    // Sorted by address as numbers: .20 before .150.
    expect(view.reservations.map((r) => [r.mac, r.ip, r.inPool])).toEqual([
      [OTHER, '127.0.0.20', false],
      [OWNER, '127.0.0.150', true],
    ]);
  });

  it('moves a reservation, removes it, and refuses removing one that is not there', async () => {
    const moved = await labboot('--json', 'leases', 'reserve', OWNER, '127.0.0.151');
    expect(moved.status, moved.stderr).toBe(0);
    const gone = await labboot('--json', 'leases', 'unreserve', OWNER.toUpperCase());
    expect(JSON.parse(gone.stdout)).toEqual({ mac: OWNER, removed: true });
    expect(refused(await labboot('leases', 'unreserve', OWNER))).toBe(
      `labboot: ${OWNER} has no reservation, so there is nothing to remove; labboot leases lists the reservations.`,
    );
    const view = JSON.parse((await labboot('--json', 'leases')).stdout) as MachinesView;
    expect(view.reservations.map((r) => r.mac)).toEqual([OTHER]);
  });
});

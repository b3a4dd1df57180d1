/**
 * Reservations in the real DHCP server (sockets bound to a namespaced NIC, full mode): an address
 * reserved while the server runs, written by another process into the same store, is offered to its
 * MAC at the next DISCOVER, even when the MAC asks for another; a different MAC asking for the
 * reserved address is offered a free one instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, canUseNetns } from '../../../helpers/netns/netns-lab';
import type { ClientArgs, ClientReply } from '../../../helpers/netns/dhcp-client-cli';
import { openDatabase } from '../../../../src-main/store/database';
import { ReservationStore } from '../../../../src-main/boot/dhcp/reservation-store';

const root = process.cwd();
const node = process.execPath;
const OWNER = '52:54:00:83:00:01';
const OTHER = '52:54:00:83:00:02';

if (!canUseNetns()) {
  throw new Error('These tests need root for network namespaces (run CI as root).');
}

describe('the full-mode DHCP server honours reservations', () => {
  const lab = new NetnsLab('rs');
  const tmp = mkdtempSync(join(tmpdir(), 'labboot-dhcp-res-'));
  const dbFile = join(tmp, 'res.sqlite');
  let srv = '';
  let cli = '';

  const discover = async (
    mac: string,
    xid: number,
    requestedIp?: string,
  ): Promise<ClientReply[]> => {
    const args: ClientArgs = {
      type: 1,
      mac,
      xid,
      interfaceName: 'eth0',
      serverPort: 67,
      listenMs: 1200,
      ...(requestedIp === undefined ? {} : { requestedIp }),
    };
    const p = lab.run(
      cli,
      node,
      ['--import', 'tsx', 'test/helpers/netns/dhcp-client-cli.ts', JSON.stringify(args)],
      { cwd: root },
    );
    await p.waitFor(/^DONE/, 30_000);
    return p
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as ClientReply);
  };

  beforeAll(() => {
    srv = lab.ns('srv');
    cli = lab.ns('cli');
    for (const ns of [srv, cli]) lab.disableIpv6(ns);
    lab.veth(srv, 'nic', cli, 'eth0');
    lab.addr(srv, 'nic', '10.83.0.1/24');
  });

  afterAll(async () => {
    await lab.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('offers a reservation made while serving, and never the reserved address to another MAC', async () => {
    const server = lab.run(
      srv,
      node,
      [
        '--import',
        'tsx',
        'test/helpers/netns/dhcp-server-cli.ts',
        JSON.stringify({
          mode: 'full',
          interfaceName: 'nic',
          subnet: { address: '10.83.0.1', prefixLength: 24 },
          mac: lab.macOf(srv, 'nic'),
          targets: { bios: 'lpxelinux.0', uefiX64: 'bootx64.efi' },
          range: { first: '10.83.0.100', last: '10.83.0.110' },
          probeMs: 0,
          dbFile,
        }),
      ],
      { cwd: root },
    );
    await server.waitFor(/^(READY|ERROR)/, 30_000);
    expect(server.stdout()).toContain('READY');

    expect((await discover(OWNER, 1)).map((r) => r.yiaddr)).toEqual(['10.83.0.100']);
    // Another process reserves addresses in the server's store while it runs.
    const db = openDatabase(dbFile);
    try {
      const reservations = new ReservationStore(db);
      reservations.set(OWNER, '10.83.0.107', Date.now());
      reservations.set('52:54:00:83:00:09', '10.83.0.101', Date.now());
    } finally {
      db.close();
    }
    expect((await discover(OWNER, 2, '10.83.0.100')).map((r) => [r.type, r.yiaddr])).toEqual([
      [2, '10.83.0.107'],
    ]);
    // OTHER asks for an address reserved for someone else: offered the lowest free one instead
    // (.100, which OWNER let go when it moved to its reservation).
    expect((await discover(OTHER, 3, '10.83.0.101')).map((r) => r.yiaddr)).toEqual(['10.83.0.100']);
    await lab.stop(server);
  });
});

/**
 * LabBoot's DHCP server in real network namespaces: two NICs in one server namespace, each on its
 * own segment, prove the interface binding (answers leave only through the chosen NIC, requests
 * from the other segment are not seen); a dnsmasq "home router" proves the full-mode probe; a
 * default route through the served NIC proves that no reply goes to an off-subnet address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDnsmasqConf } from '../../../helpers/netns/dnsmasq-conf';
import { NetnsLab, canUseNetns, ip, type LabProcess } from '../../../helpers/netns/netns-lab';
import type { ClientArgs, ClientReply } from '../../../helpers/netns/dhcp-client-cli';
import type { ServerArgs } from '../../../helpers/netns/dhcp-server-cli';

const root = process.cwd();
const node = process.execPath;
const targetsA = { bios: 'a-lpxelinux.0', uefiX64: 'a-bootx64.efi' };
const targetsB = { bios: 'b-lpxelinux.0', uefiX64: 'b-bootx64.efi' };
const BIOS = 'PXEClient:Arch:00000:UNDI:002001';

if (!canUseNetns()) {
  throw new Error('These tests need root for network namespaces (run CI as root).');
}

describe('DHCP bound to one interface (two namespaced NICs)', () => {
  const lab = new NetnsLab('dh');
  const tmp = mkdtempSync(join(tmpdir(), 'labboot-dhcp-'));
  let srv = '';
  let cliA = '';
  let cliB = '';
  let rtr = '';

  const startServer = async (args: Omit<ServerArgs, 'dbFile'>, db: string): Promise<LabProcess> => {
    const p = lab.run(
      srv,
      node,
      [
        '--import',
        'tsx',
        'test/helpers/netns/dhcp-server-cli.ts',
        JSON.stringify({ ...args, dbFile: join(tmp, db) }),
      ],
      { cwd: root },
    );
    await p.waitFor(/^(READY|ERROR)/, 30_000);
    return p;
  };

  const client = async (ns: string, args: ClientArgs): Promise<ClientReply[]> => {
    const p = lab.run(
      ns,
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
    cliA = lab.ns('a');
    cliB = lab.ns('b');
    rtr = lab.ns('rtr');
    for (const ns of [srv, cliA, cliB, rtr]) lab.disableIpv6(ns);
    lab.veth(srv, 'nic-a', cliA, 'eth0');
    lab.veth(srv, 'nic-b', cliB, 'eth0');
    lab.addr(srv, 'nic-a', '10.81.1.1/24');
    lab.addr(srv, 'nic-b', '10.81.2.1/24');
    // Segment C: the server's third NIC shares a wire with a dnsmasq "home router".
    lab.veth(srv, 'nic-c', rtr, 'eth0');
    lab.addr(srv, 'nic-c', '10.81.3.1/24');
    lab.addr(rtr, 'eth0', '10.81.3.254/24');
  });

  afterAll(async () => {
    await lab.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('answers only on the chosen NIC, and two servers on port 67 stay apart', async () => {
    const a = await startServer(
      {
        mode: 'proxy',
        interfaceName: 'nic-a',
        subnet: { address: '10.81.1.1', prefixLength: 24 },
        mac: lab.macOf(srv, 'nic-a'),
        targets: targetsA,
      },
      'a.sqlite',
    );
    expect(a.stdout()).toContain('READY');
    const req = {
      type: 1,
      vendorClass: BIOS,
      arch: 0,
      interfaceName: 'eth0',
      serverPort: 67,
      listenMs: 1500,
    };
    // Only nic-a is served: the client on segment B hears nothing although 0.0.0.0:67 is bound.
    const [fromA, fromB] = await Promise.all([
      client(cliA, { ...req, mac: '52:54:00:81:01:10', xid: 101 }),
      client(cliB, { ...req, mac: '52:54:00:81:02:10', xid: 102 }),
    ]);
    expect(fromA).toEqual([
      expect.objectContaining({
        from: '10.81.1.1',
        type: 2,
        yiaddr: '0.0.0.0',
        siaddr: '10.81.1.1',
        file: 'a-lpxelinux.0',
        serverId: '10.81.1.1',
        vendorClass: 'PXEClient',
      }),
    ]);
    expect(fromB).toEqual([]);
    expect(a.stdout()).not.toContain('52:54:00:81:02:10');

    // A second server bound to nic-b on the same port: each segment gets its own server's answer.
    const b = await startServer(
      {
        mode: 'proxy',
        interfaceName: 'nic-b',
        subnet: { address: '10.81.2.1', prefixLength: 24 },
        mac: lab.macOf(srv, 'nic-b'),
        targets: targetsB,
      },
      'b.sqlite',
    );
    expect(b.stdout()).toContain('READY');
    const [againA, againB] = await Promise.all([
      client(cliA, { ...req, mac: '52:54:00:81:01:11', xid: 103 }),
      client(cliB, { ...req, mac: '52:54:00:81:02:11', xid: 104 }),
    ]);
    expect(againA.map((r) => [r.siaddr, r.file])).toEqual([['10.81.1.1', 'a-lpxelinux.0']]);
    expect(againB.map((r) => [r.siaddr, r.file])).toEqual([['10.81.2.1', 'b-lpxelinux.0']]);
    expect(b.stdout()).not.toContain('52:54:00:81:01:11');
    await lab.stop(a);
    await lab.stop(b);
  });

  it('full mode hands out addresses on its NIC and refuses to start beside another DHCP server', async () => {
    const full = await startServer(
      {
        mode: 'full',
        interfaceName: 'nic-b',
        subnet: { address: '10.81.2.1', prefixLength: 24 },
        mac: lab.macOf(srv, 'nic-b'),
        targets: targetsB,
        range: { first: '10.81.2.100', last: '10.81.2.110' },
        probeMs: 1500,
      },
      'full.sqlite',
    );
    expect(full.stdout()).toContain('READY');
    const offers = await client(cliB, {
      type: 1,
      mac: '52:54:00:81:02:20',
      xid: 201,
      interfaceName: 'eth0',
      serverPort: 67,
      listenMs: 1500,
    });
    expect(offers.map((r) => [r.type, r.yiaddr, r.serverId])).toEqual([
      [2, '10.81.2.100', '10.81.2.1'],
    ]);
    await lab.stop(full);

    const conf = join(tmp, 'rtr.conf');
    writeDnsmasqConf(conf, join(tmp, 'rtr.leases'), [
      'dhcp-authoritative',
      'dhcp-range=10.81.3.100,10.81.3.199,255.255.255.0,1h',
    ]);
    const router = lab.run(rtr, 'dnsmasq', ['-k', `--conf-file=${conf}`, '--log-facility=-']);
    await new Promise((r) => setTimeout(r, 500));
    expect(router.child.exitCode).toBeNull();
    const refused = await startServer(
      {
        mode: 'full',
        interfaceName: 'nic-c',
        subnet: { address: '10.81.3.1', prefixLength: 24 },
        mac: lab.macOf(srv, 'nic-c'),
        targets: targetsA,
        probeMs: 4500,
      },
      'refused.sqlite',
    );
    expect(refused.stdout()).toMatch(
      /^ERROR dhcp-other-server Another DHCP server \(10\.81\.3\.254, offering 10\.81\.3\.1\d\d\) already answers on nic-c/m,
    );
    await refused.exited;
    await lab.stop(router);
  });

  it('answers INFORM on the subnet but never unicasts to an off-subnet ciaddr via the default route', async () => {
    // Segment D: the server's default route points at the client's namespace, which also owns the
    // off-subnet address, so any reply the server sends there would arrive at the client.
    const cliD = lab.ns('d');
    lab.disableIpv6(cliD);
    lab.veth(srv, 'nic-d', cliD, 'eth0');
    lab.addr(srv, 'nic-d', '10.81.4.1/24');
    lab.addr(cliD, 'eth0', '10.81.4.254/24');
    lab.addr(cliD, 'eth0', '192.168.77.7/32');
    ip('-n', srv, 'route', 'add', 'default', 'via', '10.81.4.254', 'dev', 'nic-d');
    const full = await startServer(
      {
        mode: 'full',
        interfaceName: 'nic-d',
        subnet: { address: '10.81.4.1', prefixLength: 24 },
        mac: lab.macOf(srv, 'nic-d'),
        targets: targetsA,
        range: { first: '10.81.4.100', last: '10.81.4.110' },
        probeMs: 0,
      },
      'inform.sqlite',
    );
    expect(full.stdout()).toContain('READY');
    const inform = { type: 8, interfaceName: 'eth0', serverPort: 67, listenMs: 1500 };
    const onNet = await client(cliD, {
      ...inform,
      mac: '52:54:00:81:04:10',
      xid: 401,
      ciaddr: '10.81.4.254',
    });
    expect(onNet.map((r) => [r.from, r.type, r.xid])).toEqual([['10.81.4.1', 5, 401]]);
    const offNet = await client(cliD, {
      ...inform,
      mac: '52:54:00:81:04:11',
      xid: 402,
      ciaddr: '192.168.77.7',
    });
    expect(offNet).toEqual([]);
    await full.waitFor(/"stage":"dhcp-refused"/, 5000);
    expect(full.stdout()).toContain(
      "INFORM: no reply to 192.168.77.7: off the interface's subnet 10.81.4.0/24",
    );
    await lab.stop(full);
  });
});

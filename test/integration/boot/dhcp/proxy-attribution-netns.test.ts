/**
 * Beside a home router LabBoot sees only what DHCP clients broadcast, never the router's ACK or
 * NAK. When two machines booting together are offered the same address, both REQUEST it; the
 * router ACKs the first and NAKs the second, which asked last. (Seen with 20 VMs beside dnsmasq.)
 * The TFTP and HTTP requests then coming from that address are the first machine's, and the boot
 * log must say so: `labboot serve --dhcp proxy` runs in its own namespace on a bridge with two
 * client namespaces, each client's REQUEST is the packet an iPXE ROM broadcasts, and the holder
 * fetches with curl and tftp-hpa from the address the router gave it. The second machine's step
 * says that the router offered the address to both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NetnsLab, canUseNetns, ip, type LabProcess } from '../../../helpers/netns/netns-lab';
import type { ClientArgs } from '../../../helpers/netns/dhcp-client-cli';
import { repoRoot } from '../../../helpers/console-process';
import { startServe } from '../../../e2e/pxe/serve-process';
import { runBundledCli } from '../../../helpers/run-bundled-cli';
import { makeTempDir } from '../../../helpers/temp-dir';
import { until } from '../../../helpers/until';
import { MessageType } from '../../../../src-main/boot/dhcp/options';

if (!canUseNetns())
  throw new Error('This test needs root for network namespaces (run CI as root).');

const SUBNET = '10.218.0';
const SERVER = `${SUBNET}.1`;
const ROUTER = `${SUBNET}.254`;
const CONTESTED = `${SUBNET}.169`;
const HTTP_PORT = 15253;
const HOLDER = '52:54:00:77:41:04';
const REFUSED = '52:54:00:77:41:02';

interface LogRow {
  readonly protocol: string;
  readonly stage: string;
  readonly mac: string | null;
  readonly clientIp: string | null;
  readonly detail: string;
}

describe('proxy DHCP: an address the router offered to two machines', () => {
  const lab = new NetnsLab('pa');
  const tmp = makeTempDir('labboot-proxy-attribution-');
  const data = join(tmp.path, 'data');
  let srv = '';
  let holder = '';
  let refused = '';
  let serve: LabProcess | undefined;

  /** request broadcasts, from `ns`, the REQUEST an iPXE ROM sends for the router's offer. */
  const request = async (ns: string, mac: string, xid: number): Promise<void> => {
    const args: ClientArgs = {
      interfaceName: 'eth0',
      serverPort: 67,
      localPort: 68,
      listenMs: 300,
      type: MessageType.Request,
      mac,
      xid,
      vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
      arch: 0,
      userClass: 'iPXE',
      requestedIp: CONTESTED,
      serverId: ROUTER,
    };
    const p = lab.run(
      ns,
      process.execPath,
      ['--import', 'tsx', 'test/helpers/netns/dhcp-client-cli.ts', JSON.stringify(args)],
      { cwd: repoRoot },
    );
    await until(`${mac}'s REQUEST`, 30_000, () => p.stdout().includes('DONE'));
    const line = `${mac} proxy-client-address ${CONTESTED}`;
    await until(`serve to log "${line}"`, 5_000, () => serve?.stdout().includes(line) === true);
  };

  beforeAll(async () => {
    srv = lab.ns('srv');
    lab.disableIpv6(srv);
    lab.bridge(srv, 'br0');
    lab.addr(srv, 'br0', `${SERVER}/24`);
    for (const [name, mac] of [
      ['holder', HOLDER],
      ['refused', REFUSED],
    ] as const) {
      const ns = lab.ns(name);
      lab.disableIpv6(ns);
      lab.veth(srv, `p-${name}`, ns, 'eth0');
      lab.attach(srv, `p-${name}`, 'br0');
      ip('-n', ns, 'link', 'set', 'eth0', 'address', mac);
      if (name === 'holder') holder = ns;
      else refused = ns;
    }
    serve = await startServe(
      lab,
      srv,
      data,
      [
        '--interface',
        'br0',
        '--dhcp',
        'proxy',
        '--tftp-port',
        '69',
        '--http-port',
        String(HTTP_PORT),
      ],
      { timeoutMs: 25_000 },
    );
  }, 60_000);

  afterAll(async () => {
    await lab.dispose();
    tmp.remove();
  });

  it('ties the TFTP and HTTP requests from it to the machine holding it, not to the one that asked last', async () => {
    // The router ACKs the holder first; the other machine's REQUEST for the same address comes
    // after (the router NAKs it, which LabBoot cannot see), and that machine holds no address.
    await request(holder, HOLDER, 0x4104);
    ip('-n', holder, 'addr', 'add', `${CONTESTED}/24`, 'dev', 'eth0');
    await request(refused, REFUSED, 0x4102);

    const script = execFileSync(
      'ip',
      [
        'netns',
        'exec',
        holder,
        'curl',
        '-sS',
        '--max-time',
        '10',
        `http://${SERVER}:${HTTP_PORT}/boot.ipxe`,
      ],
      { encoding: 'utf8' },
    );
    expect(script).toMatch(/^#!ipxe/);
    // tftp-hpa asks for a file the store does not have: a refusal is a step of the timeline too.
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        holder,
        'tftp',
        SERVER,
        '-m',
        'binary',
        '-c',
        'get',
        'lpxelinux.0',
        '/dev/null',
      ],
      {
        encoding: 'utf8',
        timeout: 15_000,
      },
    );
    const out = (): string => serve?.stdout() ?? '';
    await until(
      'the HTTP and TFTP steps',
      10_000,
      () => / http \S+ GET \/boot\.ipxe 200 /.test(out()) && / tftp \S+ lpxelinux\.0 /.test(out()),
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; serve wrote:\n${out()}`);
    });
    if (serve !== undefined) await lab.stop(serve);

    const log = await runBundledCli(['--data', data, '--json', 'log', '--limit', '1000']);
    expect(log.status, log.stderr).toBe(0);
    const rows = log.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogRow);
    const fetched = rows.filter((r) => r.protocol !== 'dhcp' && r.clientIp === CONTESTED);
    expect(fetched.map((r) => r.protocol).sort()).toEqual(['http', 'tftp']);
    for (const r of fetched) expect(r.mac, `${r.protocol} ${r.stage} ${r.detail}`).toBe(HOLDER);
    // What LabBoot saw of DHCP stays in the log as it was: both machines asked for it.
    const asked = rows.filter((r) => r.stage === 'proxy-client-address');
    expect(asked.map((r) => r.mac).sort()).toEqual([REFUSED, HOLDER].sort());
    // And the machine that asked second hears why it may be refused.
    expect(asked.find((r) => r.mac === REFUSED)?.detail).toMatch(
      new RegExp(
        `which ${HOLDER} asked it for too: the router offered it to both and will refuse one`,
      ),
    );
    expect(asked.find((r) => r.mac === HOLDER)?.detail).toBe(`${CONTESTED} from ${ROUTER}`);
  }, 90_000);
});

/**
 * BootService over a store filled by a real sync: start/stop/status, per-MAC choices taking effect
 * on the next request, SSH key and hostname checks, boot-log rows for served requests, DHCP modes
 * (range checks, proxy answers on loopback high ports) with the MAC carried onto TFTP/HTTP events,
 * and the remembered last start. Every packet goes to 127.0.0.1 only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { requireBinaries, run } from '../../helpers/boot/udp-tools';
import { BootResources } from '../../../src-main/store/boot-resources';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { BootService } from '../../../src-main/boot/boot-service';
import { createSocket, type Socket } from 'node:dgram';
import { listInterfaces } from '../../../src-main/net/interfaces';
import { encodeDhcp, decodeDhcp } from '../../../src-main/boot/dhcp/codec';
import { buildRequest } from '../../../src-main/boot/dhcp/request';
import { MessageType, messageTypeOf } from '../../../src-main/boot/dhcp/options';
import type { BootServeEvent } from '../../../src-shared/boot/events';

/**
 * The machine's interfaces, with a MAC given to loopback: DHCP identifies its server by the NIC's
 * MAC and `lo` has none, yet loopback is the only place this test may send DHCP packets.
 */
const interfaces = () =>
  listInterfaces().map((n) => (n.name === 'lo' ? { ...n, mac: '00:00:00:00:00:00' } : n));

let env: SyncEnv;
let boot: BootService;
const seen: BootServeEvent[] = [];

beforeAll(async () => {
  await requireBinaries(['curl']);
  env = await makeSyncEnv({ key: await generateTestKey() });
  const error = await env.run();
  if (error !== undefined) throw error;
  boot = new BootService({
    db: env.db,
    bootResources: new BootResources(env.db, env.dataDir),
    settings: new SettingsStore(env.db),
    interfaces,
  });
  boot.onEvent((e) => seen.push(e));
});

afterAll(async () => {
  await boot?.dispose();
  await env?.cleanup();
});

const fetchText = async (port: number, path: string): Promise<string> =>
  (await run('curl', ['-sSf', `http://127.0.0.1:${port}${path}`])).stdout;

describe('BootService', () => {
  it('starts on the loopback interface, reports its parts, and refuses a second start', async () => {
    const status = await boot.start({ interfaceName: 'lo', tftpPort: 0, httpPort: 0 });
    expect(status).toMatchObject({ running: true, address: '127.0.0.1', interfaceName: 'lo' });
    expect(status.warnings[0]).toMatch(/^lo: Loopback/);
    expect(status.parts.map((p) => [p.name, p.state])).toEqual([
      ['http', 'running'],
      ['tftp', 'running'],
    ]);
    await expect(boot.start({ address: '127.0.0.1' })).rejects.toThrow(
      /already serving on 127\.0\.0\.1/,
    );
  });

  it('applies per-MAC choices on the next request and falls back to the default', async () => {
    const port = boot.status().parts.find((p) => p.name === 'http')?.port ?? 0;
    boot.setChoice({ mac: 'default', action: 'image', image: 'ubuntu/jammy/amd64' });
    boot.setChoice({ mac: '52-54-00-00-00-01', action: 'local' });
    boot.setChoice({
      mac: '52:54:00:00:00:02',
      action: 'image',
      image: 'ubuntu/jammy/amd64/hwe-22.04-lowlatency',
      hostname: 'rt-box',
    });
    expect(await fetchText(port, '/grub/grub.cfg-52:54:00:00:00:01')).toContain(
      "menuentry 'Local'",
    );
    const rt = await fetchText(port, '/pxelinux.cfg/01-52-54-00-00-00-02');
    expect(rt).toContain('/ubuntu/amd64/hwe-22.04-lowlatency/jammy/stable/boot-kernel');
    expect(rt).toContain('ip=::::rt-box:BOOTIF');
    const other = await fetchText(port, '/ipxe.cfg-52-54-00-00-00-03');
    expect(other).toContain('/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel');
    expect(await fetchText(port, '/cloud-init/52:54:00:00:00:02/meta-data')).toBe(
      'instance-id: labboot-52-54-00-00-00-02\nlocal-hostname: rt-box\n',
    );
  });

  it('refuses images that are not stored, bad hostnames and bad SSH keys in one sentence', () => {
    expect(() =>
      boot.setChoice({ mac: 'default', action: 'image', image: 'ubuntu/noble/amd64' }),
    ).toThrow(/not in the store.*labboot sync/);
    expect(() => boot.setChoice({ mac: 'default', action: 'local', hostname: 'bad_name' })).toThrow(
      /not a valid hostname/,
    );
    expect(() => boot.setSshKeys(['not a key'])).toThrow(/is not an SSH public key/);
    boot.setSshKeys(['# comment', 'ssh-ed25519 AAAAC3Nz admin@x', '']);
    expect(boot.sshKeys()).toEqual(['ssh-ed25519 AAAAC3Nz admin@x']);
  });

  it('records served requests in the boot log and stops cleanly', async () => {
    expect(seen.some((e) => e.protocol === 'http' && e.status === 200)).toBe(true);
    const status = await boot.stop();
    // Stopping wrote the boot log's last batch.
    const rows = env.db
      .prepare('SELECT protocol, stage, client_ip AS clientIp FROM boot_events')
      .all();
    expect(rows).toContainEqual({ protocol: 'http', stage: 'http-sent', clientIp: '127.0.0.1' });
    expect(status).toEqual({
      running: false,
      address: null,
      interfaceName: null,
      mtu: null,
      warnings: [],
      parts: [],
      dhcp: null,
      limitations: [],
      lastStart: { interfaceName: 'lo', address: null, dhcp: 'off', range: null },
    });
  });
});

const DHCP_PORT = 16967;
const MAC = '52:54:00:ab:cd:01';
const BIOS = 'PXEClient:Arch:00000:UNDI:002001';

describe('BootService with DHCP', () => {
  let client: Socket | undefined;

  afterAll(async () => {
    await boot.stop();
    if (client) await new Promise<void>((resolve) => client!.close(() => resolve()));
  });

  it('refuses a full-mode range outside the interface subnet and a range without full mode', async () => {
    await expect(
      boot.start({
        interfaceName: 'lo',
        dhcp: 'full',
        range: '10.0.0.10-10.0.0.20',
        tftpPort: 0,
        httpPort: 0,
      }),
    ).rejects.toThrow(/not inside lo's subnet 127\.0\.0\.0\/8/);
    await expect(
      boot.start({ interfaceName: 'lo', range: '127.0.0.10-127.0.0.20', tftpPort: 0, httpPort: 0 }),
    ).rejects.toThrow(/only applies to full DHCP/);
    await expect(
      boot.start({
        interfaceName: 'lo',
        dhcp: 'proxy',
        range: '127.0.0.10-127.0.0.20',
        tftpPort: 0,
        httpPort: 0,
      }),
    ).rejects.toThrow(/--range only applies to --dhcp full/);
    expect(boot.status().running).toBe(false);
  });

  it('starts DHCP off as a part with its note, and remembers the start', async () => {
    const status = await boot.start({ interfaceName: 'lo', dhcp: 'off', tftpPort: 0, httpPort: 0 });
    expect(status.parts.map((p) => [p.name, p.state])).toEqual([
      ['http', 'running'],
      ['tftp', 'running'],
      ['dhcp', 'off'],
    ]);
    expect(status.dhcp).toBe('off');
    expect(status.limitations[0]).toMatch(/router must send next-server/);
    await boot.stop();
    const again = new BootService({
      db: env.db,
      bootResources: new BootResources(env.db, env.dataDir),
      settings: new SettingsStore(env.db),
      interfaces,
    });
    expect(again.status().lastStart).toEqual({
      interfaceName: 'lo',
      address: null,
      dhcp: 'off',
      range: null,
    });
  });

  it('answers a PXE client in proxy mode and puts its MAC on the DHCP, HTTP and stored steps', async () => {
    const status = await boot.start({
      interfaceName: 'lo',
      dhcp: 'proxy',
      dhcpPort: DHCP_PORT,
      tftpPort: 0,
      httpPort: 0,
    });
    expect(status.parts.find((p) => p.name === 'dhcp')).toMatchObject({
      state: 'running',
      port: DHCP_PORT,
    });
    const httpPort = status.parts.find((p) => p.name === 'http')?.port;
    expect(httpPort).toBeGreaterThan(0);
    // The test mirror's grubx64.efi stands in for Canonical's, which has http.
    expect(status.limitations).toEqual([
      expect.stringMatching(
        /^UEFI machines beside your router boot only through the firmware's HTTP Boot/,
      ),
      expect.stringMatching(/^Secure Boot beside your router works only through that HTTP Boot/),
    ]);
    const sock = createSocket('udp4');
    client = sock;
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const replies: Buffer[] = [];
    sock.on('message', (msg) => replies.push(msg));
    const from = seen.length;
    // DHCPREQUEST to the PXE boot-server port (4011) from the client's address: the proxy ACK.
    sock.send(
      encodeDhcp(
        buildRequest({
          type: MessageType.Request,
          mac: MAC,
          xid: 777,
          vendorClass: BIOS,
          arch: 0,
          ciaddr: '127.0.0.1',
        }),
      ),
      4011,
      '127.0.0.1',
    );
    await expect.poll(() => replies.length, { timeout: 5000 }).toBeGreaterThan(0);
    const ack = decodeDhcp(replies[0]!);
    expect(messageTypeOf(ack)).toBe(MessageType.Ack);
    expect(ack.yiaddr).toBe('0.0.0.0');
    const http = status.parts.find((p) => p.name === 'http')?.port ?? 0;
    await fetchText(http, '/grub/grub.cfg');
    await expect
      .poll(() => seen.slice(from).find((e) => e.protocol === 'http'), { timeout: 5000 })
      .toMatchObject({ protocol: 'http', mac: MAC });
    expect(seen.slice(from).find((e) => e.protocol === 'dhcp')).toMatchObject({
      protocol: 'dhcp',
      mac: MAC,
      stage: 'proxy-ack',
      client: '127.0.0.1',
    });
    const timeline = boot.log({ mac: MAC.toUpperCase() });
    expect(timeline.map((s) => [s.protocol, s.stage])).toEqual([
      ['dhcp', 'proxy-ack'],
      ['http', 'http-sent'],
    ]);
    expect(timeline[1]?.mac).toBe(MAC);
    expect(timeline[1]?.detail).toMatch(/^GET \/grub\/grub\.cfg — 200, \d/);
    expect(() => boot.log({ mac: 'nope' })).toThrow(/is not a MAC address/);
    // An HTTP Boot client gets shim's URL on the HTTP port actually bound (the start asked for 0).
    const httpMac = '52:54:00:00:00:5a';
    sock.send(
      encodeDhcp(
        buildRequest({
          type: MessageType.Discover,
          mac: httpMac,
          xid: 778,
          vendorClass: 'HTTPClient:Arch:00016:UNDI:003001',
          arch: 16,
        }),
      ),
      DHCP_PORT,
      '127.0.0.1',
    );
    await expect
      .poll(() => boot.log({ mac: httpMac }).map((st) => [st.stage, st.detail]), { timeout: 5000 })
      .toEqual([
        ['proxy-offer', `http-x64 http://127.0.0.1:${httpPort}/images/bootx64.efi (arch 16)`],
      ]);
    expect(replies).toHaveLength(1);
    await boot.stop();
  });
});

describe('BootService start races', () => {
  it('lets exactly one of two concurrent starts serve; the other is refused in words', async () => {
    const input = { address: '127.0.0.1', tftpPort: 0, httpPort: 0 };
    const results = await Promise.allSettled([boot.start(input), boot.start(input)]);
    const served = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    expect(served).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: 'already-serving' });
    expect(refused[0]?.message).toMatch(/already starting to serve; wait for it, or stop it/);
    const port = boot.status().parts.find((p) => p.name === 'http')?.port ?? 0;
    expect(await fetchText(port, '/ipxe.cfg-default')).toContain('boot-kernel');
    await boot.stop();
    expect(boot.status().running).toBe(false);
  });

  it('stops a start that is still under way: the start fails in words and nothing keeps serving', async () => {
    const starting = boot.start({ address: '127.0.0.1', tftpPort: 0, httpPort: 0 });
    const stopped = await boot.stop();
    expect(stopped.running).toBe(false);
    await expect(starting).rejects.toMatchObject({
      code: 'boot-stopped',
      message: 'Serving was stopped before it finished starting.',
    });
    expect(boot.status()).toMatchObject({ running: false, parts: [] });
    // The service is usable again at once.
    const again = await boot.start({ address: '127.0.0.1', tftpPort: 0, httpPort: 0 });
    expect(again.running).toBe(true);
    await boot.stop();
  });
});

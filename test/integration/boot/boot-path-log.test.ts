/**
 * The boot log on loopback, through BootService over a store filled by a real sync: each step
 * names the client's boot path (the path its DHCP request announced — PXE, HTTP Boot or iPXE —
 * or the one an iPXE / UEFI HTTP Boot User-Agent names, and PXE/TFTP for TFTP), and a name that
 * is not served says why: not in the stream's bootloaders, not served, or an expected probe that
 * is not a failure. Packets go to 127.0.0.1 only; DHCP answers on a high port and 4011.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { requireBinaries, run } from '../../helpers/boot/udp-tools';
import { BootResources } from '../../../src-main/store/boot-resources';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { BootService } from '../../../src-main/boot/boot-service';
import { listInterfaces } from '../../../src-main/net/interfaces';
import { encodeDhcp } from '../../../src-main/boot/dhcp/codec';
import { buildRequest, type RequestSpec } from '../../../src-main/boot/dhcp/request';
import { MessageType } from '../../../src-main/boot/dhcp/options';
import { formatBootEvent, type BootServeEvent } from '../../../src-shared/boot/events';
import { formatBootStep, stepOk } from '../../../src-shared/boot/steps';

/** Loopback with a MAC, since DHCP names its server by the NIC's MAC (see boot-service.test.ts). */
const interfaces = () =>
  listInterfaces().map((n) => (n.name === 'lo' ? { ...n, mac: '00:00:00:00:00:00' } : n));

const DHCP_PORT = 16968;
const PXE_MAC = '52:54:00:0b:00:01';
const HTTP_BOOT_MAC = '52:54:00:0b:00:02';
const IPXE_MAC = '52:54:00:0b:00:03';

let env: SyncEnv;
let boot: BootService;
let sock: Socket | undefined;
let tftpPort = 0;
let httpPort = 0;
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
  boot.setChoice({ mac: 'default', action: 'image', image: 'ubuntu/jammy/amd64' });
  const status = await boot.start({
    interfaceName: 'lo',
    dhcp: 'proxy',
    dhcpPort: DHCP_PORT,
    tftpPort: 0,
    httpPort: 0,
  });
  tftpPort = status.parts.find((p) => p.name === 'tftp')?.port ?? 0;
  httpPort = status.parts.find((p) => p.name === 'http')?.port ?? 0;
  const s = createSocket('udp4');
  sock = s;
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  sock?.close();
  await boot?.dispose();
  await env?.cleanup();
});

/** dhcp sends one proxy DHCPREQUEST to 4011 and waits until its step is logged. */
async function dhcp(spec: Omit<RequestSpec, 'type' | 'xid' | 'ciaddr'>): Promise<BootServeEvent> {
  const from = seen.length;
  sock?.send(
    encodeDhcp(
      buildRequest({
        type: MessageType.Request,
        xid: Math.floor(Math.random() * 2 ** 31),
        ciaddr: '127.0.0.1',
        ...spec,
      }),
    ),
    4011,
    '127.0.0.1',
  );
  await expect
    .poll(() => seen.slice(from).find((e) => e.protocol === 'dhcp'), { timeout: 5000 })
    .toBeDefined();
  return seen.slice(from).find((e) => e.protocol === 'dhcp') as BootServeEvent;
}

/** fetchOver asks for `name` over TFTP or HTTP (with a User-Agent) and returns its logged event. */
async function fetchOver(
  protocol: 'tftp' | 'http',
  name: string,
  userAgent = 'curl',
): Promise<BootServeEvent> {
  const from = seen.length;
  const url =
    protocol === 'tftp'
      ? `tftp://127.0.0.1:${tftpPort}/${name}`
      : `http://127.0.0.1:${httpPort}/${name}`;
  // A missing name makes curl fail; the boot log is what is checked here.
  await run('curl', ['-sS', '-o', '/dev/null', '-A', userAgent, url]).catch(() => undefined);
  await expect
    .poll(() => seen.slice(from).find((e) => e.protocol === protocol), { timeout: 5000 })
    .toBeDefined();
  return seen.slice(from).find((e) => e.protocol === protocol) as BootServeEvent;
}

describe('the boot log names each client’s boot path and why a step failed', () => {
  it('PXE: the DHCP step and the TFTP and HTTP steps after it say PXE/TFTP; a missing boot loader says so', async () => {
    expect(
      await dhcp({ mac: PXE_MAC, vendorClass: 'PXEClient:Arch:00000:UNDI:002001', arch: 0 }),
    ).toMatchObject({ mac: PXE_MAC, bootPath: 'pxe' });
    const missing = await fetchOver('tftp', 'snponly.efi');
    expect(missing).toMatchObject({
      mac: PXE_MAC,
      outcome: 'not-found',
      detail: "asked for snponly.efi, not in the stream's bootloaders",
      bootPath: 'pxe',
    });
    expect(formatBootEvent(missing)).toMatch(
      / tftp 127\.0\.0\.1 snponly\.efi not-found 0 B in \d+ ms \(asked for snponly\.efi, not in the stream's bootloaders\) via PXE\/TFTP$/,
    );
    // PXELINUX tries its UUID config name first, on purpose: logged, but not as a failure.
    const probe = await fetchOver('tftp', 'pxelinux.cfg/8b6c8f6e-0000-4000-8000-000000000001');
    expect(probe).toMatchObject({ probe: true, outcome: 'not-found' });
    expect(
      await fetchOver('tftp', `pxelinux.cfg/01-${PXE_MAC.replaceAll(':', '-')}`),
    ).toMatchObject({ outcome: 'complete', bootPath: 'pxe' });
    // lpxelinux fetches the kernel over HTTP: still the PXE path, from the DHCP request.
    expect(await fetchOver('http', 'grub/grub.cfg', 'Syslinux/6.04')).toMatchObject({
      status: 200,
      mac: PXE_MAC,
      bootPath: 'pxe',
    });

    const timeline = boot.log({ mac: PXE_MAC });
    expect(timeline.map((s) => [s.protocol, s.stage, s.bootPath])).toEqual([
      ['dhcp', 'proxy-ack', 'pxe'],
      ['tftp', 'tftp-failed', 'pxe'],
      ['tftp', 'tftp-probe', 'pxe'],
      ['tftp', 'tftp-sent', 'pxe'],
      ['http', 'http-sent', 'pxe'],
    ]);
    expect(timeline.map((s) => stepOk(s.stage))).toEqual([true, false, true, true, true]);
    expect(timeline[2]?.detail).toBe(
      'pxelinux.cfg/8b6c8f6e-0000-4000-8000-000000000001 — not-found, 0 B (probed for pxelinux.cfg/8b6c8f6e-0000-4000-8000-000000000001, not served (an expected probe, not a failure))',
    );
    expect(formatBootStep(timeline[1]!)).toMatch(
      / tftp 127\.0\.0\.1 snponly\.efi — not-found, 0 B \(asked for snponly\.efi, not in the stream's bootloaders\) via PXE\/TFTP$/,
    );
  });

  it('UEFI HTTP Boot: the DHCP step and the HTTP steps say HTTP Boot; GRUB’s config probes are not failures', async () => {
    expect(
      await dhcp({
        mac: HTTP_BOOT_MAC,
        vendorClass: 'HTTPClient:Arch:00016:UNDI:003001',
        arch: 16,
      }),
    ).toMatchObject({ mac: HTTP_BOOT_MAC, bootPath: 'http-boot' });
    expect(await fetchOver('http', 'shimx64.efi', 'UefiHttpBoot/1.0')).toMatchObject({
      status: 404,
      detail: "asked for shimx64.efi, not in the stream's bootloaders",
      bootPath: 'http-boot',
    });
    // GRUB's own requests carry no path in their User-Agent; the DHCP request said HTTP Boot.
    const probe = await fetchOver('http', 'grub/grub.cfg-7F000001', 'GRUB 2.12');
    expect(probe).toMatchObject({ status: 404, probe: true, bootPath: 'http-boot' });
    expect(await fetchOver('http', 'notes.txt', 'GRUB 2.12')).toMatchObject({
      status: 404,
      detail: 'asked for notes.txt, not served',
      bootPath: 'http-boot',
    });
    const timeline = boot.log({ mac: HTTP_BOOT_MAC });
    expect(timeline.map((s) => [s.protocol, s.stage, s.bootPath])).toEqual([
      ['dhcp', expect.any(String), 'http-boot'],
      ['http', 'http-failed', 'http-boot'],
      ['http', 'http-probe', 'http-boot'],
      ['http', 'http-failed', 'http-boot'],
    ]);
    expect(formatBootStep(timeline[1]!)).toMatch(
      / http 127\.0\.0\.1 GET \/shimx64\.efi — 404, \d+ B \(asked for shimx64\.efi, not in the stream's bootloaders\) via HTTP Boot$/,
    );
  });

  it('iPXE: its DHCP request and its requests say iPXE', async () => {
    expect(
      await dhcp({
        mac: IPXE_MAC,
        vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
        arch: 0,
        userClass: 'iPXE',
      }),
    ).toMatchObject({ mac: IPXE_MAC, bootPath: 'ipxe' });
    expect(await fetchOver('http', 'boot.ipxe', 'iPXE/1.21.1+ (g4bd064de)')).toMatchObject({
      status: 200,
      bootPath: 'ipxe',
    });
    expect(
      await fetchOver('http', `ipxe.cfg-${IPXE_MAC}`, 'iPXE/1.21.1+ (g4bd064de)'),
    ).toMatchObject({ status: 200, mac: IPXE_MAC, bootPath: 'ipxe' });
    expect(boot.log({ mac: IPXE_MAC }).map((s) => s.bootPath)).toEqual(['ipxe', 'ipxe', 'ipxe']);
  });

  it('a request that names its path keeps it, and one with no DHCP behind it over HTTP has none', async () => {
    // The last DHCP step on 127.0.0.1 was iPXE's; a UEFI HTTP Boot User-Agent still wins.
    expect(await fetchOver('http', 'grubx64.efi', 'UefiHttpBoot/1.0')).toMatchObject({
      bootPath: 'http-boot',
    });
    await boot.stop();
    await boot.start({ address: '127.0.0.1', tftpPort: 0, httpPort: 0 });
    const status = boot.status();
    tftpPort = status.parts.find((p) => p.name === 'tftp')?.port ?? 0;
    httpPort = status.parts.find((p) => p.name === 'http')?.port ?? 0;
    expect(await fetchOver('http', 'grub/grub.cfg')).toMatchObject({ mac: null, bootPath: null });
    expect(await fetchOver('tftp', 'pxelinux.0')).toMatchObject({ bootPath: 'pxe' });
  });
});

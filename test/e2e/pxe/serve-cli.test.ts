/**
 * The whole product path, end to end: a signed mirror carrying a real kernel, the marker initramfs,
 * a squashfs and bootloader products shaped exactly like the real ones (syslinux; shim-signed +
 * grub2-signed, with Debian's files as contents) → `labboot sync` into a store → `labboot serve
 * --interface eth0 --dhcp proxy|full --boot ubuntu/jammy/amd64` inside the server namespace → a QEMU
 * VM (BIOS: SeaBIOS + iPXE ROM; UEFI: OVMF's own EDK2 PXE or HTTP Boot) boots LabBoot's generated
 * configs and fetches the stored squashfs. Proxy mode runs beside a dnsmasq "home router", and
 * LabBoot must hand out no address. `labboot serve` is the bundled CLI users run
 * (serve-process.ts). Boots: BIOS with iPXE (LabBoot's iPXE script) and with a plain PXE ROM
 * (lpxelinux.0), full and proxy; UEFI PXE in full mode; UEFI HTTP Boot beside the router (the only
 * road there) and in full mode; UEFI PXE with Secure Boot on in full mode, through Microsoft's shim,
 * Debian's signed GRUB (no http: kernel over TFTP) and Debian's signed kernel. The main store's
 * GRUB is a netboot build with http, the stand-in for Canonical's.
 *
 * Every boot has its own namespaces, work folder (serial log, OVMF vars, router leases) and VM MAC,
 * so a failed boot cannot leave state that the next one trips over; only the synced store is shared,
 * and each boot reads the boot log from its own start time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, canUseNetns, ip, type LabProcess } from '../../helpers/netns/netns-lab';
import { openDatabase } from '../../../src-main/store/database';
import { BootLogStore, type BootEvent } from '../../../src-main/boot/dhcp/boot-log-store';
import { LeaseStore, type Lease } from '../../../src-main/boot/dhcp/lease-store';
import { buildLan, readLeases, routerConfig, type LanNames } from './lab';
import { bootVm, type BootResult, type Firmware } from './qemu';
import { startServe } from './serve-process';
import { syncLabStore, type StoredFile } from './store-image';

if (!canUseNetns())
  throw new Error('The PXE e2e tests need root (network namespaces, tap devices).');

const BOOT_TIMEOUT_MS = 180_000;
const work = mkdtempSync(join(tmpdir(), 'labboot-serve-e2e-'));
const dataDir = join(work, 'data');
const markerSeconds: Record<string, number> = {};
let squashfs: StoredFile;

beforeAll(async () => {
  squashfs = await syncLabStore(work, dataDir);
}, 300_000);

afterAll(() => {
  process.stdout.write(
    `[pxe-e2e] labboot serve, seconds to marker: ${JSON.stringify(markerSeconds)}\n`,
  );
  rmSync(work, { recursive: true, force: true });
});

/** withStore opens the CLI's store read-side for assertions. */
function withStore<T>(use: (db: ReturnType<typeof openDatabase>) => T, data = dataDir): T {
  const db = openDatabase(join(data, 'labboot.sqlite'));
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function leaseRows(iface: string, data = dataDir): Lease[] {
  return withStore((db) => new LeaseStore(db, iface).list(), data);
}

interface Boot {
  readonly name: string;
  readonly firmware: Firmware;
  readonly mode: 'proxy' | 'full';
  /** A MAC per boot keeps leases and the boot log of one boot apart from the others. */
  readonly mac: string;
  /** The store to serve (default: the one whose GRUB has http). */
  readonly data?: string;
  /** Runs once `labboot serve` serves, before the VM starts. */
  readonly beforeBoot?: (net: LanNames) => Promise<void>;
}

interface BootRun {
  readonly boot: BootResult;
  readonly serve: LabProcess;
  readonly routerLeases: string;
  readonly leasesBefore: Lease[];
  /** This boot's rows of the boot log, from SQLite, oldest first. */
  readonly timeline: BootEvent[];
  readonly iface: string;
}

/**
 * serveAndBoot builds a fresh lab, runs the home router (addresses only in proxy mode, IPv6 RAs
 * always), `labboot serve`, then the VM, and returns what the console and the store show.
 */
async function serveAndBoot(lab: NetnsLab, b: Boot): Promise<BootRun> {
  const dir = join(work, b.name);
  mkdirSync(dir, { recursive: true });
  const net = buildLan(lab);
  const router = routerConfig(dir, b.mode === 'proxy');
  lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
  const data = b.data ?? dataDir;
  const leasesBefore = leaseRows(net.srvIf, data);
  const started = Date.now();
  const serve = await startServe(lab, net.srv, data, [
    '--interface',
    net.srvIf,
    '--dhcp',
    b.mode,
    ...(b.mode === 'full' ? ['--range', '10.77.0.20-10.77.0.29'] : []),
    '--boot',
    'ubuntu/jammy/amd64',
  ]);
  expect(serve.stderr()).toMatch(/DHCP 10\.77\.0\.1:67/);
  await b.beforeBoot?.(net);
  const boot = await bootVm(lab, {
    firmware: b.firmware,
    ns: net.lan,
    tap: net.tap,
    mac: b.mac,
    work: dir,
    timeoutMs: BOOT_TIMEOUT_MS,
    serverLog: () => `${serve.stdout()}\n${serve.stderr()}`,
  });
  markerSeconds[b.name] = boot.markerMs / 1000;
  process.stdout.write(
    `[pxe-e2e] serve-cli ${b.name}: ${boot.markerMs} ms to marker, milestones ${JSON.stringify(boot.milestones)}\n`,
  );
  await lab.stop(serve);
  const timeline = withStore(
    (db) => new BootLogStore(db).timeline(b.mac).filter((e) => e.at >= started),
    data,
  );
  return { boot, serve, routerLeases: router.leases, leasesBefore, timeline, iface: net.srvIf };
}

const stagesOf = (t: readonly BootEvent[]): string[] => t.map((e) => `${e.protocol}:${e.stage}`);

/**
 * expectChain checks the boot log shows the whole chain for the MAC in time order: DHCP first,
 * then TFTP (the bootloaders, when the client used TFTP), then HTTP ending with the squashfs.
 */
function expectChain(timeline: readonly BootEvent[], viaTftp: boolean): void {
  const stages = stagesOf(timeline);
  const firstDhcp = stages.findIndex((s) => s.startsWith('dhcp:'));
  const firstTftp = stages.indexOf('tftp:tftp-sent');
  const firstHttp = stages.indexOf('http:http-sent');
  const squash = timeline.findIndex(
    (e) => e.protocol === 'http' && e.stage === 'http-sent' && e.detail.includes('squashfs'),
  );
  expect(firstDhcp, stages.join(' ')).toBe(0);
  if (viaTftp) {
    expect(firstTftp, stages.join(' ')).toBeGreaterThan(firstDhcp);
    expect(firstHttp, stages.join(' ')).toBeGreaterThan(firstTftp);
  }
  expect(firstHttp, stages.join(' ')).toBeGreaterThan(firstDhcp);
  expect(squash, stages.join(' ')).toBeGreaterThanOrEqual(firstHttp);
}

const detailsOf = (t: readonly BootEvent[]): string[] =>
  t.map((e) => `${e.protocol}:${e.stage} ${e.detail}`);

/**
 * uefiPxeClientAsks plays a UEFI PXE client (arch 7, EDK2's vendor class) on the lab LAN with
 * busybox udhcpc: it takes the router's address and must get nothing from LabBoot.
 */
async function uefiPxeClientAsks(lab: NetnsLab, net: LanNames, mac: string): Promise<void> {
  const cli = lab.ns('cli');
  lab.veth(net.lan, 'cli-p', cli, 'eth0');
  lab.attach(net.lan, 'cli-p', 'br0');
  ip('-n', cli, 'link', 'set', 'eth0', 'down');
  ip('-n', cli, 'link', 'set', 'eth0', 'address', mac);
  ip('-n', cli, 'link', 'set', 'eth0', 'up');
  const client = lab.run(cli, 'busybox', [
    'udhcpc',
    '-f',
    '-q',
    '-n',
    '-i',
    'eth0',
    '-t',
    '4',
    '-T',
    '1',
    '-s',
    '/bin/true',
    '-V',
    'PXEClient:Arch:00007:UNDI:003000',
    '-x',
    '0x5d:0007',
  ]);
  expect(await client.exited, client.stderr()).toBe(0);
}

describe('labboot serve on a lab network', () => {
  let lab: NetnsLab | undefined;

  afterEach(async () => {
    await lab?.dispose();
    lab = undefined;
  });

  it('--dhcp proxy beside a home router boots a BIOS machine without giving out an address', async () => {
    lab = new NetnsLab('sv');
    const mac = '52:54:00:77:00:11';
    const r = await serveAndBoot(lab, { name: 'bios-proxy', firmware: 'bios', mode: 'proxy', mac });
    expect(r.boot.sha256).toBe(squashfs.sha256);
    // QEMU's ROM is iPXE (user class iPXE), so it gets LabBoot's iPXE script, not lpxelinux.0.
    expect(r.serve.stdout()).toMatch(
      new RegExp(`dhcp ${mac} proxy-offer ipxe http://10\\.77\\.0\\.1:5248/boot\\.ipxe`),
    );
    expect(readLeases(r.routerLeases).toLowerCase()).toContain(mac);
    expect(leaseRows(r.iface)).toEqual(r.leasesBefore);
    const stages = stagesOf(r.timeline);
    expect(stages).toContain('dhcp:proxy-offer');
    expect(stages).toContain('dhcp:proxy-client-address');
    expect(
      stages.filter((s) => s.startsWith('dhcp:')).every((s) => s.startsWith('dhcp:proxy-')),
    ).toBe(true);
    // The HTTP steps (script, kernel, initrd, squashfs) joined to the MAC via the router's address.
    expect(stages.filter((s) => s.startsWith('http:')).length).toBeGreaterThanOrEqual(4);
    expectChain(r.timeline, false);
  });

  it('--dhcp full leases a BIOS machine an address from --range and boots it from the store', async () => {
    lab = new NetnsLab('sf');
    const mac = '52:54:00:77:00:12';
    const r = await serveAndBoot(lab, { name: 'bios-full', firmware: 'bios', mode: 'full', mac });
    expect(r.boot.sha256).toBe(squashfs.sha256);
    expect(r.boot.serial).toMatch(/LABBOOT-E2E-OK .*addr=10\.77\.0\.2\d\//);
    const mine = leaseRows(r.iface).filter((l) => l.mac === mac);
    expect(mine.map((l) => l.state)).toEqual(['bound']);
    expect(mine[0]?.ip).toMatch(/^10\.77\.0\.2\d$/);
    expect(stagesOf(r.timeline)).toEqual(
      expect.arrayContaining(['dhcp:dhcp-offer', 'dhcp:dhcp-ack', 'http:http-sent']),
    );
    expectChain(r.timeline, false);
  });

  // A plain (non-iPXE) BIOS PXE ROM takes the path most real BIOS machines take: lpxelinux.0 and
  // its generated config over TFTP, the kernel over HTTP; behind proxyDHCP also the port-4011 request.
  for (const mode of ['full', 'proxy'] as const) {
    it(`--dhcp ${mode} boots a BIOS machine with a plain PXE ROM through lpxelinux.0 and its generated config`, async () => {
      lab = new NetnsLab(mode === 'full' ? 'pf' : 'pp');
      const mac = mode === 'full' ? '52:54:00:77:00:15' : '52:54:00:77:00:16';
      const r = await serveAndBoot(lab, {
        name: `bios-pxe-${mode}`,
        firmware: 'bios-pxe',
        mode,
        mac,
      });
      expect(r.boot.sha256).toBe(squashfs.sha256);
      // Full: `dhcp-offer 10.77.0.20 + bios lpxelinux.0`; proxy: `proxy-offer bios lpxelinux.0`.
      expect(r.serve.stdout()).toMatch(
        new RegExp(`dhcp ${mac} \\S+ (\\S+ \\+ )?bios lpxelinux\\.0`),
      );
      const details = r.timeline.map((e) => `${e.protocol}:${e.stage} ${e.detail}`);
      const dashed = mac.replaceAll(':', '-');
      for (const file of ['lpxelinux\\.0', 'ldlinux\\.c32', `pxelinux\\.cfg/01-${dashed}`]) {
        expect(
          details.some((d) => new RegExp(`^tftp:tftp-sent ${file} `).test(d)),
          details.join('\n'),
        ).toBe(true);
      }
      expect(
        details.some((d) => /^http:http-sent GET \/images\/\S+\/boot-kernel — 200/.test(d)),
      ).toBe(true);
      expectChain(r.timeline, true);
      if (mode === 'proxy') {
        expect(leaseRows(r.iface)).toEqual(r.leasesBefore);
        expect(stagesOf(r.timeline)).toContain('dhcp:proxy-ack');
      } else {
        expect(
          leaseRows(r.iface)
            .filter((l) => l.mac === mac)
            .map((l) => l.state),
        ).toEqual(['bound']);
      }
    });
  }

  it('--dhcp full boots a UEFI machine (OVMF PXE) through shim and GRUB, kernel over HTTP', async () => {
    lab = new NetnsLab('uf');
    const mac = '52:54:00:77:00:13';
    const r = await serveAndBoot(lab, { name: 'uefi-full', firmware: 'uefi', mode: 'full', mac });
    expect(r.boot.sha256).toBe(squashfs.sha256);
    expect(
      leaseRows(r.iface)
        .filter((l) => l.mac === mac)
        .map((l) => l.state),
    ).toEqual(['bound']);
    expect(r.serve.stdout()).toMatch(
      new RegExp(`dhcp ${mac} dhcp-offer \\S+ \\+ uefi-x64 bootx64\\.efi`),
    );
    const details = detailsOf(r.timeline);
    // shim (bootx64.efi) then GRUB (grubx64.efi) and its configs over TFTP; the kernel over HTTP.
    for (const file of ['bootx64\\.efi', 'grubx64\\.efi', '\\/?grub\\/grub\\.cfg-01-'])
      expect(
        details.some((d) => new RegExp(`^tftp:tftp-sent ${file}`).test(d)),
        details.join('\n'),
      ).toBe(true);
    expect(
      details.some((d) => /^http:http-sent GET \/images\/\S+\/boot-kernel — 200/.test(d)),
      details.join('\n'),
    ).toBe(true);
    expectChain(r.timeline, true);
  });

  it('--dhcp proxy boots a UEFI machine by HTTP Boot beside the router, and offers UEFI PXE nothing', async () => {
    lab = new NetnsLab('up');
    const mac = '52:54:00:77:00:14';
    const pxeMac = '52:54:00:77:00:24';
    const r = await serveAndBoot(lab, {
      name: 'uefi-proxy',
      firmware: 'uefi-http',
      mode: 'proxy',
      mac,
      // A UEFI PXE client (arch 7) asks first: the router answers it, LabBoot must not.
      beforeBoot: (net) => uefiPxeClientAsks(lab as NetnsLab, net, pxeMac),
    });
    expect(r.boot.sha256).toBe(squashfs.sha256);
    expect(readLeases(r.routerLeases).toLowerCase()).toContain(mac);
    expect(leaseRows(r.iface)).toEqual(r.leasesBefore);
    expect(r.serve.stderr()).toMatch(
      /note: UEFI machines beside your router boot only through the firmware's HTTP Boot/,
    );
    expect(r.serve.stdout()).toMatch(
      new RegExp(
        `dhcp ${mac} proxy-offer http-x64 http://10\\.77\\.0\\.1:5248/images/bootx64\\.efi`,
      ),
    );
    const details = detailsOf(r.timeline);
    // Shim, GRUB, GRUB's config (the /grub prefix on the boot URI's host) and the kernel: all HTTP.
    for (const path of [
      '/images/bootx64\\.efi',
      '/images//?grubx64\\.efi',
      '/grub/grub\\.cfg',
      '/grub/grub\\.cfg-',
    ])
      expect(
        details.some((d) => new RegExp(`^http:http-sent GET ${path}\\S* — 200`).test(d)),
        details.join('\n'),
      ).toBe(true);
    expect(
      details.some((d) => /^http:http-sent GET \/images\/\S+\/boot-kernel — 200/.test(d)),
    ).toBe(true);
    expect(details.filter((d) => d.startsWith('tftp:'))).toEqual([]);
    expectChain(r.timeline, false);
    // The PXE client: one boot-log line saying why, and nothing offered.
    const pxe = withStore((db) => new BootLogStore(db).timeline(pxeMac));
    expect(pxe.map((e) => `${e.protocol}:${e.stage}`)).toEqual(['dhcp:proxy-no-offer']);
    expect(pxe[0]?.detail).toMatch(
      /UEFI PXE beside a router cannot reach LabBoot's GRUB.*switch on the firmware's HTTP Boot \(IPv4\) and put it before PXE/,
    );
    expect(r.serve.stdout()).not.toMatch(new RegExp(`dhcp ${pxeMac} proxy-(offer|ack)`));
  });

  it('--dhcp full boots a UEFI machine by HTTP Boot (arch 16) with an address from the range', async () => {
    lab = new NetnsLab('uh');
    const mac = '52:54:00:77:00:17';
    const r = await serveAndBoot(lab, {
      name: 'uefi-http-full',
      firmware: 'uefi-http',
      mode: 'full',
      mac,
    });
    expect(r.boot.sha256).toBe(squashfs.sha256);
    expect(r.serve.stdout()).toMatch(
      new RegExp(
        `dhcp ${mac} dhcp-offer 10\\.77\\.0\\.2\\d \\+ http-x64 http://10\\.77\\.0\\.1:5248/images/bootx64\\.efi`,
      ),
    );
    const details = detailsOf(r.timeline);
    expect(details.some((d) => /^http:http-sent GET \/grub\/grub\.cfg — 200/.test(d))).toBe(true);
    expect(details.filter((d) => d.startsWith('tftp:'))).toEqual([]);
    expectChain(r.timeline, false);
  });

  it('--dhcp full boots a UEFI machine with Secure Boot on through signed shim, GRUB without http and kernel', async () => {
    lab = new NetnsLab('us');
    const mac = '52:54:00:77:00:18';
    const signedData = join(work, 'data-signed');
    const signedSquashfs = await syncLabStore(work, signedData, 'signed');
    const r = await serveAndBoot(lab, {
      name: 'uefi-sb-full',
      firmware: 'uefi-sb',
      mode: 'full',
      mac,
      data: signedData,
    });
    expect(r.boot.sha256).toBe(signedSquashfs.sha256);
    expect(r.boot.secureBoot, r.boot.serial.slice(-3000)).toBe(true);
    expect(r.serve.stderr()).toMatch(/note: This stream's GRUB has no http module/);
    const details = detailsOf(r.timeline);
    // Debian's signed GRUB has no http: the generated config's TFTP branch loads kernel and initrd.
    for (const file of [
      'bootx64\\.efi',
      'grubx64\\.efi',
      // GRUB asks its per-MAC config as 01-aa-bb-… or, through the pre-loader, aa:bb:…
      '\\/?grub\\/grub\\.cfg-(01-)?52',
      '\\/?images\\/\\S+\\/boot-kernel',
      '\\/?images\\/\\S+\\/boot-initrd',
    ])
      expect(
        details.some((d) => new RegExp(`^tftp:tftp-sent ${file}`).test(d)),
        details.join('\n'),
      ).toBe(true);
    expect(details.some((d) => /^http:http-sent GET \/images\/\S+\/boot-kernel/.test(d))).toBe(
      false,
    );
    expectChain(r.timeline, true);
    // Beside a router this GRUB cannot work at all (no http after HTTP Boot); serve says so.
    const other = new NetnsLab('un');
    try {
      const net = buildLan(other);
      const proxy = await startServe(other, net.srv, signedData, [
        '--interface',
        net.srvIf,
        '--dhcp',
        'proxy',
        '--boot',
        'ubuntu/jammy/amd64',
      ]);
      expect(proxy.stderr()).toMatch(
        /note: UEFI machines beside your router cannot boot with this stream's GRUB, with Secure Boot or without: it has no http module/,
      );
    } finally {
      await other.dispose();
    }
  });
});

/**
 * The whole product path, end to end: a signed mirror carrying a real kernel, the marker initramfs,
 * a squashfs and the bootloader products (pxelinux; shim + a grub-mkimage netboot GRUB + iPXE
 * snponly.efi for UEFI) → `labboot sync` into a store → `labboot serve --interface eth0 --dhcp
 * proxy|full --boot ubuntu/jammy/amd64` inside the server namespace → a QEMU VM (BIOS: SeaBIOS + iPXE
 * ROM; UEFI: OVMF's own EDK2 PXE client) boots LabBoot's generated configs and fetches the stored
 * squashfs. Proxy mode runs beside a dnsmasq "home router", and LabBoot must hand out no address.
 * `labboot serve` is the bundled CLI users run (serve-process.ts), and these are the suite's only
 * QEMU boots, each in full and proxy mode: BIOS with iPXE (LabBoot's iPXE script), BIOS with a plain
 * PXE ROM (lpxelinux.0 and its generated config over TFTP), and UEFI.
 *
 * Every boot has its own namespaces, work folder (serial log, OVMF vars, router leases) and VM MAC,
 * so a failed boot cannot leave state that the next one trips over; only the synced store is shared,
 * and each boot reads the boot log from its own start time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, canUseNetns, type LabProcess } from '../../helpers/netns/netns-lab';
import { openDatabase } from '../../../src-main/store/database';
import { BootLogStore, type BootEvent } from '../../../src-main/boot/dhcp/boot-log-store';
import { LeaseStore, type Lease } from '../../../src-main/boot/dhcp/lease-store';
import { buildLan, readLeases, routerConfig } from './lab';
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
function withStore<T>(use: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(join(dataDir, 'labboot.sqlite'));
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function leaseRows(iface: string): Lease[] {
  return withStore((db) => new LeaseStore(db, iface).list());
}

interface Boot {
  readonly name: string;
  readonly firmware: Firmware;
  readonly mode: 'proxy' | 'full';
  /** A MAC per boot keeps leases and the boot log of one boot apart from the others. */
  readonly mac: string;
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
  const leasesBefore = leaseRows(net.srvIf);
  const started = Date.now();
  const serve = await startServe(lab, net.srv, dataDir, [
    '--interface',
    net.srvIf,
    '--dhcp',
    b.mode,
    ...(b.mode === 'full' ? ['--range', '10.77.0.20-10.77.0.29'] : []),
    '--boot',
    'ubuntu/jammy/amd64',
  ]);
  expect(serve.stderr()).toMatch(/DHCP 10\.77\.0\.1:67/);
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
  const timeline = withStore((db) =>
    new BootLogStore(db).timeline(b.mac).filter((e) => e.at >= started),
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
    const details = r.timeline.map((e) => `${e.protocol}:${e.stage} ${e.detail}`);
    // shim (bootx64.efi) then GRUB (grubx64.efi) and its configs over TFTP; the kernel over HTTP.
    expect(
      details.some((d) => /^tftp:tftp-sent bootx64\.efi /.test(d)),
      details.join('\n'),
    ).toBe(true);
    expect(
      details.some((d) => /^tftp:tftp-sent grubx64\.efi /.test(d)),
      details.join('\n'),
    ).toBe(true);
    expect(details.some((d) => /^tftp:tftp-sent \/?grub\/grub\.cfg-01-/.test(d))).toBe(true);
    expect(
      details.some((d) => /^http:http-sent GET \/images\/\S+\/boot-kernel — 200/.test(d)),
    ).toBe(true);
    expectChain(r.timeline, true);
  });

  it('--dhcp proxy boots a UEFI machine (OVMF PXE) through iPXE snponly.efi without giving out an address', async () => {
    lab = new NetnsLab('up');
    const mac = '52:54:00:77:00:14';
    const r = await serveAndBoot(lab, { name: 'uefi-proxy', firmware: 'uefi', mode: 'proxy', mac });
    expect(r.boot.sha256).toBe(squashfs.sha256);
    expect(readLeases(r.routerLeases).toLowerCase()).toContain(mac);
    expect(leaseRows(r.iface)).toEqual(r.leasesBefore);
    // GRUB 2.06 ignores proxyDHCP, so EDK2 gets iPXE, and iPXE (user class iPXE) the script.
    expect(r.serve.stdout()).toMatch(new RegExp(`dhcp ${mac} proxy-\\S+ uefi-x64 snponly\\.efi`));
    expect(r.serve.stdout()).toMatch(
      new RegExp(`dhcp ${mac} proxy-\\S+ ipxe http://10\\.77\\.0\\.1:5248/boot\\.ipxe`),
    );
    const details = r.timeline.map((e) => `${e.protocol}:${e.stage} ${e.detail}`);
    expect(
      details.some((d) => /^tftp:tftp-sent snponly\.efi /.test(d)),
      details.join('\n'),
    ).toBe(true);
    expectChain(r.timeline, true);
  });
});

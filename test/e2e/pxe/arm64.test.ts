/**
 * arm64 UEFI through the real `labboot serve`, once per DHCP mode (TCG emulation of arm64 is slow):
 * an AAVMF `virt` machine boots the store's arm64 image while an amd64 image is served beside it
 * (`--boot ubuntu/jammy/arm64 --boot ubuntu/jammy/amd64`), from a mirror whose `grub-efi:uefi:arm64`
 * product holds exactly bootaa64.efi, mmaa64.efi and grubaa64.efi (Debian's arm64 shim and GRUB).
 *
 * - full: EDK2's PXE (arch 11) gets bootaa64.efi over TFTP; shim fetches Debian's signed GRUB,
 *   which has no http module, so the generated config loads the kernel over TFTP.
 * - proxy, beside a dnsmasq "home router": PXE is switched off in the firmware, as LabBoot tells
 *   users to, and HTTP Boot (arch 19) gets the URI of bootaa64.efi; an http-capable GRUB finds its
 *   config on the URI's host and loads the kernel over HTTP. LabBoot hands out no address.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, canUseNetns } from '../../helpers/netns/netns-lab';
import { openDatabase } from '../../../src-main/store/database';
import { BootLogStore, type BootEvent } from '../../../src-main/boot/dhcp/boot-log-store';
import { LeaseStore } from '../../../src-main/boot/dhcp/lease-store';
import { arm64Machine, syncArm64Store, type Arm64Grub } from './arm64-vm';
import { buildLan, readLeases, routerConfig } from './lab';
import { bootVm } from './qemu';
import { startServe } from './serve-process';
import type { StoredImage } from './store-image';

if (!canUseNetns())
  throw new Error('The PXE e2e tests need root (network namespaces, tap devices).');

// Under TCG an arm64 boot takes about 40 s on an idle host; a busy CI host can take several times that.
const BOOT_TIMEOUT_MS = 270_000;
const work = mkdtempSync(join(tmpdir(), 'labboot-arm64-e2e-'));
const stores: Partial<Record<Arm64Grub, { dataDir: string; images: Record<string, StoredImage> }>> =
  {};
const markerSeconds: Record<string, number> = {};

beforeAll(async () => {
  for (const grub of ['signed', 'http'] as const) {
    const dataDir = join(work, `data-${grub}`);
    stores[grub] = { dataDir, images: await syncArm64Store(work, dataDir, grub) };
  }
}, 300_000);

afterAll(() => {
  process.stdout.write(
    `[pxe-e2e] arm64 labboot serve, seconds to marker: ${JSON.stringify(markerSeconds)}\n`,
  );
  rmSync(work, { recursive: true, force: true });
});

function withStore<T>(dataDir: string, use: (db: ReturnType<typeof openDatabase>) => T): T {
  const db = openDatabase(join(dataDir, 'labboot.sqlite'));
  try {
    return use(db);
  } finally {
    db.close();
  }
}

/** Serves the store in a fresh lab, boots the arm64 VM, and returns what the console and store show. */
async function serveAndBootArm64(lab: NetnsLab, mode: 'full' | 'proxy', mac: string) {
  const grub: Arm64Grub = mode === 'full' ? 'signed' : 'http';
  const store = stores[grub];
  if (store === undefined) throw new Error(`no ${grub} store`);
  const dir = join(work, `arm64-${mode}`);
  mkdirSync(dir, { recursive: true });
  const net = buildLan(lab);
  const router = routerConfig(dir, mode === 'proxy');
  lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
  const leasesBefore = withStore(store.dataDir, (db) => new LeaseStore(db, net.srvIf).list());
  const started = Date.now();
  const serve = await startServe(lab, net.srv, store.dataDir, [
    ...['--interface', net.srvIf, '--dhcp', mode],
    ...(mode === 'full' ? ['--range', '10.77.0.20-10.77.0.29'] : []),
    // arm64 first: were the last --boot the only default, the arm64 machine would get amd64.
    ...['--boot', 'ubuntu/jammy/arm64', '--boot', 'ubuntu/jammy/amd64'],
  ]);
  const boot = await bootVm(lab, {
    firmware: 'uefi',
    machine: arm64Machine(mode === 'proxy'),
    ns: net.lan,
    tap: net.tap,
    mac,
    work: dir,
    timeoutMs: BOOT_TIMEOUT_MS,
    serverLog: () => `${serve.stdout()}\n${serve.stderr()}`,
  });
  markerSeconds[`arm64-${mode}`] = boot.markerMs / 1000;
  process.stdout.write(
    `[pxe-e2e] serve-cli arm64-${mode}: ${boot.markerMs} ms to marker, milestones ${JSON.stringify(boot.milestones)}\n`,
  );
  await lab.stop(serve);
  const timeline = withStore(store.dataDir, (db) =>
    new BootLogStore(db).timeline(mac).filter((e) => e.at >= started),
  );
  const leases = withStore(store.dataDir, (db) => new LeaseStore(db, net.srvIf).list());
  return { boot, serve, store, timeline, leases, leasesBefore, routerLeases: router.leases };
}

const details = (t: readonly BootEvent[]): string[] =>
  t.map((e) => `${e.protocol}:${e.stage} ${e.detail}`);

/** indexOf is the first step matching `pattern`, failing with the whole timeline when none does. */
function indexOf(lines: readonly string[], pattern: RegExp): number {
  const i = lines.findIndex((l) => pattern.test(l));
  expect(i, `${String(pattern)} in\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('labboot serve boots an arm64 UEFI machine (AAVMF, TCG)', () => {
  let lab: NetnsLab | undefined;

  afterEach(async () => {
    await lab?.dispose();
    lab = undefined;
  });

  it('--dhcp full: PXE gets bootaa64.efi, then the signed GRUB loads the arm64 image over TFTP', async () => {
    lab = new NetnsLab('af');
    const mac = '52:54:00:77:00:a1';
    const r = await serveAndBootArm64(lab, 'full', mac);
    expect(r.boot.sha256).toBe(r.store.images.arm64?.squashfs.sha256);
    expect(r.boot.sha256).not.toBe(r.store.images.amd64?.squashfs.sha256);
    expect(r.boot.serial).toMatch(/LABBOOT-E2E-OK .*addr=10\.77\.0\.2\d\//);
    expect(r.leases.filter((l) => l.mac === mac).map((l) => l.state)).toEqual(['bound']);
    const steps = details(r.timeline);
    const offer = indexOf(steps, /^dhcp:dhcp-offer \S+ \+ uefi-arm64 bootaa64\.efi \(arch 11\)/);
    const shim = indexOf(steps, /^tftp:tftp-sent bootaa64\.efi /);
    const grub = indexOf(steps, /^tftp:tftp-sent grubaa64\.efi /);
    const config = indexOf(steps, new RegExp(`^tftp:tftp-sent /?grub/grub\\.cfg-${mac}`));
    const kernel = indexOf(steps, /^tftp:tftp-sent \/?images\/\S+\/arm64\/\S+\/boot-kernel /);
    const squash = indexOf(steps, /^http:http-sent GET \/images\/\S+\/arm64\/\S+\/squashfs — 200/);
    expect([offer, shim, grub, config, kernel, squash]).toEqual(
      [offer, shim, grub, config, kernel, squash].sort((a, b) => a - b),
    );
    // Debian's signed GRUB has no http module: the config's TFTP branch ran.
    expect(r.boot.serial).toContain('This GRUB has no http module');
  });

  it('--dhcp proxy: HTTP Boot gets the URI of bootaa64.efi, GRUB loads the arm64 image over HTTP', async () => {
    lab = new NetnsLab('ap');
    const mac = '52:54:00:77:00:a2';
    const r = await serveAndBootArm64(lab, 'proxy', mac);
    expect(r.boot.sha256).toBe(r.store.images.arm64?.squashfs.sha256);
    expect(readLeases(r.routerLeases).toLowerCase()).toContain(mac);
    expect(r.leases).toEqual(r.leasesBefore);
    expect(r.serve.stdout()).toMatch(
      new RegExp(
        `dhcp ${mac} proxy-offer http-arm64 http://10\\.77\\.0\\.1:5248/images/bootaa64\\.efi \\(arch 19\\)`,
      ),
    );
    const steps = details(r.timeline);
    expect(steps.every((s) => !s.startsWith('dhcp:') || s.startsWith('dhcp:proxy-'))).toBe(true);
    const offer = indexOf(steps, /^dhcp:proxy-offer http-arm64 /);
    const shim = indexOf(steps, /^http:http-sent GET \/images\/bootaa64\.efi — 200/);
    const grub = indexOf(steps, /^http:http-sent GET \/images\/\/?grubaa64\.efi — 200/);
    const config = indexOf(steps, new RegExp(`^http:http-sent GET /grub/grub\\.cfg-${mac} — 200`));
    const kernel = indexOf(
      steps,
      /^http:http-sent GET \/images\/\S+\/arm64\/\S+\/boot-kernel — 200/,
    );
    const squash = indexOf(steps, /^http:http-sent GET \/images\/\S+\/arm64\/\S+\/squashfs — 200/);
    expect([offer, shim, grub, config, kernel, squash]).toEqual(
      [offer, shim, grub, config, kernel, squash].sort((a, b) => a - b),
    );
    expect(steps.some((s) => s.startsWith('tftp:'))).toBe(false);
  });
});

/**
 * The whole product path, end to end: a signed mirror carrying a real kernel, the marker initramfs,
 * a squashfs and the pxelinux bootloaders → `labboot sync` into a store → `labboot serve
 * --interface eth0 --dhcp proxy --boot ubuntu/jammy/amd64` inside the server namespace beside a
 * dnsmasq "home router" → a BIOS QEMU VM boots LabBoot's generated config and fetches the stored
 * squashfs. LabBoot must hand out no address.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, canUseNetns, type LabProcess } from '../../helpers/netns/netns-lab';
import { cliMain, repoRoot } from '../../helpers/mirror/run-cli';
import { openDatabase } from '../../../src-main/store/database';
import { BootLogStore } from '../../../src-main/boot/dhcp/boot-log-store';
import { LeaseStore } from '../../../src-main/boot/dhcp/lease-store';
import { VM_MAC, buildLan, readLeases, routerConfig } from './lab';
import { buildInitramfs, buildSquashfs, kernelPath } from './payloads';
import { bootVm } from './qemu';
import { syncTestImage, type StoredFile } from './store-image';

if (!canUseNetns())
  throw new Error('The PXE e2e tests need root (network namespaces, tap devices).');

const work = mkdtempSync(join(tmpdir(), 'labboot-serve-e2e-'));
const dataDir = join(work, 'data');
let squashfs: StoredFile;

beforeAll(async () => {
  const build = join(work, 'build');
  mkdirSync(build, { recursive: true });
  const initrd = join(build, 'initrd.img');
  const squash = join(build, 'root.squashfs');
  buildInitramfs(build, initrd);
  buildSquashfs(build, squash);
  const stored = await syncTestImage(
    work,
    dataDir,
    { kernel: kernelPath().path, initrd, squashfs: squash },
    [
      {
        os: 'pxelinux',
        type: 'pxe',
        arch: 'i386',
        versions: {
          '20210203.0': {
            syslinux: {
              'lpxelinux.0': { file: '/usr/lib/PXELINUX/lpxelinux.0' },
              'ldlinux.c32': { file: '/usr/lib/syslinux/modules/bios/ldlinux.c32' },
            },
          },
        },
      },
    ],
  );
  squashfs = stored.squashfs;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** leaseRows reads LabBoot's leases of one interface from the store. */
function leaseRows(iface: string): unknown[] {
  const db = openDatabase(join(dataDir, 'labboot.sqlite'));
  try {
    return new LeaseStore(db, iface).list();
  } finally {
    db.close();
  }
}

/** startServe runs `labboot serve ARGS…` in the server namespace and waits until it serves. */
async function startServe(lab: NetnsLab, ns: string, args: string[]): Promise<LabProcess> {
  const serve = lab.run(
    ns,
    process.execPath,
    ['--import', 'tsx', cliMain, '--data', dataDir, 'serve', ...args],
    {
      cwd: repoRoot,
    },
  );
  const deadline = Date.now() + 60_000;
  while (!/LabBoot serving:/.test(serve.stderr())) {
    if (serve.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`serve did not start:\n${serve.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return serve;
}

describe('labboot serve on a lab network', () => {
  let lab: NetnsLab | undefined;

  afterEach(async () => {
    await lab?.dispose();
    lab = undefined;
  });

  it('--dhcp proxy beside a home router boots a BIOS machine without giving out an address', async () => {
    lab = new NetnsLab('sv');
    const net = buildLan(lab);
    const router = routerConfig(work, true);
    lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
    const leasesBefore = leaseRows(net.srvIf);
    const serve = await startServe(lab, net.srv, [
      '--interface',
      net.srvIf,
      '--dhcp',
      'proxy',
      '--boot',
      'ubuntu/jammy/amd64',
    ]);
    expect(serve.stderr()).toMatch(/DHCP 10\.77\.0\.1:67/);

    const boot = await bootVm(lab, {
      firmware: 'bios',
      ns: net.lan,
      tap: net.tap,
      mac: VM_MAC,
      work,
      timeoutMs: 180_000,
    });
    process.stdout.write(
      `[pxe-e2e] serve-cli bios-proxy: ${boot.markerMs} ms to marker, milestones ${JSON.stringify(boot.milestones)}\n`,
    );
    expect(boot.sha256).toBe(squashfs.sha256);
    // QEMU's ROM is iPXE (user class iPXE), so it gets LabBoot's iPXE script, not lpxelinux.0.
    expect(serve.stdout()).toMatch(
      /dhcp 52:54:00:77:00:10 proxy-offer ipxe http:\/\/10\.77\.0\.1:5248\/boot\.ipxe/,
    );
    await lab.stop(serve);

    expect(readLeases(router.leases).toLowerCase()).toContain(VM_MAC);
    const db = openDatabase(join(dataDir, 'labboot.sqlite'));
    try {
      expect(new LeaseStore(db, net.srvIf).list()).toEqual(leasesBefore);
      const stages = new BootLogStore(db).timeline(VM_MAC).map((e) => `${e.protocol}:${e.stage}`);
      expect(stages).toContain('dhcp:proxy-offer');
      expect(stages).toContain('dhcp:proxy-client-address');
      // The HTTP steps (script, kernel, initrd, squashfs) joined to the MAC via the router's address.
      expect(stages.filter((s) => s.startsWith('http:')).length).toBeGreaterThanOrEqual(4);
    } finally {
      db.close();
    }
  });

  it('--dhcp full leases the VM an address from --range and boots it from the store', async () => {
    lab = new NetnsLab('sf');
    const net = buildLan(lab);
    const router = routerConfig(join(work, 'build'), false); // IPv6 RAs only: no other DHCPv4 server
    lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
    const serve = await startServe(lab, net.srv, [
      '--interface',
      net.srvIf,
      '--dhcp',
      'full',
      '--range',
      '10.77.0.20-10.77.0.29',
      '--boot',
      'ubuntu/jammy/amd64',
    ]);
    const boot = await bootVm(lab, {
      firmware: 'bios',
      ns: net.lan,
      tap: net.tap,
      mac: VM_MAC,
      work,
      timeoutMs: 180_000,
    });
    process.stdout.write(`[pxe-e2e] serve-cli bios-full: ${boot.markerMs} ms to marker\n`);
    expect(boot.sha256).toBe(squashfs.sha256);
    expect(boot.serial).toMatch(/LABBOOT-E2E-OK .*addr=10\.77\.0\.20\//);
    await lab.stop(serve);
    const db = openDatabase(join(dataDir, 'labboot.sqlite'));
    try {
      expect(new LeaseStore(db, net.srvIf).list().map((l) => [l.ip, l.mac, l.state])).toEqual([
        ['10.77.0.20', VM_MAC, 'bound'],
      ]);
      const stages = new BootLogStore(db).timeline(VM_MAC).map((e) => `${e.protocol}:${e.stage}`);
      expect(stages).toEqual(
        expect.arrayContaining(['dhcp:dhcp-offer', 'dhcp:dhcp-ack', 'http:http-sent']),
      );
    } finally {
      db.close();
    }
  });
});

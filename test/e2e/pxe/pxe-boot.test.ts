/**
 * Real network boots of a QEMU VM (TCG) through LabBoot's DHCP, TFTP and HTTP parts run in-process
 * (test/e2e/pxe/lab-server.ts) inside throw-away network namespaces: BIOS via lpxelinux.0 (TFTP, then
 * HTTP) with LabBoot as the full DHCP server and as proxyDHCP beside a dnsmasq "home router" (the PXE
 * boot-server discovery on port 4011). The guest's initramfs fetches the squashfs named by
 * `root=squash:URL`, prints its sha256 and a marker. UEFI full/proxy and the iPXE BIOS path boot
 * through the real `labboot serve` in serve-cli.test.ts, so they are not booted again here (CI time).
 * Each boot has a hard timeout; everything is torn down by PID and namespace name in afterEach.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, canUseNetns, type LabProcess } from '../../helpers/netns/netns-lab';
import { openDatabase } from '../../../src-main/store/database';
import { BootLogStore } from '../../../src-main/boot/dhcp/boot-log-store';
import { LeaseStore } from '../../../src-main/boot/dhcp/lease-store';
import type { BootTargets } from '../../../src-main/boot/dhcp/boot-choice';
import type { LabServerArgs } from './lab-server';
import { bootVm, type Firmware } from './qemu';
import {
  SERVER_IP,
  VM_MAC,
  buildLan,
  prepareFiles,
  readLeases,
  routerConfig,
  type LabFiles,
} from './lab';

if (!canUseNetns())
  throw new Error('The PXE e2e tests need root (network namespaces, tap devices).');

const BOOT_TIMEOUT_MS = 180_000;
const root = process.cwd();
const work = mkdtempSync(join(tmpdir(), 'labboot-pxe-e2e-'));
const results: Record<string, number> = {};
let files: LabFiles;

interface Variant {
  readonly name: string;
  readonly firmware: Firmware;
  readonly mode: 'full' | 'proxy';
  readonly targets: BootTargets;
}

// No iPXE script: QEMU's iPXE ROM then behaves like a vendor PXE ROM and takes lpxelinux.0, the path
// real BIOS machines use (and, in proxy mode, the PXE menu and the port-4011 boot-server request).
const variants: Variant[] = [
  {
    name: 'bios-full',
    firmware: 'bios',
    mode: 'full',
    targets: { bios: 'lpxelinux.0', uefiX64: 'bootx64.efi' },
  },
  {
    name: 'bios-proxy',
    firmware: 'bios',
    mode: 'proxy',
    targets: { bios: 'lpxelinux.0', uefiX64: 'bootx64.efi' },
  },
];

beforeAll(async () => {
  files = await prepareFiles(work);
});

afterAll(() => {
  writeFileSync(join(work, 'results.json'), JSON.stringify(results, null, 2));
  process.stdout.write(
    `[pxe-e2e] seconds to marker: ${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v / 1000])))}\n`,
  );
  rmSync(work, { recursive: true, force: true });
});

describe('PXE boots of a QEMU VM through LabBoot', () => {
  let lab: NetnsLab | undefined;

  afterEach(async () => {
    await lab?.dispose();
    lab = undefined;
  });

  for (const v of variants) {
    it(`${v.name}: the VM boots to the marker and fetches the right squashfs`, async () => {
      lab = new NetnsLab('pe');
      const net = buildLan(lab);
      const dir = join(work, v.name);
      mkdirSync(dir, { recursive: true });
      const router = routerConfig(dir, v.mode === 'proxy');
      const rtr = lab.run(net.rtr, 'dnsmasq', [
        '-k',
        `--conf-file=${router.conf}`,
        '--log-facility=-',
        '--log-dhcp',
      ]);
      const dbFile = join(dir, 'labboot.sqlite');
      const args: LabServerArgs = {
        mode: v.mode,
        interfaceName: net.srvIf,
        address: SERVER_IP,
        prefixLength: 24,
        mac: lab.macOf(net.srv, net.srvIf),
        targets: v.targets,
        ...(v.mode === 'full' ? { range: { first: '10.77.0.50', last: '10.77.0.60' } } : {}),
        root: files.tftpRoot,
        httpPort: 80,
        dbFile,
        probeMs: 1500,
      };
      const server: LabProcess = lab.run(
        net.srv,
        process.execPath,
        ['--import', 'tsx', 'test/e2e/pxe/lab-server.ts', JSON.stringify(args)],
        { cwd: root },
      );
      const ready = await server.waitFor(/^(READY|ERROR)/, 60_000);
      expect(ready, server.stderr()).toMatch(/^READY/);
      expect(rtr.child.exitCode).toBeNull();

      const boot = await bootVm(lab, {
        firmware: v.firmware,
        ns: net.lan,
        tap: net.tap,
        mac: VM_MAC,
        work: dir,
        timeoutMs: BOOT_TIMEOUT_MS,
        serverLog: () => `${server.stdout()}\n${server.stderr()}\n--- router ---\n${rtr.stderr()}`,
      });
      results[v.name] = boot.markerMs;
      process.stdout.write(
        `[pxe-e2e] ${v.name} milestones (ms): ${JSON.stringify(boot.milestones)}\n`,
      );
      expect(boot.sha256).toBe(files.squashSha256);
      await lab.stop(server);

      const db = openDatabase(dbFile);
      try {
        const timeline = new BootLogStore(db).timeline(VM_MAC);
        const stages = timeline.map((e) => `${e.protocol}:${e.stage}`);
        const leases = new LeaseStore(db, net.srvIf).list();
        if (v.mode === 'full') {
          expect(stages).toContain('dhcp:dhcp-ack');
          expect(leases.map((l) => [l.mac, l.state])).toEqual([[VM_MAC, 'bound']]);
          // The whole chain for this MAC: DHCP, then TFTP (bootloader), then HTTP (kernel, squashfs).
          const firstTftp = stages.findIndex((s) => s.startsWith('tftp:tftp-complete'));
          const lastHttp = stages.lastIndexOf('http:http-sent');
          expect(stages.indexOf('dhcp:dhcp-offer')).toBeLessThan(firstTftp);
          expect(firstTftp).toBeLessThan(lastHttp);
          expect(
            timeline.some((e) => e.protocol === 'http' && e.detail.includes('root.squashfs')),
          ).toBe(true);
        } else {
          // proxyDHCP: boot info only. The router leased the address; LabBoot leased nothing.
          expect(
            stages.filter((s) => s.startsWith('dhcp:')).every((s) => s.startsWith('dhcp:proxy-')),
          ).toBe(true);
          expect(stages).toContain('dhcp:proxy-offer');
          expect(leases).toEqual([]);
          expect(readLeases(router.leases).toLowerCase()).toContain(VM_MAC);
        }
      } finally {
        db.close();
      }
    });
  }
});

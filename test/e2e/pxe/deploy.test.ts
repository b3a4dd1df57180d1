/**
 * Deploy end to end through the real `labboot serve` (bundled CLI) in a lab network with full
 * DHCP: custom images imported with `labboot images import`, machines marked with `labboot deploy`,
 * QEMU VMs with a blank virtio disk and network first. A marked VM boots the ephemeral initramfs
 * (which does what cloud-init does with a `#!` NoCloud user-data), the installer writes the image
 * under busybox sh and reboots, LabBoot answers the next network boot with local boot, and the VM
 * prints the marker of the image from its own disk — BIOS (iPXE ROM, ddxz) and UEFI (OVMF PXE,
 * shim + GRUB, ddgz). Failures: a disk too small, a tampered blob, QEMU killed while installing;
 * a redeploy after them succeeds; an unmarked VM on the same LAN never gets the installer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, canUseNetns, type LabProcess } from '../../helpers/netns/netns-lab';
import { runLabboot, type CliResult } from '../../helpers/mirror/run-cli';
import { openDatabase } from '../../../src-main/store/database';
import { DeploymentStore, type Deployment } from '../../../src-main/store/deployment-store';
import { BootLogStore } from '../../../src-main/boot/dhcp/boot-log-store';
import { buildLan, routerConfig } from './lab';
import { startServe } from './serve-process';
import { syncLabStore } from './store-image';
import type { Firmware } from './qemu';
import { startDeployVm, type DeployVm } from './deploy-vm';
import {
  DISK_MARKER,
  buildBiosDisk,
  buildEphemeralInitrd,
  buildUefiDisk,
  compress,
  type DiskImage,
} from './deploy-payloads';

if (!canUseNetns())
  throw new Error('The deploy e2e tests need root (network namespaces, tap devices).');

const MiB = 1024 * 1024;
const BOOT_MS = 240_000;
const work = mkdtempSync(join(tmpdir(), 'labboot-deploy-e2e-'));
const dataDir = join(work, 'data');
let lab: NetnsLab;
let serve: LabProcess;
let lanNs = '';
let bios: DiskImage;
let uefi: DiskImage;
const seconds: Record<string, number> = {};

async function lb(...args: string[]): Promise<CliResult> {
  return runLabboot(['--data', dataDir, ...args], {}, 600_000);
}

async function lbOk(...args: string[]): Promise<string> {
  const r = await lb(...args);
  if (r.status !== 0) throw new Error(`labboot ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function deployment(mac: string): Deployment | undefined {
  const db = openDatabase(join(dataDir, 'labboot.sqlite'));
  try {
    return new DeploymentStore(db).get(mac);
  } finally {
    db.close();
  }
}

/** Waits until the MAC's deploy row satisfies `ok` (the serving process writes it). */
async function waitForState(
  mac: string,
  ok: (d: Deployment) => boolean,
  ms: number,
): Promise<Deployment> {
  const deadline = Date.now() + ms;
  for (;;) {
    const d = deployment(mac);
    if (d !== undefined && ok(d)) return d;
    if (Date.now() > deadline)
      throw new Error(
        `${mac}: state never came (last ${JSON.stringify(d)})\n${serve.stderr().slice(-3000)}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

let tapCount = 0;
/** A VM on the LAN with a fresh blank disk of `mib` MiB. */
function vm(
  name: string,
  firmware: Firmware,
  mac: string,
  mib: number,
): { vm: DeployVm; disk: string } {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const disk = join(dir, 'disk.raw');
  // Sparse: only what the installer writes takes space.
  writeFileSync(disk, '');
  truncateSync(disk, mib * MiB);
  const tap = `tap${++tapCount}`;
  lab.tap(lanNs, tap);
  lab.attach(lanNs, tap, 'br0');
  const options = {
    firmware,
    ns: lanNs,
    tap,
    mac,
    work: dir,
    timeoutMs: BOOT_MS,
    serverLog: () => `${serve.stdout()}\n${serve.stderr()}`,
  };
  return { vm: startDeployVm(lab, options, disk, name), disk };
}

/** The first `length` bytes of a file. */
function head(path: string, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const n = readSync(fd, buf, 0, length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  await syncLabStore(work, dataDir, 'http', buildEphemeralInitrd);
  bios = buildBiosDisk(work, 'bios-e2e');
  uefi = buildUefiDisk(work, 'uefi-e2e');
  await lbOk('images', 'import', 'bios-xz', compress(bios, 'xz'), '--firmware', 'bios');
  await lbOk('images', 'import', 'uefi-gz', compress(uefi, 'gz'), '--firmware', 'uefi');
  // A raw copy whose stored blob is then changed on the HTTP side: the sha256 check must catch it.
  const other = buildBiosDisk(work, 'bios-tampered');
  const imported = JSON.parse(await lbOk('--json', 'images', 'import', 'tampered', other.path)) as {
    sha256: string;
  };
  const blob = join(dataDir, 'blobs/sha256', imported.sha256.slice(0, 2), imported.sha256);
  const fd = openSync(blob, 'r+');
  try {
    writeSync(fd, Buffer.from([0x42]), 0, 1, 20 * MiB);
  } finally {
    closeSync(fd);
  }

  lab = new NetnsLab('dp');
  const net = buildLan(lab);
  lanNs = net.lan;
  const router = routerConfig(work, false);
  lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
  serve = await startServe(lab, net.srv, dataDir, [
    '--interface',
    net.srvIf,
    '--dhcp',
    'full',
    '--range',
    '10.77.0.20-10.77.0.49',
    '--boot',
    'ubuntu/jammy/amd64',
  ]);
}, 600_000);

afterAll(async () => {
  process.stdout.write(`[deploy-e2e] seconds: ${JSON.stringify(seconds)}\n`);
  await lab?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('deploy through labboot serve', () => {
  it('a disk too small fails with the installer’s sentence (deploy --wait exits 1 with it); an unmarked VM beside it never gets the installer', async () => {
    const mac = '52:54:00:77:01:01';
    const other = '52:54:00:77:01:02';
    const waiting = lb('deploy', mac, 'custom/bios-xz', '--wait');
    await waitForState(mac, (d) => d.phase === 'marked', 60_000);
    const started = Date.now();
    const small = vm('too-small', 'bios', mac, 16);
    const unmarked = vm('unmarked', 'bios', other, 64);
    try {
      const r = await waiting;
      seconds['too-small'] = (Date.now() - started) / 1000;
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toContain(
        `The disk /dev/vda holds 16777216 bytes (16 MiB), but custom/bios-xz needs ${bios.size} bytes (24 MiB); deploy it to a machine with a larger disk, or use a smaller image.`,
      );
      expect(deployment(mac)).toMatchObject({ state: 'failed' });
      const text = await unmarked.vm.waitFor(
        /LABBOOT-USERDATA-CONFIG|LABBOOT-USERDATA-SCRIPT/,
        BOOT_MS,
      );
      expect(text).toContain('LABBOOT-USERDATA-CONFIG #cloud-config');
      expect(text).not.toContain('LABBOOT-USERDATA-SCRIPT');
      const db = openDatabase(join(dataDir, 'labboot.sqlite'));
      try {
        const steps = new BootLogStore(db).timeline(other).map((e) => e.detail);
        expect(steps.some((s) => s.includes('/deploy/'))).toBe(false);
      } finally {
        db.close();
      }
      expect(deployment(other)).toBeUndefined();
    } finally {
      await small.vm.kill();
      await unmarked.vm.kill();
    }
  });

  it('a tampered blob fails the sha256 check; QEMU killed while installing ends failed; a redeploy (ddxz, BIOS) boots from its own disk', async () => {
    const mac = '52:54:00:77:01:03';
    await lbOk('deploy', mac, 'custom/tampered');
    const first = vm('bios', 'bios', mac, 64);
    try {
      const failed = await waitForState(mac, (d) => d.state !== 'deploying', BOOT_MS);
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatch(
        /^The image LabBoot sent does not match its sha256 \(got [0-9a-f]{64}, expected [0-9a-f]{64}\), so the start of \/dev\/vda was wiped/,
      );
    } finally {
      await first.vm.kill();
    }

    await lbOk('deploy', mac, 'custom/bios-xz');
    const killed = vm('bios-killed', 'bios', mac, 64);
    await waitForState(mac, (d) => d.phase === 'started' || d.phase === 'writing', BOOT_MS);
    await new Promise((r) => setTimeout(r, 1500));
    await killed.vm.kill();
    // Power back on: the machine network-boots again, and the cut deploy is failed.
    const again = vm('bios-after-kill', 'bios', mac, 64);
    try {
      const cut = await waitForState(mac, (d) => d.state === 'failed', BOOT_MS);
      expect(cut.error).toMatch(
        /^The machine started again while its installer was (starting|writing the disk) \(power loss or reset\)/,
      );
      await again.vm.waitFor(/LABBOOT-USERDATA-CONFIG/, BOOT_MS);
    } finally {
      await again.vm.kill();
    }

    const started = Date.now();
    const redeploy = lb('deploy', mac, 'custom/bios-xz', '--wait');
    await waitForState(mac, (d) => d.phase === 'marked', 60_000);
    const last = vm('bios-deploy', 'bios', mac, 64);
    try {
      const r = await redeploy;
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/writing|installer started/);
      const text = await last.vm.waitFor(new RegExp(`${DISK_MARKER} bios-e2e`), BOOT_MS);
      seconds['bios-deploy'] = (Date.now() - started) / 1000;
      // After the reboot iPXE got the local-boot script and handed over to the disk.
      expect(text.slice(text.indexOf('LABBOOT-USERDATA-SCRIPT'))).toContain(
        'Booting local disk under LabBoot direction',
      );
      expect(deployment(mac)).toMatchObject({
        state: 'deployed',
        image: 'bios-xz',
        disk: '/dev/vda',
      });
      await last.vm.kill();
      expect(sha(head(last.disk, bios.size))).toBe(sha(readFileSync(bios.path)));
    } finally {
      await last.vm.kill();
    }
  });

  it('UEFI (OVMF PXE, shim and GRUB): ddgz deployed, GRUB chainloads the disk’s EFI loader, marker from the disk', async () => {
    const mac = '52:54:00:77:01:04';
    const started = Date.now();
    await lbOk('deploy', mac, 'uefi-gz');
    const machine = vm('uefi', 'uefi', mac, 48);
    try {
      const text = await machine.vm.waitFor(new RegExp(`${DISK_MARKER} uefi-e2e`), BOOT_MS * 2);
      seconds['uefi-deploy'] = (Date.now() - started) / 1000;
      expect(text.slice(text.indexOf('LABBOOT-USERDATA-SCRIPT'))).toContain(
        'Booting local disk under LabBoot direction',
      );
      expect(deployment(mac)).toMatchObject({ state: 'deployed', image: 'uefi-gz' });
      const machines = JSON.parse(await lbOk('--json', 'machines')) as {
        mac: string;
        state: string;
      }[];
      expect(machines.find((m) => m.mac === mac)?.state).toBe('deployed');
      await machine.vm.kill();
      expect(sha(head(machine.disk, uefi.size))).toBe(sha(readFileSync(uefi.path)));
    } finally {
      await machine.vm.kill();
    }
  });
});

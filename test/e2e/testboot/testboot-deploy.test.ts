/**
 * `labboot testboot custom/NAME` end to end, as a user without root: a small BIOS disk image
 * (syslinux, the Debian kernel, a marker initrd), imported as ddgz, is deployed by the real
 * installer in the ephemeral environment (an initramfs that runs the NoCloud user-data as
 * cloud-init would) onto the VM's throwaway raw disk; the installer's reports become milestones,
 * and after its reboot LabBoot answers with local boot and the VM starts the kernel from its own
 * disk. The kept disk file starts with the image's bytes, and the VM's deploy state is gone.
 * TCG only (the user is not in the kvm group).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../../src-main/services';
import { labbootBin } from '../../helpers/console-process';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { makeTempDir } from '../../helpers/temp-dir';
import { buildSquashfs, kernelPath } from '../pxe/payloads';
import { syncTestImage } from '../pxe/store-image';
import {
  DISK_MARKER,
  buildBiosDisk,
  buildEphemeralInitrd,
  compress,
  type DiskImage,
} from '../pxe/deploy-payloads';
import { createUnprivilegedUser, type UnprivilegedUser } from './unprivileged-user';

const tmp = makeTempDir('labboot-testboot-deploy-e2e-');
const work = join(tmp.path, 'work');
const dataDir = join(tmp.path, 'data');
const vmTemp = join(tmp.path, 'vm-tmp');
let user: UnprivilegedUser | undefined;
let disk: DiskImage;

beforeAll(async () => {
  execFileSync('npx', ['electron-vite', 'build'], { stdio: 'ignore' });
  mkdirSync(work, { recursive: true });
  const initrd = join(work, 'initrd.img');
  const squashfs = join(work, 'root.squashfs');
  buildEphemeralInitrd(work, initrd);
  buildSquashfs(work, squashfs);
  await syncTestImage(join(work, 'mirror'), dataDir, {
    kernel: kernelPath().path,
    initrd,
    squashfs,
  });
  disk = buildBiosDisk(work, 'testboot-deploy');
  // Without `quiet`, so the console shows the disk's kernel starting.
  const cfg = join(work, 'syslinux.cfg');
  writeFileSync(
    cfg,
    'DEFAULT disk\nLABEL disk\n  KERNEL vmlinuz\n  INITRD initrd.img\n  APPEND console=ttyS0\n',
  );
  execFileSync('mcopy', ['-o', '-i', `${disk.path}@@1M`, cfg, '::syslinux.cfg'], {
    env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
  });
  const imported = await runLabboot(
    ['--data', dataDir, 'images', 'import', 'tb', compress(disk, 'gz'), '--firmware', 'bios'],
    {},
    120_000,
  );
  if (imported.status !== 0) throw new Error(`images import failed: ${imported.stderr}`);
  mkdirSync(vmTemp);
  user = createUnprivilegedUser();
  chmodSync(tmp.path, 0o755);
  user.own(dataDir);
  user.own(vmTemp);
}, 180_000);

afterAll(() => {
  user?.remove();
  tmp.remove();
});

/** The first `length` bytes of a file. */
function head(path: string, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    return buf.subarray(0, readSync(fd, buf, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('labboot testboot custom/NAME', () => {
  it('deploys the image to a throwaway disk, follows the installer, and boots the VM from that disk', async () => {
    if (user === undefined) throw new Error('no test user');
    const r = await user.run(
      process.execPath,
      [
        labbootBin,
        '--data',
        dataDir,
        'testboot',
        'custom/tb',
        '--memory',
        '512',
        '--console',
        '--keep',
        '--timeout',
        '280',
      ],
      { env: { TMPDIR: vmTemp }, timeoutMs: 300_000 },
    );
    expect(r.stderr).toMatch(/^Test boot of custom\/tb: BIOS VM \((52:54:00:[0-9a-f:]+)\)/m);
    expect(r.status, `${r.stderr}\n${r.stdout.slice(-3000)}`).toBe(0);
    const milestones = [...r.stderr.matchAll(/^\s+(\d+\.\d) s {2}(.+)$/gm)].map((m) => m[2] ?? '');
    const reports = milestones.filter((m) => m.startsWith('installer'));
    expect(reports[0]).toBe('installer started');
    expect(reports.slice(-2)).toEqual(['installer verified the image', 'installer done']);
    expect(milestones.slice(milestones.indexOf('installer done') + 1)).toEqual([
      'LabBoot answered the next network boot with local boot',
      "kernel started from the VM's own disk",
    ]);
    // The disk's own initrd printed its marker, after LabBoot's local-boot script.
    const afterInstall = r.stdout.slice(r.stdout.indexOf('LABBOOT-USERDATA-SCRIPT'));
    expect(afterInstall).toContain('Booting local disk under LabBoot direction');
    expect(afterInstall).toContain(`${DISK_MARKER} testboot-deploy`);
    expect(r.stdout).toMatch(
      /The deployed image booted from the VM's own disk: its kernel started/,
    );

    const folder = /The VM's folder is kept at (\S+)\./.exec(r.stdout)?.[1];
    expect(folder).toBeDefined();
    const raw = join(folder ?? '', 'disk.raw');
    expect(sha(head(raw, disk.size))).toBe(sha(readFileSync(disk.path)));

    const mac = /Test boot of custom\/tb: BIOS VM \(([0-9a-f:]+)\)/.exec(r.stderr)?.[1] ?? '';
    const services = await createServices({ dataDir, frontDoor: 'cli', stderrLogLevel: 'silent' });
    try {
      expect(services.deploy.deployments.get(mac)).toBeUndefined();
      expect(services.boot.choices.list()).toEqual([]);
    } finally {
      await services.dispose();
    }
  });
});

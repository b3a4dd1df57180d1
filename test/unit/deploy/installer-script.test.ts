/**
 * The installer script itself, under busybox sh with a fake /sys and plain files as disks: disk
 * choice, streaming decompression onto the disk, sha256 check, reports and reboot, and each
 * failure's sentence.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../helpers/temp-dir';
import { fakeDisk, pack, type Packing } from '../../helpers/deploy/disk-images';
import { InstallerHarness } from '../../helpers/deploy/installer-harness';

const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let tmp: ReturnType<typeof makeTempDir>;
let h: InstallerHarness;
let base: string;

beforeEach(async () => {
  tmp = makeTempDir('labboot-installer-');
  h = new InstallerHarness(join(tmp.path, 'machine'));
  base = await h.start();
});

afterEach(async () => {
  await h.stop();
  tmp.remove();
});

const settings = (
  kind: string,
  file: Buffer,
  total: number,
  over: Record<string, string> = {},
) => ({
  mode: 'deploy' as const,
  mac: '52:54:00:00:00:01',
  token: 'tok3n',
  image: 'custom/test',
  sha256: sha(file),
  kind,
  total,
  disk: 'auto',
  ...over,
});

const phases = (reports: readonly Record<string, string>[]): string[] =>
  reports.map((r) => r.phase ?? '').filter((p) => p !== 'writing');

describe('installer script under busybox sh', () => {
  const cases: [string, Packing][] = [
    ['ddgz', 'gz'],
    ['ddxz', 'xz'],
    ['ddbz2', 'bz2'],
    ['ddraw', 'raw'],
    ['ddtar', 'tar'],
    ['ddtgz', 'tgz'],
    ['ddtxz', 'txz'],
  ];
  for (const [kind, packing] of cases) {
    it(`writes a ${kind} image to the first fixed unused disk, reports and reboots`, async () => {
      const disk = fakeDisk(2 * MiB, 'gpt', kind);
      const file = readFileSync(pack(join(tmp.path, 'img'), disk, packing));
      h.machine(
        [
          { name: 'loop0', size: 8 * MiB, file: false },
          { name: 'sda', size: 8 * MiB },
          { name: 'sr0', size: 8 * MiB, removable: true },
          { name: 'vda', size: 4 * MiB },
        ],
        ['sda1'],
      );
      h.image = { body: file };
      const r = await h.run(settings(kind, file, disk.length), base);
      expect(r.code, r.output).toBe(0);
      const written = readFileSync(join(h.root, 'dev/vda'));
      expect(sha(written.subarray(0, disk.length))).toBe(sha(disk));
      // Past the image the disk is untouched.
      expect(written[disk.length]).toBe(0xee);
      expect(readFileSync(join(h.root, 'dev/sda'))[0]).toBe(0xee);
      expect(phases(r.reports)).toEqual(['started', 'verifying', 'done']);
      expect(r.reports.every((x) => x.token === 'tok3n')).toBe(true);
      expect(r.reports.at(-1)).toMatchObject({
        bytes: String(disk.length),
        disk: join(h.root, 'dev/vda'),
      });
      expect(r.rebooted).toBe(true);
    });
  }

  it('writes to the disk named with --disk', async () => {
    const disk = fakeDisk(MiB);
    const file = readFileSync(pack(join(tmp.path, 'img'), disk, 'gz'));
    h.machine([
      { name: 'vda', size: 4 * MiB },
      { name: 'vdb', size: 4 * MiB },
    ]);
    h.image = { body: file };
    const r = await h.run(settings('ddgz', file, disk.length, { disk: '/dev/vdb' }), base);
    expect(r.code, r.output).toBe(0);
    expect(readFileSync(join(h.root, 'dev/vdb'))[510]).toBe(0x55);
    expect(readFileSync(join(h.root, 'dev/vda'))[510]).toBe(0xee);
  });

  it('refuses a disk smaller than the image, in one sentence, without writing', async () => {
    const disk = fakeDisk(3 * MiB);
    const file = readFileSync(pack(join(tmp.path, 'img'), disk, 'gz'));
    h.machine([{ name: 'vda', size: 2 * MiB }]);
    h.image = { body: file };
    const r = await h.run(settings('ddgz', file, disk.length), base);
    expect(r.code).toBe(1);
    const failed = r.reports.at(-1);
    expect(failed?.phase).toBe('failed');
    expect(failed?.error).toBe(
      `The disk ${join(h.root, 'dev/vda')} holds 2097152 bytes (2 MiB), but custom/test needs 3145728 bytes (3 MiB); deploy it to a machine with a larger disk, or use a smaller image.`,
    );
    expect(readFileSync(join(h.root, 'dev/vda'))[0]).toBe(0xee);
    expect(r.rebooted).toBe(false);
  });

  it('fails when no disk qualifies (removable, read-only or in use)', async () => {
    const disk = fakeDisk(MiB);
    const file = readFileSync(pack(join(tmp.path, 'img'), disk, 'gz'));
    h.machine(
      [
        { name: 'sda', size: 4 * MiB },
        { name: 'sdb', size: 4 * MiB, removable: true },
        { name: 'sdc', size: 4 * MiB, readOnly: true },
      ],
      ['sda'],
    );
    h.image = { body: file };
    const r = await h.run(settings('ddgz', file, disk.length), base);
    expect(r.code).toBe(1);
    expect(r.reports.at(-1)?.error).toMatch(/^No disk to install on: /);
  });

  it('reports a sha256 mismatch and wipes the start of the disk instead of rebooting into it', async () => {
    const disk = fakeDisk(MiB);
    const file = readFileSync(pack(join(tmp.path, 'img'), disk, 'raw'));
    const tampered = Buffer.from(file);
    tampered[600] = (tampered[600] ?? 0) ^ 0xff;
    h.machine([{ name: 'vda', size: 4 * MiB }]);
    h.image = { body: tampered };
    const r = await h.run(settings('ddraw', file, disk.length), base);
    expect(r.code).toBe(1);
    expect(r.reports.at(-1)?.error).toMatch(
      new RegExp(
        `^The image LabBoot sent does not match its sha256 \\(got ${sha(tampered)}, expected ${sha(file)}\\)`,
      ),
    );
    expect(
      readFileSync(join(h.root, 'dev/vda'))
        .subarray(0, 512)
        .every((b) => b === 0),
    ).toBe(true);
    expect(r.rebooted).toBe(false);
  });

  it('reports a download cut midway', async () => {
    const disk = fakeDisk(2 * MiB);
    const file = readFileSync(pack(join(tmp.path, 'img'), disk, 'raw'));
    h.machine([{ name: 'vda', size: 4 * MiB }]);
    h.image = { body: file, cut: 100_000 };
    const r = await h.run(settings('ddraw', file, disk.length), base);
    expect(r.code).toBe(1);
    expect(r.reports.at(-1)?.error).toMatch(/^Downloading custom\/test from LabBoot failed midway/);
  });

  it('erase mode zeroes the start and the end of the disk', async () => {
    h.machine([{ name: 'vda', size: 20 * MiB }]);
    const r = await h.run(
      { ...settings('ddraw', Buffer.alloc(0), 0), mode: 'erase', sha256: '' },
      base,
    );
    expect(r.code, r.output).toBe(0);
    const d = readFileSync(join(h.root, 'dev/vda'));
    expect(d.subarray(0, 16 * MiB).every((b) => b === 0)).toBe(true);
    expect(d.subarray(d.length - MiB).every((b) => b === 0)).toBe(true);
    expect(d[17 * MiB]).toBe(0xee);
    expect(phases(r.reports)).toEqual(['started', 'erased']);
    expect(r.rebooted).toBe(true);
  });
});

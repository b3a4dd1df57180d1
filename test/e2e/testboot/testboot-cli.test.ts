/**
 * `labboot testboot` end to end, as a user without root: an image synced from a real-shaped signed
 * mirror (the Debian kernel, the marker initramfs, a squashfs) boots in QEMU on user-mode
 * networking through LabBoot's iPXE script, BIOS and UEFI, to the marker and its login prompt,
 * judged from the serial console. Also: QEMU missing says what to install, and a kernel option
 * that leaves the kernel silent ends in "no kernel output" instead of a hang. TCG only (the user
 * is not in the kvm group), so each boot takes some 20–40 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../../src-main/services';
import { labbootBin } from '../../helpers/console-process';
import { makeTempDir } from '../../helpers/temp-dir';
import { buildInitramfs, buildSquashfs, kernelPath, MARKER } from '../pxe/payloads';
import { syncTestImage } from '../pxe/store-image';
import { createUnprivilegedUser, type UnprivilegedUser } from './unprivileged-user';

const tmp = makeTempDir('labboot-testboot-e2e-');
const work = join(tmp.path, 'work');
const dataDir = join(tmp.path, 'data');
/** The user's TMPDIR: the VM folders go here and must be gone after each boot. */
const vmTemp = join(tmp.path, 'vm-tmp');
let user: UnprivilegedUser | undefined;

beforeAll(async () => {
  execFileSync('npx', ['electron-vite', 'build'], { stdio: 'ignore' });
  mkdirSync(work, { recursive: true });
  const initrd = join(work, 'initrd.img');
  const squashfs = join(work, 'root.squashfs');
  buildInitramfs(work, initrd);
  buildSquashfs(work, squashfs);
  await syncTestImage(join(work, 'mirror'), dataDir, {
    kernel: kernelPath().path,
    initrd,
    squashfs,
  });
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

function testboot(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 200_000) {
  if (user === undefined) throw new Error('no test user');
  return user.run(process.execPath, [labbootBin, '--data', dataDir, 'testboot', ...args], {
    env: { TMPDIR: vmTemp, ...env },
    timeoutMs,
  });
}

/** The extra kernel options every machine gets (as `serve --kernel-opts` or the UI set them). */
async function setGlobalKernelOptions(text: string): Promise<void> {
  const services = await createServices({ dataDir, frontDoor: 'cli', stderrLogLevel: 'silent' });
  try {
    services.boot.kernelOptions.set('default', text);
  } finally {
    await services.dispose();
  }
}

/** What a test boot left in the store: per-MAC choices and kernel options. */
async function leftovers(): Promise<{ choices: string[]; options: string[] }> {
  const services = await createServices({ dataDir, frontDoor: 'cli', stderrLogLevel: 'silent' });
  try {
    return {
      choices: services.boot.choices.list().map((c) => c.mac),
      options: services.boot.kernelOptions.view().machines.map((m) => m.mac),
    };
  } finally {
    await services.dispose();
  }
}

describe('labboot testboot', () => {
  for (const firmware of ['bios', 'uefi'] as const) {
    it(`boots the synced image in a ${firmware.toUpperCase()} VM as a user without root, to the marker`, async () => {
      const r = await testboot([
        '--firmware',
        firmware,
        '--memory',
        '512',
        '--console',
        '--timeout',
        '180',
      ]);
      expect(r.stderr).toMatch(/^Test boot of ubuntu\/jammy\/amd64: /m);
      expect(r.stderr).toContain('TCG emulation');
      expect(r.stderr).toMatch(
        /through LabBoot's HTTP server on 127\.0\.0\.1:\d+, started for this test \(http:\/\/10\.0\.2\.2:\d+\/boot\.ipxe\)/,
      );
      expect(r.status, r.stderr).toBe(0);
      // The console went to stdout: the marker the initramfs prints after fetching the squashfs.
      expect(r.stdout).toContain(MARKER);
      expect(r.stdout).toMatch(
        /Kernel command line: .*root=squash:http:\/\/10\.0\.2\.2:\d+\/images\/.* console=ttyS0,115200/,
      );
      const milestones = [...r.stderr.matchAll(/^\s+(\d+\.\d) s {2}(.+)$/gm)].map((m) => m[2]);
      expect(milestones).toEqual([
        'firmware started',
        'network boot ROM got an address',
        "LabBoot's boot script loaded",
        'kernel and initramfs downloaded',
        'kernel started',
        'initramfs running',
        'login prompt',
      ]);
      expect(r.stdout).toMatch(/^The image booted: login prompt after \d+\.\d s\.$/m);
      expect(readdirSync(vmTemp)).toEqual([]);
      expect(await leftovers()).toEqual({ choices: [], options: [] });
    });
  }

  it('boots through a running `labboot serve` on a network interface, with the configs it serves', async () => {
    if (user === undefined) throw new Error('no test user');
    // A namespace of the test's own with a veth pair stands in for the host's LAN interface.
    const ns = `lbtb${randomBytes(3).toString('hex')}`;
    const ip = (...args: string[]): void => void execFileSync('ip', args);
    ip('netns', 'add', ns);
    try {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan1');
      ip('-n', ns, 'addr', 'add', '10.213.7.1/24', 'dev', 'lan0');
      ip('-n', ns, 'link', 'set', 'lan0', 'up');
      ip('-n', ns, 'link', 'set', 'lan1', 'up');
      const asUser = [
        'netns',
        'exec',
        ns,
        '/usr/bin/setpriv',
        '--reuid',
        user.name,
        '--regid',
        user.name,
        '--clear-groups',
        '--',
      ];
      const serve = spawn(
        'ip',
        [
          ...asUser,
          process.execPath,
          labbootBin,
          '--data',
          dataDir,
          'serve',
          '--address',
          '10.213.7.1',
          '--dhcp',
          'off',
          '--http-port',
          '0',
          '--tftp-port',
          '0',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin', NO_COLOR: '1' } },
      );
      let serveOut = '';
      serve.stdout.on('data', (d: Buffer) => (serveOut += d.toString()));
      serve.stderr.on('data', (d: Buffer) => (serveOut += d.toString()));
      try {
        await expect.poll(() => serveOut, { timeout: 30_000 }).toContain('LabBoot serving');
        const r = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
          const child = spawn(
            'ip',
            [
              ...asUser,
              process.execPath,
              labbootBin,
              '--data',
              dataDir,
              'testboot',
              '--memory',
              '512',
              '--timeout',
              '180',
            ],
            {
              stdio: ['ignore', 'pipe', 'pipe'],
              env: { PATH: '/usr/bin:/bin', NO_COLOR: '1', TMPDIR: vmTemp },
            },
          );
          let stderr = '';
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          const timer = setTimeout(() => child.kill('SIGKILL'), 200_000);
          child.on('close', (status) => {
            clearTimeout(timer);
            resolve({ status, stderr });
          });
        });
        expect(r.stderr).toMatch(
          /through the boot server LabBoot process \d+ runs on 10\.213\.7\.1 \(http:\/\/10\.213\.7\.1:\d+\/boot\.ipxe\)/,
        );
        expect(r.status, r.stderr).toBe(0);
        // The running server answered the VM: its own log names the script and the squashfs.
        expect(serveOut).toMatch(/boot\.ipxe/);
        expect(serveOut).toMatch(/squashfs/);
      } finally {
        serve.kill('SIGTERM');
        await new Promise((resolve) => serve.once('close', resolve));
      }
    } finally {
      ip('netns', 'del', ns);
    }
    expect(await leftovers()).toEqual({ choices: [], options: [] });
  });

  it('names the packages to install when QEMU is not on PATH', async () => {
    const r = await testboot(['--firmware', 'uefi'], { PATH: '/nonexistent' }, 30_000);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      'labboot: A test boot needs QEMU, and qemu-system-x86_64 is not on PATH; install qemu-system-x86 and ovmf (Debian, Ubuntu) or qemu-system-x86 and edk2-ovmf (Fedora).',
    );
  });

  it('reports no kernel output, instead of hanging, when a kernel option leaves the kernel silent', async () => {
    // `mem=1M`, a typo for 1G: the kernel hangs before its console starts, printing nothing.
    // (BIOS iPXE reads `mem=` too and refuses the kernel itself, so this boots UEFI.)
    await setGlobalKernelOptions('mem=1M');
    try {
      const r = await testboot(
        ['--firmware', 'uefi', '--memory', '512', '--timeout', '240'],
        {},
        260_000,
      );
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('kernel and initramfs downloaded');
      expect(r.stderr).not.toContain('kernel started');
      expect(r.stderr).toMatch(
        /labboot: The test boot failed: no kernel output after 45 s once the bootloader started the kernel; check the extra kernel options/,
      );
      // Judged at the silence, long before the timeout.
      expect(r.ms).toBeLessThan(150_000);
    } finally {
      await setGlobalKernelOptions('');
    }
  });
});

/**
 * `labboot serve --kernel-opts` on loopback with DHCP off, as separate processes on one data
 * folder synced from a signed loopback mirror: the generated PXELINUX, GRUB and iPXE configs,
 * fetched over HTTP and TFTP (curl), carry the global options after LabBoot's own and a
 * machine's own options after them; the options are kept for the next run; bad options are
 * refused with one sentence before anything is served. The same run's output names each step's
 * boot path and why a name was not served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { startLoopbackServe, type LoopbackServe } from '../../helpers/loopback-serve';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { requireBinaries, run } from '../../helpers/boot/udp-tools';
import { makeTempDir } from '../../helpers/temp-dir';
import { openDatabase } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { KernelOptionsStore } from '../../../src-main/boot/config/kernel-options-store';

const tmp = makeTempDir();
let server: MirrorServer | undefined;
const data = join(tmp.path, 'data');
const lb = (...args: string[]) => runLabboot(['--data', data, ...args]);
const MAC = '52:54:00:6b:6f:01';

beforeAll(async () => {
  await requireBinaries(['curl']);
  const mirror = await standardMirror(join(tmp.path, 'mirror'), await generateTestKey());
  server = await new MirrorServer(mirror.root).start();
  const keyFile = join(tmp.path, 'mirror.asc');
  writeFileSync(keyFile, mirror.key.publicKey);
  for (const args of [
    ['sources', 'add', server.url, '--keyring', keyFile, '--name', 'loop'],
    ['select', 'add', 'ubuntu/jammy/amd64'],
    ['sync'],
  ]) {
    const r = await lb(...args);
    expect(r.status, r.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
  tmp.remove();
});

type Serving = LoopbackServe;

/** serve runs `labboot serve` on 127.0.0.1 in its own process until `stop` (by its pid). */
const serve = (extra: readonly string[]): Promise<Serving> =>
  startLoopbackServe({ dataDir: data, args: ['--boot', 'ubuntu/jammy/amd64', ...extra] });

const http = async (s: Serving, path: string): Promise<string> =>
  (await run('curl', ['-sSf', `http://127.0.0.1:${s.httpPort}/${path}`])).stdout;
const tftp = async (s: Serving, path: string): Promise<string> =>
  (await run('curl', ['-sSf', `tftp://127.0.0.1:${s.tftpPort}/${path}`])).stdout;

/** The lines of a config that hand the kernel its command line. */
const kernelLines = (config: string): string[] =>
  config.split('\n').filter((l) => /^\s*(APPEND |(if )?linux |kernel )/.test(l));

describe('labboot serve --kernel-opts', { timeout: 120_000 }, () => {
  it('puts the options on every loader’s kernel line, over HTTP and TFTP', async () => {
    const s = await serve(['--kernel-opts', 'console=ttyS0,115200  systemd.log_level=info']);
    try {
      const configs = {
        pxelinuxTftp: await tftp(s, `pxelinux.cfg/01-${MAC.replaceAll(':', '-')}`),
        pxelinuxHttp: await http(s, `pxelinux.cfg/01-${MAC.replaceAll(':', '-')}`),
        grubTftp: await tftp(s, `grub/grub.cfg-${MAC}`),
        grubHttp: await http(s, `grub/grub.cfg-${MAC}`),
        ipxe: await http(s, `ipxe.cfg-${MAC}`),
      };
      for (const [name, config] of Object.entries(configs)) {
        const lines = kernelLines(config);
        expect(lines.length, `${name}:\n${config}`).toBeGreaterThan(0);
        for (const line of lines) {
          expect(line, name).toMatch(
            /ip=::::labboot-6b6f01:BOOTIF:dhcp .* overlayroot_cfgdisk=disabled console=ttyS0,115200 systemd\.log_level=info( BOOTIF=[^\s;]+)?(; then)?$/,
          );
        }
      }
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('keeps the options for the next run and adds a machine’s own after them', async () => {
    const db = openDatabase(join(data, 'labboot.sqlite'));
    try {
      new KernelOptionsStore(db, new SettingsStore(db)).set(MAC, 'nvme_core.multipath=N');
    } finally {
      db.close();
    }
    const s = await serve([]);
    try {
      const [own] = kernelLines(await tftp(s, `pxelinux.cfg/01-${MAC.replaceAll(':', '-')}`));
      expect(own).toMatch(
        / overlayroot_cfgdisk=disabled console=ttyS0,115200 systemd\.log_level=info nvme_core\.multipath=N$/,
      );
      const [other] = kernelLines(await http(s, 'pxelinux.cfg/01-52-54-00-00-00-02'));
      expect(other).toMatch(/ console=ttyS0,115200 systemd\.log_level=info$/);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('clears them with --kernel-opts ""', async () => {
    const s = await serve(['--kernel-opts', '']);
    try {
      const [line] = kernelLines(await http(s, 'pxelinux.cfg/01-52-54-00-00-00-02'));
      expect(line).toMatch(/ overlayroot_cfgdisk=disabled$/);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('prints the boot path and why a boot loader file is missing, and a probe as no failure', async () => {
    const s = await serve([]);
    try {
      await tftp(s, 'snponly.efi').catch(() => undefined);
      await tftp(s, 'pxelinux.cfg/C0A80A05').catch(() => undefined);
      await http(s, 'ipxe.efi').catch(() => undefined);
      const deadline = Date.now() + 5000;
      while (!s.output().includes('GET /ipxe.efi') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const lines = s.output().split('\n');
      expect(lines.find((l) => l.includes(' snponly.efi '))).toMatch(
        /tftp 127\.0\.0\.1 snponly\.efi not-found 0 B in \d+ ms \(asked for snponly\.efi, not in the stream's bootloaders\) via PXE\/TFTP$/,
      );
      expect(lines.find((l) => l.includes('C0A80A05'))).toMatch(
        /\(probed for pxelinux\.cfg\/C0A80A05, not served \(an expected probe, not a failure\)\) via PXE\/TFTP$/,
      );
      expect(lines.find((l) => l.includes('GET /ipxe.efi'))).toMatch(
        /GET \/ipxe\.efi 404 \d+ B in \d+ ms \(asked for ipxe\.efi, not in the stream's bootloaders\)$/,
      );
    } finally {
      expect(await s.stop()).toBe(0);
    }
    const log = await lb('log', '--limit', '3');
    expect(log.status, log.stderr).toBe(0);
    expect(log.stdout).toContain(
      "snponly.efi — not-found, 0 B (asked for snponly.efi, not in the stream's bootloaders) via PXE/TFTP",
    );
  });

  it('refuses options with a line break in one sentence, serving nothing', async () => {
    const r = await lb(
      'serve',
      '--address',
      '127.0.0.1',
      '--dhcp',
      'off',
      '--kernel-opts',
      'quiet\ninit=/bin/sh',
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'labboot: Kernel options must be one line of options separated by spaces, but these contain a line break; remove it.\n',
    );
    expect(r.stdout).toBe('');
  });
});

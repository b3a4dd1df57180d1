/**
 * The admin's extra kernel options as each boot loader gets them: stored global and per-MAC
 * options, through the resolver, into the PXELINUX, GRUB and iPXE configs — after LabBoot's own
 * options (global first, then the machine's), before BOOTIF.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { SettingsStore } from '../../../../src-main/store/settings-store';
import { KernelOptionsStore } from '../../../../src-main/boot/config/kernel-options-store';
import { BootResolver } from '../../../../src-main/boot/config/boot-resolver';
import { loadTemplates } from '../../../../src-main/boot/config/templates';
import type { BootImage } from '../../../../src-main/store/boot-resources';

const mac = '52:54:00:12:34:56';
const other = '52:54:00:00:00:09';

const file = (ftype: string, sha: string): BootImage['files'][number] => ({
  name: ftype,
  ftype,
  sha256: sha.repeat(64 / sha.length),
  size: 1,
  path: `/nonexistent/${ftype}`,
});
const image: BootImage = {
  os: 'ubuntu',
  release: 'noble',
  arch: 'amd64',
  subarch: 'ga-24.04',
  kflavor: 'generic',
  label: 'stable',
  version: '20250709',
  files: [file('boot-kernel', 'a1'), file('boot-initrd', 'b2'), file('squashfs', 'c3')],
};

let db: Database | undefined;
afterEach(() => db?.close());

function resolver(): { options: KernelOptionsStore; resolve: (name: string) => Promise<string> } {
  db = openDatabase(':memory:');
  const options = new KernelOptionsStore(db, new SettingsStore(db));
  const r = new BootResolver({
    catalog: { listImages: () => [image], findImage: () => image, listBootloaders: () => [] },
    choices: {
      effective: (m) => ({
        mac: m ?? 'default',
        action: 'image',
        image: 'ubuntu/noble/amd64',
        hostname: null,
        updatedAt: '',
      }),
    },
    templates: loadTemplates(),
    endpoint: () => ({ host: '10.0.0.2', httpPort: 5248 }),
    sshKeys: () => [],
    kernelOptions: (m) => options.effective(m),
  });
  return {
    options,
    resolve: async (name) => {
      const content = await r.resolve(name, { address: '10.0.0.5', protocol: 'http' });
      if (content.kind !== 'bytes') throw new Error(`${name} is not a generated config`);
      return new TextDecoder().decode(content.data);
    },
  };
}

/** The kernel lines of a config (GRUB may have a second one for its TFTP fallback). */
const kernelLines = (config: string, start: RegExp): string[] =>
  config.split('\n').filter((l) => start.test(l));

const lowest = 'overlayroot_cfgdisk=disabled';
const both = `${lowest} console=ttyS0,115200 quiet systemd.log_level=debug`;
const globalOnly = `${lowest} console=ttyS0,115200 quiet`;

describe('extra kernel options in the boot configs', () => {
  it('ends the PXELINUX APPEND line with the global, then the machine’s options', async () => {
    const { options, resolve } = resolver();
    options.set('default', 'console=ttyS0,115200 quiet');
    options.set(mac, 'systemd.log_level=debug');
    const own = await resolve('pxelinux.cfg/01-52-54-00-12-34-56');
    expect(kernelLines(own, /^\s*APPEND /)).toEqual([
      expect.stringMatching(new RegExp(`${both}$`)),
    ]);
    const unknown = await resolve(`pxelinux.cfg/01-${other.replaceAll(':', '-')}`);
    expect(kernelLines(unknown, /^\s*APPEND /)).toEqual([
      expect.stringMatching(new RegExp(`${globalOnly}$`)),
    ]);
  });

  it('puts them on every GRUB linux line, before BOOTIF', async () => {
    const { options, resolve } = resolver();
    options.set('default', 'console=ttyS0,115200 quiet');
    options.set(mac, 'systemd.log_level=debug');
    const lines = kernelLines(await resolve(`grub/grub.cfg-${mac}`), /^\s*(if )?linux /);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toContain(`${both} BOOTIF=01-\${net_default_mac}`);
  });

  it('puts them on the iPXE kernel line, before BOOTIF', async () => {
    const { options, resolve } = resolver();
    options.set('default', 'console=ttyS0,115200 quiet');
    options.set(mac, 'systemd.log_level=debug');
    expect(kernelLines(await resolve(`ipxe.cfg-${mac}`), /^kernel /)).toEqual([
      expect.stringContaining(`${both} BOOTIF=01-\${mac:hexhyp}`),
    ]);
  });

  it('adds nothing when none are set', async () => {
    const { resolve } = resolver();
    expect(kernelLines(await resolve(`pxelinux.cfg/01-52-54-00-12-34-56`), /^\s*APPEND /)).toEqual([
      expect.stringMatching(new RegExp(`${lowest}$`)),
    ]);
  });
});

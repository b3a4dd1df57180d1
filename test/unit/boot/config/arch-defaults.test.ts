/**
 * The default image per client architecture: `default-<arch>` wins over `default` for machines of
 * that architecture, a machine's own choice wins over both, and the resolver learns a client's
 * architecture from the UEFI bootloader it fetched (GRUB's per-MAC config name carries none).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { ChoiceStore } from '../../../../src-main/boot/config/choice-store';
import { BootResolver } from '../../../../src-main/boot/config/boot-resolver';
import { loadTemplates } from '../../../../src-main/boot/config/templates';
import { BootContentError, type BootClient } from '../../../../src-main/boot/boot-files';
import type { BootImage, BootloaderFiles } from '../../../../src-main/store/boot-resources';
import { CLIENT_ARCHS_MAX, ClientArchs } from '../../../../src-main/boot/config/client-archs';
import { archDefaultKey, defaultKeyArch } from '../../../../src-shared/boot/choices';
import { backupChoiceSchema } from '../../../../src-shared/backup/config-document';
import { makeTempDir } from '../../../helpers/temp-dir';

let db: Database | undefined;
const tmp = makeTempDir();
afterEach(() => db?.close());
afterAll(() => tmp.remove());

function store(): ChoiceStore {
  db = openDatabase(':memory:');
  return new ChoiceStore(db);
}

describe('per-architecture default keys', () => {
  it('names the default of one architecture and tells it from `default` and from MACs', () => {
    expect(archDefaultKey('arm64')).toBe('default-arm64');
    expect(defaultKeyArch('default-arm64')).toBe('arm64');
    expect(defaultKeyArch('default')).toBeNull();
    expect(defaultKeyArch('52:54:00:12:34:56')).toBeUndefined();
    expect(defaultKeyArch('default-')).toBeUndefined();
  });
});

describe('ChoiceStore defaults per architecture', () => {
  it('prefers the machine, then its architecture’s default, then the default for every one', () => {
    const s = store();
    s.set('default', { action: 'local' });
    s.set('DEFAULT-ARM64', { action: 'image', image: 'ubuntu/noble/arm64' });
    s.set('default-amd64', { action: 'image', image: 'ubuntu/jammy/amd64' });
    s.set('52:54:00:00:00:01', { action: 'image', image: 'ubuntu/focal/arm64' });
    expect(s.effective('52:54:00:00:00:02', 'arm64')?.image).toBe('ubuntu/noble/arm64');
    expect(s.effective('52:54:00:00:00:02', 'amd64')?.image).toBe('ubuntu/jammy/amd64');
    expect(s.effective('52:54:00:00:00:02', 'ppc64el')?.action).toBe('local');
    expect(s.effective('52:54:00:00:00:02', undefined)?.action).toBe('local');
    expect(s.effective('52:54:00:00:00:01', 'arm64')?.image).toBe('ubuntu/focal/arm64');
    expect(s.list().map((c) => c.mac)).toEqual([
      'default',
      'default-amd64',
      'default-arm64',
      '52:54:00:00:00:01',
    ]);
    expect(s.remove('default-arm64')).toBe(true);
    expect(s.effective(undefined, 'arm64')?.action).toBe('local');
  });

  it('uses a sole per-architecture default when the client’s architecture is unknown', () => {
    const s = store();
    s.set('default-amd64', { action: 'image', image: 'ubuntu/jammy/amd64' });
    expect(s.effective('52:54:00:00:00:02')?.image).toBe('ubuntu/jammy/amd64');
    s.set('default-arm64', { action: 'image', image: 'ubuntu/jammy/arm64' });
    // Two of them and no `default`: which one is unknown, so none (GRUB then asks per arch).
    expect(s.effective('52:54:00:00:00:02')).toBeUndefined();
  });

  it('refuses a key that is neither a MAC nor a default', () => {
    expect(() => store().set('default-arm64-x', { action: 'local' })).toThrow(
      /is not a MAC address/,
    );
  });
});

describe('ClientArchs', () => {
  it('maps IPv4-mapped and plain addresses alike and forgets the oldest beyond its bound', () => {
    const archs = new ClientArchs();
    archs.note('::ffff:10.0.0.7', 'arm64');
    expect(archs.archOf('10.0.0.7')).toBe('arm64');
    for (let i = 0; i < CLIENT_ARCHS_MAX; i++) archs.note(`10.1.${i >> 8}.${i & 255}`, 'amd64');
    expect(archs.archOf('10.0.0.7')).toBeUndefined();
    expect(archs.archOf('10.1.0.0')).toBe('amd64');
  });
});

const file = (ftype: string, sha: string): BootImage['files'][number] => ({
  name: ftype,
  ftype,
  sha256: sha.repeat(64 / sha.length),
  size: 1,
  path: `/nonexistent/${ftype}`,
});
const imageOf = (arch: string, sha: [string, string, string]): BootImage => ({
  os: 'ubuntu',
  release: 'jammy',
  arch,
  subarch: 'ga-22.04',
  kflavor: 'generic',
  label: 'stable',
  version: '20251101',
  files: [file('boot-kernel', sha[0]), file('boot-initrd', sha[1]), file('squashfs', sha[2])],
});
const images = [imageOf('amd64', ['a1', 'b2', 'c3']), imageOf('arm64', ['d4', 'e5', 'f6'])];

/** Bootloader products with the real products' file names, in folders of their own. */
function bootloaders(): BootloaderFiles[] {
  const product = (arch: string, files: string[]): BootloaderFiles => {
    const dir = join(tmp.path, `uefi-${arch}`);
    mkdirSync(dir, { recursive: true });
    for (const f of files) writeFileSync(join(dir, f), f);
    return { os: 'grub-efi', bootloaderType: 'uefi', arch, version: '20251101.0', dir };
  };
  return [
    product('amd64', ['bootx64.efi', 'mmx64.efi', 'grubx64.efi']),
    product('arm64', ['bootaa64.efi', 'mmaa64.efi', 'grubaa64.efi']),
  ];
}

function resolver(choices: ChoiceStore): (name: string, client: BootClient) => Promise<string> {
  const loaders = bootloaders();
  const r = new BootResolver({
    catalog: {
      listImages: () => images,
      findImage: (spec) => images.find((i) => spec === `ubuntu/jammy/${i.arch}`),
      listBootloaders: () => loaders,
    },
    choices,
    templates: loadTemplates(),
    endpoint: () => ({ host: '10.0.0.2', httpPort: 5248 }),
    sshKeys: () => [],
  });
  return async (name, client) => {
    const content = await r.resolve(name, client);
    if (content.kind === 'file') {
      await content.handle.close();
      return `file ${name}`;
    }
    return new TextDecoder().decode(content.data);
  };
}

const arm = { address: '10.0.0.7', protocol: 'tftp' } as const;
const x86 = { address: '::ffff:10.0.0.8', protocol: 'http' } as const;
const stranger = { address: '10.0.0.9', protocol: 'tftp' } as const;
const armKernel = /\/images\/d4d4d4d\/ubuntu\/arm64\/ga-22\.04\/jammy\/stable\/boot-kernel\b/;
const x86Kernel = /\/images\/a1a1a1a\/ubuntu\/amd64\/ga-22\.04\/jammy\/stable\/boot-kernel\b/;

describe('BootResolver defaults per client architecture', () => {
  it('serves each architecture its default, by config name and by the bootloader fetched', async () => {
    const choices = store();
    choices.set('default-amd64', { action: 'image', image: 'ubuntu/jammy/amd64' });
    choices.set('default-arm64', { action: 'image', image: 'ubuntu/jammy/arm64' });
    const resolve = resolver(choices);
    expect(await resolve('grub/grub.cfg-default-arm64', stranger)).toMatch(armKernel);
    expect(await resolve('grub/grub.cfg-default-x86_64', stranger)).toMatch(x86Kernel);
    expect(await resolve('pxelinux.cfg/01-52-54-00-00-00-03', stranger)).toMatch(x86Kernel);
    // The firmware fetches shim, shim fetches GRUB; then GRUB asks for its per-MAC config.
    await resolve('bootaa64.efi', arm);
    await resolve('grubaa64.efi', arm);
    await resolve('images/bootx64.efi', x86);
    expect(await resolve('grub/grub.cfg-52:54:00:00:00:01', arm)).toMatch(armKernel);
    expect(await resolve('grub/grub.cfg-52:54:00:00:00:02', x86)).toMatch(x86Kernel);
    // An iPXE NIC ROM fetched nothing from LabBoot: it is an x86 PC.
    expect(await resolve('ipxe.cfg-52-54-00-00-00-06', stranger)).toMatch(x86Kernel);
    // GRUB from elsewhere: no per-MAC answer, so it falls back to `grub.cfg-default-<cpu>`.
    await expect(resolve('grub/grub.cfg-52:54:00:00:00:04', stranger)).rejects.toThrow(
      BootContentError,
    );
  });

  it('lets a machine’s own choice win, and refuses an image of another architecture', async () => {
    const choices = store();
    choices.set('default-arm64', { action: 'image', image: 'ubuntu/jammy/arm64' });
    choices.set('52:54:00:00:00:01', { action: 'local' });
    choices.set('52:54:00:00:00:05', { action: 'image', image: 'ubuntu/jammy/amd64' });
    const resolve = resolver(choices);
    await resolve('bootaa64.efi', arm);
    // GRUB picks the removable-media loader of its own CPU: BOOTAA64.EFI on arm64.
    const local = await resolve('grub/grub.cfg-52:54:00:00:00:01', arm);
    expect(local).toMatch(
      /if \[ "\$\{grub_cpu\}" = "arm64" \]; then\s+set efi_loader=bootaa64\.efi/,
    );
    expect(local).toContain('chainloader /efi/boot/${efi_loader}');
    await expect(resolve('grub/grub.cfg-52:54:00:00:00:05', arm)).rejects.toThrow(
      /the chosen image is amd64, but the client asked for arm64/,
    );
    // A BIOS machine is x86: an arm64-only default is not for it.
    await expect(resolve('pxelinux.cfg/01-52-54-00-00-00-03', stranger)).rejects.toThrow(
      /no default image for amd64 machines/,
    );
  });
});

describe('configuration backup of per-architecture defaults', () => {
  it('carries `default-<arch>` choices and refuses keys that are neither MAC nor default', () => {
    const choice = (mac: string) =>
      backupChoiceSchema.safeParse({
        mac,
        action: 'image',
        image: 'ubuntu/jammy/arm64',
        hostname: null,
      });
    expect(choice('default-arm64').success).toBe(true);
    expect(choice('default').success).toBe(true);
    expect(choice('default-').success).toBe(false);
    expect(choice('arm64').success).toBe(false);
  });
});

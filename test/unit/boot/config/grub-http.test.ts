import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GrubHttpProbe, grubImageHasHttp } from '../../../../src-main/boot/config/grub-http';
import type { BootloaderFiles } from '../../../../src-main/store/boot-resources';
import { makeTempDir } from '../../../helpers/temp-dir';

const tmp = makeTempDir();
afterAll(() => tmp.remove());

const image = (...parts: string[]): Uint8Array =>
  Buffer.concat([Buffer.alloc(4096, 0x90), ...parts.map((p) => Buffer.from(`\0${p}\0`))]);

function loader(dir: string, bootloaderType = 'uefi', arch = 'amd64'): BootloaderFiles {
  return { os: 'grub-efi-signed', bootloaderType, arch, version: '20250101.0', dir };
}

describe('GRUB http detection', () => {
  it('needs both strings of the http module, anywhere in the image', () => {
    expect(grubImageHasHttp(image('User-Agent: GRUB 2.06', 'unsupported HTTP response'))).toBe(
      true,
    );
    // The word http alone is in every netboot GRUB (its net module names the protocol).
    expect(grubImageHasHttp(image('http', 'tftp', 'efinet'))).toBe(false);
    expect(grubImageHasHttp(image('User-Agent: GRUB 2.06'))).toBe(false);
    expect(grubImageHasHttp(new Uint8Array())).toBe(false);
  });

  it('reads the stored uefi/amd64 grubx64.efi once, and again when it changes', () => {
    const dir = join(tmp.path, 'uefi-amd64');
    mkdirSync(dir, { recursive: true });
    const probe = new GrubHttpProbe();
    const pxe = loader(join(tmp.path, 'pxe'), 'pxe', 'i386');
    expect(probe.of([])).toBe('unknown');
    expect(probe.of([pxe, loader(dir)])).toBe('unknown'); // no grubx64.efi in it
    const grub = join(dir, 'grubx64.efi');
    writeFileSync(grub, image('tftp'));
    expect(probe.of([pxe, loader(dir)])).toBe('no-http');
    writeFileSync(grub, image('User-Agent: GRUB', 'unsupported HTTP response'));
    utimesSync(grub, new Date(), new Date(Date.now() + 5000));
    expect(probe.of([loader(dir)])).toBe('http');
    // An arm64 GRUB does not answer for x86-64 machines.
    expect(probe.of([loader(dir, 'uefi', 'arm64')])).toBe('unknown');
  });
});

/**
 * The http marker against real GRUB images: Debian's signed netboot GRUB (no http module, the
 * stand-in for a stream whose GRUB cannot fetch over HTTP) and a grub-mkimage netboot build with
 * http (the stand-in for Canonical's), plus the same build without http.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { grubImageHasHttp } from '../../../src-main/boot/config/grub-http';
import { requireBinaries } from '../../helpers/boot/udp-tools';
import { makeTempDir } from '../../helpers/temp-dir';

const SIGNED_NETBOOT_GRUB = '/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed';
const tmp = makeTempDir();

beforeAll(() => requireBinaries(['grub-mkimage']));
afterAll(() => tmp.remove());

function mkimage(name: string, modules: readonly string[]): Uint8Array {
  const out = join(tmp.path, name);
  execFileSync('grub-mkimage', ['-O', 'x86_64-efi', '-o', out, '-p', '/grub', ...modules]);
  return readFileSync(out);
}

describe('GRUB http detection on real images', () => {
  it('finds http in a grub-mkimage build with it, and not in one without it', () => {
    const base = ['net', 'efinet', 'tftp', 'linux', 'normal', 'configfile', 'echo', 'test'];
    expect(grubImageHasHttp(mkimage('with-http.efi', [...base, 'http']))).toBe(true);
    expect(grubImageHasHttp(mkimage('without-http.efi', base))).toBe(false);
  });

  it("finds no http in Debian's signed netboot GRUB", () => {
    expect(grubImageHasHttp(readFileSync(SIGNED_NETBOOT_GRUB))).toBe(false);
  });
});

/** Why a requested name is not served: a boot loader file the stream lacks, any other name, or an expected probe. */
import { describe, expect, it } from 'vitest';
import {
  classifyMissing,
  missingFileError,
  missingReason,
} from '../../../../src-main/boot/config/missing-files';

describe('missing files', () => {
  it.each([
    'snponly.efi',
    'ipxe.efi',
    'grubx64.efi',
    'EFI/BOOT/bootx64.efi',
    'grubnetx64.efi.signed',
    'pxelinux.0',
    'lpxelinux.0',
    'ldlinux.c32',
    'undionly.kpxe',
    'ipxe.lkrn',
    'grub/x86_64-efi/http.mod',
    'core.elf',
  ])('calls %s a boot loader file the stream does not carry', (name) => {
    expect(classifyMissing(name)).toBe('bootloader');
    expect(missingReason(name)).toBe(`asked for ${name}, not in the stream's bootloaders`);
  });

  it.each([
    'pxelinux.cfg/8b6c8f6e-0000-4000-8000-000000000001',
    'pxelinux.cfg/C0A80A05',
    'pxelinux.cfg/C0A8',
    'grub/grub.cfg-0A000005',
    'grub/grub.cfg-01-52-54-00-12-34-56',
    'grub.cfg',
    'EFI/ubuntu/grub.cfg',
    'autoexec.ipxe',
  ])('calls %s an expected probe, not a failure', (name) => {
    expect(classifyMissing(name)).toBe('probe');
    expect(missingReason(name)).toBe(
      `probed for ${name}, not served (an expected probe, not a failure)`,
    );
    expect(missingFileError(name)).toMatchObject({ kind: 'not-found', probe: true });
  });

  it.each(['notes.txt', 'images/0123456/ubuntu/amd64/ga-24.04/noble/stable/squashfs', 'grub.cfgx'])(
    'says %s is not served',
    (name) => {
      expect(classifyMissing(name)).toBe('other');
      expect(missingFileError(name)).toMatchObject({
        kind: 'not-found',
        probe: false,
        message: `asked for ${name}, not served`,
      });
    },
  );
});

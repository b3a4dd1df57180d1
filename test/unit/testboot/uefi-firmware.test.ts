import { describe, expect, it } from 'vitest';
import { fromDescriptor } from '../../../src-main/testboot/uefi-firmware';

/** Debian's 60-edk2-x86_64.json, trimmed to the fields read. */
const plain = {
  'interface-types': ['uefi'],
  mapping: {
    device: 'flash',
    executable: { filename: '/usr/share/OVMF/OVMF_CODE_4M.fd', format: 'raw' },
    'nvram-template': { filename: '/usr/share/OVMF/OVMF_VARS_4M.fd', format: 'raw' },
  },
  targets: [{ architecture: 'x86_64', machines: ['pc-i440fx-*', 'pc-q35-*'] }],
  features: ['acpi-s3', 'amd-sev', 'verbose-dynamic'],
};

describe('fromDescriptor', () => {
  it('takes plain x86-64 UEFI flash firmware for q35', () => {
    expect(fromDescriptor(plain)).toEqual({
      code: '/usr/share/OVMF/OVMF_CODE_4M.fd',
      codeFormat: 'raw',
      varsTemplate: '/usr/share/OVMF/OVMF_VARS_4M.fd',
      varsFormat: 'raw',
    });
  });

  it('skips Secure Boot and SMM builds, other CPUs and what is not a descriptor', () => {
    expect(fromDescriptor({ ...plain, features: ['requires-smm', 'secure-boot'] })).toBeUndefined();
    expect(
      fromDescriptor({ ...plain, targets: [{ architecture: 'aarch64', machines: ['virt-*'] }] }),
    ).toBeUndefined();
    expect(fromDescriptor({ ...plain, 'interface-types': ['bios'] })).toBeUndefined();
    expect(fromDescriptor({ description: 'not firmware' })).toBeUndefined();
  });
});

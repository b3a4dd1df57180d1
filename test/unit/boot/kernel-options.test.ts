/** Extra kernel options: what passes unchanged through PXELINUX, GRUB and iPXE, and the sentences for what does not. */
import { describe, expect, it } from 'vitest';
import {
  KERNEL_OPTIONS_MAX_LENGTH,
  kernelOptionsProblem,
  normalizeKernelOptions,
  splitKernelOptions,
} from '../../../src-shared/boot/kernel-options';

describe('kernel options', () => {
  it('accepts ordinary options and tidies the spaces', () => {
    const text =
      '  console=ttyS0,115200n8   systemd.log_level=debug acpi_osi=! nvme_core.multipath=N ';
    expect(kernelOptionsProblem(text)).toBeNull();
    expect(normalizeKernelOptions(text)).toBe(
      'console=ttyS0,115200n8 systemd.log_level=debug acpi_osi=! nvme_core.multipath=N',
    );
    expect(splitKernelOptions(text)).toEqual([
      'console=ttyS0,115200n8',
      'systemd.log_level=debug',
      'acpi_osi=!',
      'nvme_core.multipath=N',
    ]);
    expect(kernelOptionsProblem('')).toBeNull();
    expect(splitKernelOptions('   ')).toEqual([]);
  });

  it('refuses line breaks, tabs and other control characters, naming them', () => {
    expect(kernelOptionsProblem('quiet\ninitrd=evil')).toBe(
      'Kernel options must be one line of options separated by spaces, but these contain a line break; remove it.',
    );
    expect(kernelOptionsProblem('quiet\r')).toContain('a line break');
    expect(kernelOptionsProblem('a\tb')).toContain('a tab');
    expect(kernelOptionsProblem('a\u0000b')).toContain('a control character');
    expect(kernelOptionsProblem('a\u007fb')).toContain('a control character');
  });

  it('refuses what GRUB or iPXE would read as syntax, and non-ASCII text', () => {
    for (const c of [
      '$',
      '\\',
      "'",
      '"',
      '`',
      ';',
      '{',
      '}',
      '#',
      '|',
      '&',
      '<',
      '>',
      '*',
      '?',
      '[',
      ']',
    ]) {
      expect(kernelOptionsProblem(`root=x${c}y`)).toBe(
        `Kernel options cannot contain "${c}", because GRUB or iPXE would read it as part of their config language instead of passing it to the kernel; remove it.`,
      );
    }
    expect(kernelOptionsProblem('console=ttyS0 ‮')).toBe(
      'Kernel options may hold only plain ASCII letters, digits and punctuation, not "‮"; remove it.',
    );
  });

  it('bounds the length after tidying', () => {
    const max = 'a'.repeat(KERNEL_OPTIONS_MAX_LENGTH);
    expect(kernelOptionsProblem(`   ${max}   `)).toBeNull();
    expect(kernelOptionsProblem(`${max}b`)).toBe(
      `Kernel options may be at most ${KERNEL_OPTIONS_MAX_LENGTH} characters, but these are ${KERNEL_OPTIONS_MAX_LENGTH + 1}; shorten them (the kernel's whole command line is limited too).`,
    );
  });
});

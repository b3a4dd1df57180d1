/**
 * The local-disk GRUB config of a deployed UEFI machine: it chainloads its CPU's removable-media
 * loader when a disk holds one, and otherwise exits with an error status, which makes the UEFI boot
 * manager try the next entry of the boot order instead of leaving GRUB stuck at an error.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderGrub } from '../../../../src-main/boot/config/boot-configs';
import { loadTemplates } from '../../../../src-main/boot/config/templates';

const grub = renderGrub(
  loadTemplates(),
  { action: 'local' },
  { host: '10.0.0.2', httpPort: 5248 },
  '52:54:00:12:34:56',
);

/** The lines of the config without indentation or comments, to check their order. */
const lines = grub
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

describe('the local-disk GRUB config', () => {
  it('chainloads the loader only when a disk holds it, then exits to the firmware', () => {
    const search = lines.indexOf('if search --set=root --file /efi/boot/${efi_loader}; then');
    expect(search).toBeGreaterThan(0);
    expect(lines.slice(search + 1, search + 4)).toEqual([
      'chainloader /efi/boot/${efi_loader}',
      'boot',
      'fi',
    ]);
    // A non-zero exit is EFI_LOAD_ERROR to the firmware: the boot manager moves to the next entry
    // (a zero exit, EFI_SUCCESS, may stop at the firmware's menu instead).
    expect(lines.slice(search + 4)).toEqual([
      `echo "No disk holds /efi/boot/\${efi_loader}; handing back to the firmware's next boot entry."`,
      'exit 1',
      '}',
    ]);
  });

  it('keeps the per-CPU removable-media loader name', () => {
    expect(grub).toContain('set efi_loader=bootaa64.efi');
    expect(grub).toContain('set efi_loader=bootx64.efi');
  });

  it("is valid GRUB script, as GRUB's own checker reads it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'labboot-grub-'));
    try {
      const file = join(dir, 'grub.cfg');
      writeFileSync(file, grub);
      // Throws (exit 1, "Syntax error at line N") on anything GRUB would refuse.
      execFileSync('grub-script-check', [file], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

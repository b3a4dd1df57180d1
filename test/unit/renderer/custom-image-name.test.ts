import { describe, expect, it } from 'vitest';
import { nameProblem, suggestName } from '../../../src-renderer/screens/images/custom-image-name';
import { customName } from '../../../src-shared/deploy/image-kinds';

describe('naming an uploaded disk image', () => {
  it('suggests a valid name from the file name', () => {
    expect(suggestName('Packer-Jammy.dd.gz')).toBe('packer-jammy');
    expect(suggestName('ubuntu 24.04 (server).img.xz')).toBe('ubuntu-24.04-server');
    expect(suggestName('_disk.tar.gz')).toBe('disk');
    expect(suggestName('.img')).toBe('');
    for (const f of ['Packer-Jammy.dd.gz', 'ubuntu 24.04 (server).img.xz', 'x'.repeat(90)])
      expect(customName(suggestName(f))).toBe(suggestName(f));
  });

  it('says what is wrong as the person types, as the import would refuse it', () => {
    const taken = ['custom/jammy'];
    expect(nameProblem('', taken)).toBe('Give the image a name.');
    expect(nameProblem('Jammy', taken)).toBe(
      'Use lower-case letters, digits, dots, dashes and underscores, starting with a letter or digit.',
    );
    expect(nameProblem('-jammy', taken)).toMatch(/^Use lower-case/);
    expect(nameProblem('a'.repeat(64), taken)).toBe('A name has at most 63 characters.');
    expect(nameProblem('jammy', taken)).toBe(
      'custom/jammy already exists; choose another name or delete that image first.',
    );
    expect(nameProblem('custom/noble_1.2-x', taken)).toBeUndefined();
    expect(() => customName('noble_1.2-x')).not.toThrow();
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  safeEntryName,
  unpackBootloader,
  UnpackError,
} from '../../../src-main/sync/bootloader-unpack';
import { makeRawTarXz, makeTarXz, type RawTarEntry } from '../../helpers/mirror/build-mirror';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function tmp(): string {
  const t = makeTempDir();
  cleanups.push(t.remove);
  return t.path;
}

describe('bootloader archive unpacking', () => {
  it('unpacks every archive of a version into one folder, atomically', async () => {
    const dir = tmp();
    writeFileSync(
      join(dir, 'a.tar.xz'),
      await makeTarXz({ 'bootx64.efi': 'SHIM', 'mmx64.efi': 'MM' }),
    );
    writeFileSync(join(dir, 'b.tar.xz'), await makeTarXz({ 'grubx64.efi': 'GRUB' }));
    const out = join(dir, 'uefi');
    await unpackBootloader([join(dir, 'a.tar.xz'), join(dir, 'b.tar.xz')], out);
    expect(readFileSync(join(out, 'grubx64.efi'), 'utf8')).toBe('GRUB');
    expect(readFileSync(join(out, 'bootx64.efi'), 'utf8')).toBe('SHIM');
  });

  it('refuses absolute names, .., every link, devices and FIFOs, leaving nothing behind', async () => {
    const cases: [RawTarEntry[], RegExp][] = [
      [[{ name: '/etc/evil' }], /absolute member name/],
      [[{ name: 'ok/../../evil' }], /leaves the folder/],
      [[{ name: '../evil' }], /leaves the folder/],
      [
        [{ name: 'out', type: 'symlink', linkname: '../../etc/passwd' }],
        /out is a symbolic link, which a bootloader archive never holds/,
      ],
      [[{ name: 'abs', type: 'symlink', linkname: '/etc/passwd' }], /abs is a symbolic link/],
      // Each link looks harmless on its own; together `b` is the parent of the unpack folder.
      [
        [
          { name: 'a', type: 'symlink', linkname: '.' },
          { name: 'a/b', type: 'symlink', linkname: '..' },
          { name: 'b/evil', body: 'x' },
        ],
        /member a is a symbolic link/,
      ],
      [
        [{ name: 'a' }, { name: 'h', type: 'link', linkname: 'a' }],
        /h is a hard link, which a bootloader archive never holds/,
      ],
      [[{ name: 'h', type: 'link', linkname: '../../etc/passwd' }], /h is a hard link/],
      [[{ name: 'tty', type: 'character-device' }], /tty is a character-device/],
      [[{ name: 'sda', type: 'block-device' }], /sda is a block-device/],
      [[{ name: 'pipe', type: 'fifo' }], /pipe is a fifo/],
      [
        [
          { name: 'x', body: '1' },
          { name: './x', body: '2' },
        ],
        /member \.\/x appears twice/,
      ],
    ];
    for (const [entries, message] of cases) {
      const dir = tmp();
      const out = join(dir, 'deep', 'out');
      mkdirSync(join(dir, 'deep'));
      writeFileSync(join(dir, 'x.tar.xz'), await makeRawTarXz(entries));
      await expect(unpackBootloader([join(dir, 'x.tar.xz')], out)).rejects.toThrow(message);
      // Nothing is left: no output folder, no temporary folder, nothing beside or above them.
      expect(readdirSync(join(dir, 'deep'))).toEqual([]);
      expect(readdirSync(dir).sort()).toEqual(['deep', 'x.tar.xz']);
    }
  });

  it('refuses a file that is not .tar.xz', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'x.tar.xz'), 'not xz at all');
    await expect(
      unpackBootloader([join(dir, 'x.tar.xz')], join(dir, 'out')),
    ).rejects.toBeInstanceOf(UnpackError);
  });

  it('normalises member names', () => {
    expect(safeEntryName('./a/b')).toBe('a/b');
    expect(safeEntryName('./')).toBe('');
    expect(() => safeEntryName('a\\..\\b')).toThrow(UnpackError);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import {
  safeEntryName,
  unpackBootloader,
  UnpackError,
} from '../../../src-main/sync/bootloader-unpack';
import { makeTarXz, xzCompress } from '../../helpers/mirror/build-mirror';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function tmp(): string {
  const t = makeTempDir();
  cleanups.push(t.remove);
  return t.path;
}

/** rawTarXz builds an archive with arbitrary headers (links, devices) for hostile cases. */
async function rawTarXz(
  entries: {
    name: string;
    type?: 'file' | 'symlink' | 'link' | 'character-device';
    linkname?: string;
    body?: string;
  }[],
): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((r) => p.on('end', r));
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  for (const e of entries)
    p.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname }, e.body ?? '');
  p.finalize();
  await done;
  return xzCompress(Buffer.concat(chunks));
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

  it('refuses absolute names, .., links out, hard links and devices, leaving nothing behind', async () => {
    const cases: [Parameters<typeof rawTarXz>[0], RegExp][] = [
      [[{ name: '/etc/evil' }], /absolute member name/],
      [[{ name: 'ok/../../evil' }], /leaves the folder/],
      [
        [{ name: 'out', type: 'symlink', linkname: '../../etc/passwd' }],
        /points outside the folder/,
      ],
      [[{ name: 'abs', type: 'symlink', linkname: '/etc/passwd' }], /points outside the folder/],
      [
        [{ name: 'a' }, { name: 'h', type: 'link', linkname: 'a' }],
        /is a link, which is not allowed/,
      ],
      [[{ name: 'tty', type: 'character-device' }], /is a character-device/],
    ];
    for (const [entries, message] of cases) {
      const dir = tmp();
      writeFileSync(join(dir, 'x.tar.xz'), await rawTarXz(entries));
      await expect(unpackBootloader([join(dir, 'x.tar.xz')], join(dir, 'out'))).rejects.toThrow(
        message,
      );
      expect(existsSync(join(dir, 'out'))).toBe(false);
      expect(existsSync(join(dir, 'evil'))).toBe(false);
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

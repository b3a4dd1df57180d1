import { describe, expect, it } from 'vitest';
import { toSafeName } from '../../../../src-main/boot/tftp/safe-name';

describe('toSafeName', () => {
  it('accepts plain names and the leading slash PXE ROMs send', () => {
    expect(toSafeName('pxelinux.0')).toEqual({ ok: true, path: 'pxelinux.0' });
    expect(toSafeName('/grub/grub.cfg')).toEqual({ ok: true, path: 'grub/grub.cfg' });
    expect(toSafeName('//a/./b')).toEqual({ ok: true, path: 'a/b' });
    expect(toSafeName('grub/grub.cfg-52:54:00:12:34:56')).toEqual({
      ok: true,
      path: 'grub/grub.cfg-52:54:00:12:34:56',
    });
  });

  it.each([
    '',
    '..',
    '../etc/passwd',
    '/../../etc/passwd',
    'a/../../b',
    'sub/..',
    '..\\..\\etc\\passwd',
    'a\\b',
    'a\u0000b',
    'a\nb',
    'caf\u00e9',
    '/',
    'x'.repeat(256),
  ])('refuses %j', (name) => {
    expect(toSafeName(name).ok).toBe(false);
  });
});

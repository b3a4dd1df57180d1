import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from '../../src-main/data-dir';

describe('data folder', () => {
  it('matches Electron userData per platform', () => {
    expect(defaultDataDir({}, 'linux', '/home/a')).toBe('/home/a/.config/LabBoot');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, 'linux', '/home/a')).toBe('/x/LabBoot');
    expect(defaultDataDir({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/a')).toBe(
      '/home/a/.config/LabBoot',
    );
    expect(defaultDataDir({}, 'darwin', '/Users/a')).toBe(
      '/Users/a/Library/Application Support/LabBoot',
    );
  });

  it('prefers --data over $LABBOOT_DATA over the default', () => {
    expect(resolveDataDir('/flag', { LABBOOT_DATA: '/env' })).toBe('/flag');
    expect(resolveDataDir(undefined, { LABBOOT_DATA: '/env' })).toBe('/env');
    expect(resolveDataDir(undefined, { XDG_CONFIG_HOME: '/x' })).toBe(
      defaultDataDir({ XDG_CONFIG_HOME: '/x' }),
    );
  });
});

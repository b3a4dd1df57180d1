/** KernelOptionsStore: global options in settings, per-MAC rows, order, removal and refusals. */
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { SettingsStore } from '../../../../src-main/store/settings-store';
import {
  KERNEL_OPTIONS_SETTING,
  KernelOptionsStore,
} from '../../../../src-main/boot/config/kernel-options-store';
import { isUserError } from '../../../../src-shared/errors';

let db: Database | undefined;
afterEach(() => db?.close());

function open(): { store: KernelOptionsStore; settings: SettingsStore } {
  db = openDatabase(':memory:');
  const settings = new SettingsStore(db);
  return { store: new KernelOptionsStore(db, settings), settings };
}

describe('KernelOptionsStore', () => {
  it('gives a machine the global options first, then its own', () => {
    const { store, settings } = open();
    expect(store.effective('52:54:00:12:34:56')).toEqual([]);
    store.set('default', ' console=ttyS0,115200  quiet ');
    store.set('52-54-00-12-34-56', 'systemd.log_level=debug');
    expect(settings.get(KERNEL_OPTIONS_SETTING)).toBe('console=ttyS0,115200 quiet');
    expect(store.effective('52:54:00:12:34:56')).toEqual([
      'console=ttyS0,115200',
      'quiet',
      'systemd.log_level=debug',
    ]);
    expect(store.effective('52:54:00:00:00:01')).toEqual(['console=ttyS0,115200', 'quiet']);
    expect(store.effective(undefined)).toEqual(['console=ttyS0,115200', 'quiet']);
    expect(store.view()).toEqual({
      global: 'console=ttyS0,115200 quiet',
      machines: [{ mac: '52:54:00:12:34:56', options: 'systemd.log_level=debug' }],
    });
  });

  it('removes options with empty text', () => {
    const { store } = open();
    store.set('default', 'quiet');
    store.set('52:54:00:12:34:56', 'nomodeset');
    expect(store.set('52:54:00:12:34:56', '  ')).toEqual({ global: 'quiet', machines: [] });
    expect(store.set('default', '')).toEqual({ global: '', machines: [] });
    expect(store.effective('52:54:00:12:34:56')).toEqual([]);
  });

  it('refuses bad options and bad MACs with one sentence, storing nothing', () => {
    const { store } = open();
    const refused = (fn: () => unknown): string => {
      try {
        fn();
      } catch (error) {
        if (isUserError(error)) return error.message;
        throw error;
      }
      throw new Error('not refused');
    };
    expect(refused(() => store.set('default', 'quiet\ninit=/bin/sh'))).toContain('a line break');
    expect(refused(() => store.set('52:54:00:12:34:56', 'a=$b'))).toContain('"$"');
    expect(refused(() => store.set('nonsense', 'quiet'))).toContain('is not a MAC address');
    expect(store.view()).toEqual({ global: '', machines: [] });
  });

  it('reads a damaged global value (an edited database) as no options', () => {
    const { store, settings } = open();
    settings.set(KERNEL_OPTIONS_SETTING, 'quiet\nevil');
    expect(store.global()).toBe('');
    settings.set(KERNEL_OPTIONS_SETTING, 42);
    expect(store.effective(undefined)).toEqual([]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import {
  parseStoreSetting,
  readStoreSettings,
  writeStoreSettings,
} from '../../../src-main/store/store-settings';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function open(): SettingsStore {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  return new SettingsStore(db);
}

describe('storage settings', () => {
  it('default to 2 versions, 30 days and 10,000 events, and keep what is set', () => {
    const settings = open();
    expect(readStoreSettings(settings)).toEqual({
      imagesKeep: 2,
      historyDays: 30,
      historyEvents: 10_000,
    });
    expect(writeStoreSettings(settings, { imagesKeep: 5 })).toEqual({
      imagesKeep: 5,
      historyDays: 30,
      historyEvents: 10_000,
    });
    expect(settings.get('images.keep')).toBe(5);
  });

  it('read a stored value out of bounds (an edited backup) as the default', () => {
    const settings = open();
    settings.set('images.keep', 0);
    settings.set('history.days', 'thirty');
    settings.set('history.events', 50);
    expect(readStoreSettings(settings)).toEqual({
      imagesKeep: 2,
      historyDays: 30,
      historyEvents: 10_000,
    });
  });

  it('parse KEY VALUE as people type it, refusing unknown keys and values out of range', () => {
    expect(parseStoreSetting('images.keep', '3')).toEqual({ imagesKeep: 3 });
    expect(parseStoreSetting('history.events', ' 2000 ')).toEqual({ historyEvents: 2000 });
    expect(() => parseStoreSetting('images.keep', '11')).toThrow(
      'images.keep must be a whole number from 1 to 10, not "11".',
    );
    expect(() => parseStoreSetting('images.keep', '2.5')).toThrow(/whole number from 1 to 10/);
    expect(() => parseStoreSetting('history.days', '-1')).toThrow(/from 1 to 3650/);
    expect(() => parseStoreSetting('keep', '2')).toThrow(
      'There is no setting "keep"; the settings are images.keep, history.days, history.events.',
    );
  });
});

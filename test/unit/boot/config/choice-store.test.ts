import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { ChoiceStore } from '../../../../src-main/boot/config/choice-store';

let db: Database | undefined;
afterEach(() => db?.close());

describe('ChoiceStore', () => {
  it('stores per-MAC choices, falls back to the default, and normalises MAC spellings', () => {
    db = openDatabase(':memory:');
    const store = new ChoiceStore(db);
    expect(store.effective('52:54:00:12:34:56')).toBeUndefined();
    store.set('default', { action: 'image', image: 'ubuntu/jammy/amd64' });
    store.set('52-54-00-AB-CD-EF', { action: 'local', hostname: 'nas' });
    expect(store.effective('52:54:00:12:34:56')).toMatchObject({
      mac: 'default',
      action: 'image',
      image: 'ubuntu/jammy/amd64',
    });
    expect(store.effective('52:54:00:ab:cd:ef')).toMatchObject({
      mac: '52:54:00:ab:cd:ef',
      action: 'local',
      image: null,
      hostname: 'nas',
    });
    expect(store.list().map((c) => c.mac)).toEqual(['default', '52:54:00:ab:cd:ef']);
    store.set('52:54:00:ab:cd:ef', { action: 'image', image: 'ubuntu/noble/amd64' });
    expect(store.get('52:54:00:ab:cd:ef')).toMatchObject({
      action: 'image',
      image: 'ubuntu/noble/amd64',
      hostname: null,
    });
    expect(store.remove('52:54:00:ab:cd:ef')).toBe(true);
    expect(store.remove('52:54:00:ab:cd:ef')).toBe(false);
  });

  it('refuses a malformed MAC with one sentence', () => {
    db = openDatabase(':memory:');
    expect(() => new ChoiceStore(db as Database).set('52:54:00', { action: 'local' })).toThrow(
      /is not a MAC address; write it as six hex pairs/,
    );
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigBackupService } from '../../../src-main/backup/config-backup';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { SourceStore } from '../../../src-main/store/source-store';
import { ChoiceStore } from '../../../src-main/boot/config/choice-store';
import { SelectionStore } from '../../../src-main/store/selection-store';
import { parseKeyring, ubuntuCloudImagePins } from '../../../src-main/sync/keyring';
import { SSH_KEYS_SETTING } from '../../../src-main/boot/boot-service';
import { SCHEDULE_STATE_SETTING } from '../../../src-main/schedule/scheduled-sync';
import type { ConfigDocument } from '../../../src-shared/backup/config-document';
import { makeTempDir } from '../../helpers/temp-dir';

const keyring = new Uint8Array(
  readFileSync(
    new URL('../../../../shared/spec/data/keys/ubuntu-cloudimage-keyring.gpg', import.meta.url),
  ),
);
const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKqkT9wH1x8yY5lV1m0m4tqF5m8Q0wqP9d1n2r3s4t5u admin@lab';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function store(): { db: Database; backup: ConfigBackupService; settings: SettingsStore } {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  return {
    db,
    backup: new ConfigBackupService(db, () => new Date('2026-02-03T04:05:06.000Z')),
    settings: new SettingsStore(db),
  };
}

/** configure fills a store the way an admin would by hand. */
async function configure(db: Database): Promise<void> {
  const ring = await parseKeyring(keyring, 'test');
  const sources = new SourceStore(db);
  sources.add({
    name: 'lab',
    url: 'http://mirror.lab/stable/',
    keyringKind: 'custom',
    keyring: ring.binary,
    fingerprints: ring.fingerprints,
  });
  sources.add({
    name: 'open',
    url: 'http://open.lab/',
    keyringKind: 'none',
    keyring: null,
    fingerprints: [],
  });
  new SelectionStore(db).add([{ os: 'ubuntu', release: 'jammy', arch: 'amd64' }]);
  const choices = new ChoiceStore(db);
  choices.set('default', { action: 'image', image: 'ubuntu/jammy/amd64' });
  choices.set('52:54:00:00:00:01', { action: 'local', hostname: 'node1' });
  const settings = new SettingsStore(db);
  settings.set(SSH_KEYS_SETTING, [KEY]);
  settings.set('sync.schedule', { interval: 'daily' });
  settings.set('window.bounds', { width: 800, height: 600 });
  settings.set(SCHEDULE_STATE_SETTING, { since: '2026-01-01T00:00:00.000Z', lastRun: null });
}

describe('configuration backup', () => {
  it('exports sources with keyrings, selections, choices, SSH keys and settings, not machine state', async () => {
    const a = store();
    await configure(a.db);
    const doc = a.backup.export();
    expect(doc).toMatchObject({
      'labboot-config': 1,
      exportedAt: '2026-02-03T04:05:06.000Z',
      selections: [{ os: 'ubuntu', release: 'jammy', arch: 'amd64' }],
      bootChoices: [
        { mac: 'default', action: 'image', image: 'ubuntu/jammy/amd64', hostname: null },
        { mac: '52:54:00:00:00:01', action: 'local', image: null, hostname: 'node1' },
      ],
      sshKeys: [KEY],
      settings: { 'sync.schedule': { interval: 'daily' } },
    });
    expect(Object.keys(doc.settings)).toEqual(['sync.schedule']);
    expect(doc.sources.map((s) => [s.name, s.keyring, s.fingerprints.length])).toEqual([
      ['lab', 'custom', 2],
      ['open', 'none', 0],
    ]);
    expect(doc.sources[0]?.keyringBase64?.length).toBeGreaterThan(100);
  });

  it('imports into an empty store: a dry run changes nothing, the import makes both equal', async () => {
    const a = store();
    await configure(a.db);
    const doc = a.backup.export();
    const b = store();
    b.settings.set('window.bounds', { width: 1, height: 1 });
    const dry = await b.backup.import(JSON.stringify(doc), { dryRun: true });
    expect(dry.applied).toBe(false);
    expect(dry.changes.map((c) => [c.section, c.added.length])).toEqual([
      ['sources', 2],
      ['selections', 1],
      ['bootChoices', 2],
      ['sshKeys', 1],
      ['settings', 1],
    ]);
    expect(new SourceStore(b.db).list()).toEqual([]);
    const done = await b.backup.import(doc, { dryRun: false });
    expect(done).toMatchObject({ applied: true, dryRun: false });
    expect(b.backup.export()).toEqual(doc);
    // Machine-local settings stay as they were.
    expect(b.settings.get('window.bounds')).toEqual({ width: 1, height: 1 });
    // A second import changes nothing.
    const again = await b.backup.import(doc, { dryRun: false });
    expect(again.applied).toBe(false);
  });

  it('replaces: removes what the backup lacks, renames and re-keys what it changes', async () => {
    const a = store();
    await configure(a.db);
    const doc = a.backup.export();
    const next: ConfigDocument = {
      ...doc,
      sources: [
        { ...doc.sources[1]!, name: 'lab' },
        { ...doc.sources[0]!, name: 'open', keyring: 'default', keyringBase64: null },
      ],
      bootChoices: [doc.bootChoices[1]!],
      sshKeys: [],
      settings: {},
    };
    const result = await a.backup.import(next, { dryRun: false });
    expect(result.changes).toEqual([
      {
        section: 'sources',
        added: [],
        removed: [],
        changed: ['lab (http://open.lab/)', 'open (http://mirror.lab/stable/)'],
      },
      { section: 'selections', added: [], removed: [], changed: [] },
      { section: 'bootChoices', added: [], removed: ['default'], changed: [] },
      { section: 'sshKeys', added: [], removed: ['ssh-ed25519 admin@lab'], changed: [] },
      { section: 'settings', added: [], removed: ['sync.schedule'], changed: [] },
    ]);
    const sources = new SourceStore(a.db).list();
    expect(sources.map((s) => [s.name, s.url, s.keyringKind])).toEqual([
      ['open', 'http://mirror.lab/stable/', 'default'],
      ['lab', 'http://open.lab/', 'none'],
    ]);
    expect(sources[0]?.fingerprints).toEqual([...ubuntuCloudImagePins]);
    expect(a.settings.get(SSH_KEYS_SETTING)).toBeUndefined();
    expect(a.settings.get(SCHEDULE_STATE_SETTING)).toBeDefined();
  });

  it('imports all or nothing: a bad keyring in the second source leaves the store untouched', async () => {
    const a = store();
    await configure(a.db);
    const doc = a.backup.export();
    const b = store();
    const broken: ConfigDocument = {
      ...doc,
      sources: [
        doc.sources[1]!,
        { ...doc.sources[0]!, keyringBase64: Buffer.from('not a key').toString('base64') },
      ],
    };
    await expect(b.backup.import(broken, { dryRun: false })).rejects.toThrow(
      /^The keyring of source "lab" in the backup is not an OpenPGP public key file/,
    );
    const lying: ConfigDocument = {
      ...doc,
      sources: [{ ...doc.sources[0]!, fingerprints: ['00112233445566778899AABBCCDDEEFF00112233'] }],
    };
    await expect(b.backup.import(lying, { dryRun: true })).rejects.toThrow(
      /holds other keys than the fingerprints it lists/,
    );
    const twice: ConfigDocument = { ...doc, sources: [doc.sources[1]!, doc.sources[1]!] };
    await expect(b.backup.import(twice, { dryRun: false })).rejects.toThrow(/twice/);
    expect(b.backup.export()).toMatchObject({ sources: [], selections: [], bootChoices: [] });
  });

  it('rolls the whole import back when the store refuses part of it', async () => {
    const a = store();
    await configure(a.db);
    const before = a.backup.export();
    // A trigger that fails the last write (a setting) after sources and choices were replaced.
    a.db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON settings WHEN NEW.key = 'images.keep'
       BEGIN SELECT RAISE(ABORT, 'refused'); END;`,
    );
    const next: ConfigDocument = {
      ...before,
      sources: [],
      selections: [],
      bootChoices: [],
      settings: { 'images.keep': 3 },
    };
    await expect(a.backup.import(next, { dryRun: false })).rejects.toThrow(/refused/);
    expect(a.backup.export()).toEqual(before);
  });
});

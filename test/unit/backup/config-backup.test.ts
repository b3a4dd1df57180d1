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
import { LAST_START_SETTING, SSH_KEYS_SETTING } from '../../../src-main/boot/boot-service';
import { ReservationStore } from '../../../src-main/boot/dhcp/reservation-store';
import { SCHEDULE_STATE_SETTING } from '../../../src-main/schedule/scheduled-sync';
import type { ConfigDocument } from '../../../src-shared/backup/config-document';
import type { NetworkInterface } from '../../../src-shared/contract/system';
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

const NOW = new Date('2026-02-03T04:05:06.000Z');

/** lab0 is the interface full DHCP last served on: LabBoot is 10.0.0.1/24 there. */
const lab0: NetworkInterface = {
  name: 'lab0',
  kind: 'wired',
  kindReason: 'test',
  mac: '52:54:00:aa:aa:aa',
  mtu: 1500,
  up: true,
  addresses: [{ family: 'IPv4', address: '10.0.0.1', prefixLength: 24 }],
  warning: null,
};

function store(interfaces: readonly NetworkInterface[] = []): {
  db: Database;
  backup: ConfigBackupService;
  settings: SettingsStore;
  reservations: ReservationStore;
} {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  return {
    db,
    backup: new ConfigBackupService(
      db,
      () => NOW,
      () => interfaces,
    ),
    settings: new SettingsStore(db),
    reservations: new ReservationStore(db),
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
  const reservations = new ReservationStore(db);
  reservations.set('52:54:00:00:00:02', '10.0.0.100', 1);
  reservations.set('52:54:00:00:00:01', '10.0.0.20', 2);
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
      // By address, numerically; no timestamps.
      reservations: [
        { mac: '52:54:00:00:00:01', ip: '10.0.0.20' },
        { mac: '52:54:00:00:00:02', ip: '10.0.0.100' },
      ],
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
      ['reservations', 2],
      ['kernelOptions', 0],
    ]);
    expect(new SourceStore(b.db).list()).toEqual([]);
    expect(b.reservations.list()).toEqual([]);
    const done = await b.backup.import(doc, { dryRun: false });
    expect(done).toMatchObject({ applied: true, dryRun: false });
    expect(b.backup.export()).toEqual(doc);
    // New reservations are stamped with the import's time; the DHCP responder reads them there.
    expect(b.reservations.list()).toEqual([
      { mac: '52:54:00:00:00:01', ip: '10.0.0.20', createdAt: NOW.getTime() },
      { mac: '52:54:00:00:00:02', ip: '10.0.0.100', createdAt: NOW.getTime() },
    ]);
    expect(b.reservations.ipFor('52:54:00:00:00:02')).toBe('10.0.0.100');
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
      // The two machines swap addresses (both are unique in the store) and a third one is added.
      reservations: [
        { mac: '52:54:00:00:00:01', ip: '10.0.0.100' },
        { mac: '52:54:00:00:00:02', ip: '10.0.0.20' },
        { mac: '52:54:00:00:00:03', ip: '10.0.0.30' },
      ],
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
      {
        section: 'reservations',
        added: ['52:54:00:00:00:03 → 10.0.0.30'],
        removed: [],
        changed: [
          '52:54:00:00:00:02 → 10.0.0.20 (was 10.0.0.100)',
          '52:54:00:00:00:01 → 10.0.0.100 (was 10.0.0.20)',
        ],
      },
      { section: 'kernelOptions', added: [], removed: [], changed: [] },
    ]);
    expect(a.reservations.list().map((r) => [r.mac, r.ip])).toEqual([
      ['52:54:00:00:00:02', '10.0.0.20'],
      ['52:54:00:00:00:03', '10.0.0.30'],
      ['52:54:00:00:00:01', '10.0.0.100'],
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

  it('refuses a bad reservation in one sentence and changes nothing', async () => {
    const a = store();
    await configure(a.db);
    const before = a.backup.export();
    const bad = (reservations: unknown): unknown => ({ ...before, sources: [], reservations });
    for (const reservations of [
      [{ mac: 'not-a-mac', ip: '10.0.0.5' }],
      [{ mac: '52:54:00:00:00:09', ip: '10.0.0' }],
      [{ mac: 'ff:ff:ff:ff:ff:ff', ip: '10.0.0.5' }],
      [
        { mac: '52:54:00:00:00:08', ip: '10.0.0.5' },
        { mac: '52:54:00:00:00:09', ip: '10.0.0.5' },
      ],
    ]) {
      await expect(a.backup.import(bad(reservations), { dryRun: false })).rejects.toThrow(
        /^The backup is a damaged LabBoot configuration backup \(.* at reservations\.\d\.(mac|ip)\); nothing was imported, export the configuration again\.$/,
      );
    }
    expect(a.backup.export()).toEqual(before);
    expect(a.reservations.list().map((r) => r.createdAt)).toEqual([2, 1]);
  });

  it('keeps the reservations when the backup was written before they were backed up', async () => {
    const a = store();
    await configure(a.db);
    const { reservations: _kept, ...older } = a.backup.export();
    const result = await a.backup.import({ ...older, sshKeys: [] }, { dryRun: false });
    expect(result.applied).toBe(true);
    expect(result.changes.find((c) => c.section === 'reservations')).toMatchObject({
      added: [],
      removed: [],
      changed: [],
    });
    expect(result.notes).toEqual([
      'The backup has no reservations section (it was written before LabBoot backed them up), so the 2 reservations here stay as they are.',
    ]);
    expect(a.reservations.list()).toHaveLength(2);
  });

  it('notes reservations full DHCP would not hand out on the subnet it last served, without failing', async () => {
    const a = store();
    await configure(a.db);
    const doc: ConfigDocument = {
      ...a.backup.export(),
      settings: {
        [LAST_START_SETTING]: {
          interfaceName: 'lab0',
          address: '10.0.0.1',
          dhcp: 'full',
          range: null,
        },
      },
      reservations: [
        { mac: '52:54:00:00:00:01', ip: '10.0.0.1' },
        { mac: '52:54:00:00:00:02', ip: '10.0.0.20' },
        { mac: '52:54:00:00:00:03', ip: '10.0.1.7' },
        { mac: '52:54:00:00:00:04', ip: '10.0.0.255' },
      ],
    };
    const b = store([lab0]);
    const dry = await b.backup.import(doc, { dryRun: true });
    expect(dry.notes).toEqual([
      'These 2 reservations are not host addresses on 10.0.0.0/24, the subnet full DHCP last served on lab0, so it will not hand them out there: 52:54:00:00:00:03 → 10.0.1.7, 52:54:00:00:00:04 → 10.0.0.255.',
      "The reservation 52:54:00:00:00:01 → 10.0.0.1 is LabBoot's own address on lab0, so full DHCP will not hand it out; reserve another address for that machine.",
    ]);
    expect(b.reservations.list()).toEqual([]);
    const done = await b.backup.import(doc, { dryRun: false });
    expect(done.notes).toEqual(dry.notes);
    expect(b.reservations.list()).toHaveLength(4);
    // Where lab0 does not exist, nothing can be placed on a subnet: one note says so.
    const c = store();
    const elsewhere = await c.backup.import(doc, { dryRun: true });
    expect(elsewhere.notes).toEqual([
      'The reservations are not checked against a subnet, because this configuration has not served full DHCP on an interface with an IPv4 address here; full DHCP hands out only those on the subnet it serves.',
    ]);
    // All on the subnet: no notes.
    const fine = await store([lab0]).backup.import(
      { ...doc, reservations: [{ mac: '52:54:00:00:00:02', ip: '10.0.0.20' }] },
      { dryRun: true },
    );
    expect(fine.notes).toEqual([]);
  });

  it('writes the reservations in the same transaction as the rest of the import', async () => {
    const a = store();
    await configure(a.db);
    const before = a.backup.export();
    // Reservations are written last; refusing one must undo the sources, choices and settings too.
    a.db.exec(
      `CREATE TRIGGER refuse BEFORE INSERT ON dhcp_reservations WHEN NEW.ip = '10.0.0.99'
       BEGIN SELECT RAISE(ABORT, 'refused'); END;`,
    );
    const next: ConfigDocument = {
      ...before,
      sources: [],
      bootChoices: [],
      settings: {},
      reservations: [{ mac: '52:54:00:00:00:01', ip: '10.0.0.99' }],
    };
    await expect(a.backup.import(next, { dryRun: false })).rejects.toThrow(/refused/);
    expect(a.backup.export()).toEqual(before);
  });
});

import { describe, expect, it } from 'vitest';
import {
  diffConfig,
  hasChanges,
  parseConfigDocument,
  type ConfigDocument,
} from '../../../src-shared/backup/config-document';
import { isUserError } from '../../../src-shared/errors';

const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKqkT9wH1x8yY5lV1m0m4tqF5m8Q0wqP9d1n2r3s4t5u admin@lab';

const doc = (over: Partial<ConfigDocument> = {}): ConfigDocument => ({
  'labboot-config': 1,
  exportedAt: '2026-01-01T00:00:00.000Z',
  labbootVersion: '0.1.0',
  sources: [
    {
      name: 'lab',
      url: 'http://mirror.lab/stable/',
      keyring: 'none',
      keyringBase64: null,
      fingerprints: [],
    },
  ],
  selections: [{ os: 'ubuntu', release: 'jammy', arch: 'amd64' }],
  bootChoices: [
    { mac: 'default', action: 'image', image: 'ubuntu/jammy/amd64', hostname: null },
    { mac: '52:54:00:00:00:01', action: 'local', image: null, hostname: 'node1' },
  ],
  sshKeys: [KEY],
  settings: { 'sync.schedule': { interval: 'daily' } },
  reservations: [
    { mac: '52:54:00:00:00:01', ip: '10.0.0.50' },
    { mac: '52:54:00:00:00:02', ip: '10.0.0.51' },
  ],
  ...over,
});

/** messageOf returns the one sentence a bad document is refused with. */
function messageOf(input: unknown): string {
  try {
    parseConfigDocument(input, 'The file b.json');
  } catch (error) {
    expect(isUserError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('the configuration backup document', () => {
  it('round-trips through JSON text', () => {
    expect(parseConfigDocument(JSON.stringify(doc()))).toEqual(doc());
  });

  it('reads a version 1 document written before reservations were backed up', () => {
    const { reservations: _, ...older } = doc();
    const parsed = parseConfigDocument(JSON.stringify(older));
    expect(parsed.reservations).toBeUndefined();
    // Without the section an import keeps the reservations, so the diff shows none removed.
    expect(diffConfig(doc(), parsed).find((c) => c.section === 'reservations')).toEqual({
      section: 'reservations',
      added: [],
      removed: [],
      changed: [],
    });
  });

  it('refuses a bad reservation in one sentence naming the field', () => {
    const withReservations = (reservations: unknown): string =>
      messageOf({ ...doc(), reservations });
    const cases: [unknown, RegExp][] = [
      [
        [{ mac: 'zz', ip: '10.0.0.5' }],
        /MAC written like 52:54:00:12:34:56 at reservations\.0\.mac/,
      ],
      [[{ mac: '52-54-00-00-00-01', ip: '10.0.0.5' }], /at reservations\.0\.mac/],
      [[{ mac: '01:00:5e:00:00:01', ip: '10.0.0.5' }], /not a multicast or broadcast MAC/],
      [[{ mac: '52:54:00:00:00:01', ip: '10.0.0.256' }], /IPv4 address .* at reservations\.0\.ip/],
      [[{ mac: '52:54:00:00:00:01', ip: '10.0.0.05' }], /at reservations\.0\.ip/],
      [[{ mac: '52:54:00:00:00:01', ip: '10.0.0.5', host: 'x' }], /damaged/],
      [
        [
          { mac: '52:54:00:00:00:01', ip: '10.0.0.5' },
          { mac: '52:54:00:00:00:01', ip: '10.0.0.6' },
        ],
        /lists 52:54:00:00:00:01 twice at reservations\.1\.mac/,
      ],
      [
        [
          { mac: '52:54:00:00:00:01', ip: '10.0.0.5' },
          { mac: '52:54:00:00:00:02', ip: '10.0.0.5' },
        ],
        /reserves 10\.0\.0\.5 for two MACs at reservations\.1\.ip/,
      ],
    ];
    for (const [reservations, expected] of cases) {
      const message = withReservations(reservations);
      expect(message).toMatch(/^The file b\.json is a damaged LabBoot configuration backup \(/);
      expect(message).toMatch(expected);
      expect(message.split('. ')).toHaveLength(1);
    }
  });

  it('refuses what is not a backup, another version, and damaged fields, in one sentence each', () => {
    expect(messageOf('{"labboot-config": 1,')).toMatch(/^The file b\.json is not JSON/);
    expect(messageOf('[]')).toMatch(
      /is not a LabBoot configuration backup \(it has no "labboot-config"/,
    );
    expect(messageOf({ ...doc(), 'labboot-config': 2 })).toBe(
      'The file b.json is a LabBoot configuration backup of version 2, but this LabBoot reads version 1 only; import it with the LabBoot that wrote it, or a newer one.',
    );
    expect(messageOf({ ...doc(), 'labboot-config': '1' })).toMatch(/of version "1"/);
    const badMac = doc({
      bootChoices: [{ mac: 'zz', action: 'local', image: null, hostname: null }],
    });
    expect(messageOf(badMac)).toMatch(/damaged .*at bootChoices\.0\.mac/);
    const imageless = {
      ...doc(),
      bootChoices: [{ mac: 'default', action: 'image', image: null, hostname: null }],
    };
    expect(messageOf(imageless)).toMatch(/image is given exactly when the action is image/);
    expect(messageOf({ ...doc(), sshKeys: ['-----BEGIN OPENSSH PRIVATE KEY-----'] })).toMatch(
      /private key/,
    );
    expect(messageOf({ ...doc(), extra: true })).toMatch(/damaged/);
    const custom = {
      ...doc(),
      sources: [{ ...doc().sources[0], keyring: 'custom', keyringBase64: null }],
    };
    expect(messageOf(custom)).toMatch(/keyringBase64 is given exactly when the keyring is custom/);
    for (const m of [messageOf(badMac), messageOf('x')]) expect(m.split('. ')).toHaveLength(1);
  });

  it('says what an import adds, removes and changes per section', () => {
    const next = doc({
      sources: [
        { ...doc().sources[0]!, name: 'renamed' },
        {
          name: 'b',
          url: 'https://b.lab/',
          keyring: 'none',
          keyringBase64: null,
          fingerprints: [],
        },
      ],
      selections: [],
      bootChoices: [{ mac: 'default', action: 'local', image: null, hostname: null }],
      sshKeys: [],
      settings: { 'sync.schedule': { interval: 'weekly' }, 'images.keep': 3 },
      reservations: [
        { mac: '52:54:00:00:00:02', ip: '10.0.0.60' },
        { mac: '52:54:00:00:00:03', ip: '10.0.0.50' },
      ],
    });
    expect(diffConfig(doc(), next)).toEqual([
      {
        section: 'sources',
        added: ['b (https://b.lab/)'],
        removed: [],
        changed: ['renamed (http://mirror.lab/stable/)'],
      },
      { section: 'selections', added: [], removed: ['ubuntu/jammy/amd64'], changed: [] },
      {
        section: 'bootChoices',
        added: [],
        removed: ['52:54:00:00:00:01'],
        changed: ['default'],
      },
      { section: 'sshKeys', added: [], removed: ['ssh-ed25519 admin@lab'], changed: [] },
      { section: 'settings', added: ['images.keep'], removed: [], changed: ['sync.schedule'] },
      {
        section: 'reservations',
        added: ['52:54:00:00:00:03 → 10.0.0.50'],
        removed: ['52:54:00:00:00:01 → 10.0.0.50'],
        changed: ['52:54:00:00:00:02 → 10.0.0.60 (was 10.0.0.51)'],
      },
      { section: 'kernelOptions', added: [], removed: [], changed: [] },
    ]);
    expect(hasChanges(diffConfig(doc(), doc({ exportedAt: 'later' })))).toBe(false);
  });
});

/**
 * ConfigBackupService writes and reads the configuration backup (`labboot config export/import`,
 * the `config.*` calls). Import checks the whole document first — its version, every field, and
 * that each custom keyring is a real OpenPGP keyring with the fingerprints the document claims —
 * then makes the store equal to it in one transaction, or with `dryRun` only says what would change.
 * Reservations are checked offline (MAC and address spelling, no MAC or address twice); whether
 * they are on the full-DHCP subnet depends on this machine's interfaces, so that is a note, not a
 * refusal.
 */
import type { Database } from '../store/database';
import { ConfigStore, type StoredConfig } from '../store/config-store';
import {
  CONFIG_DOCUMENT_MARK,
  CONFIG_DOCUMENT_VERSION,
  diffConfig,
  hasChanges,
  parseConfigDocument,
  type ConfigDocument,
} from '../../src-shared/backup/config-document';
import type { ConfigImportResult } from '../../src-shared/contract/admin';
import { bootLastStartSchema } from '../../src-shared/contract/boot';
import type { NetworkInterface } from '../../src-shared/contract/system';
import { UserError, isUserError } from '../../src-shared/errors';
import { parseKeyring, ubuntuCloudImagePins } from '../sync/keyring';
import { LAST_START_SETTING, SSH_KEYS_SETTING } from '../boot/boot-service';
import { fullDhcpSetup } from '../boot/dhcp/full-dhcp-setup';
import type { FullDhcpSetup } from '../boot/dhcp/reservation-check';
import { isHostOn, subnetText } from '../boot/dhcp/ipv4';
import { ipOrder } from '../boot/dhcp/reservation-store';
import { SCHEDULE_STATE_SETTING } from '../schedule/scheduled-sync';
import { appVersion } from '../version';

/** Settings that describe this machine's state, not the admin's configuration. */
const machineLocalSettings = [/^window\./];

/** isBackedUpSetting tells which settings keys a backup carries (SSH keys have their own section). */
export function isBackedUpSetting(key: string): boolean {
  if (key === SSH_KEYS_SETTING || key === SCHEDULE_STATE_SETTING) return false;
  return !machineLocalSettings.some((re) => re.test(key));
}

const sortedUpper = (fps: readonly string[]): string =>
  fps
    .map((f) => f.toUpperCase())
    .sort()
    .join(',');

/** ConfigBackupService exports and imports the configuration of one store. */
export class ConfigBackupService {
  private readonly store: ConfigStore;

  /** `interfaces` lists this machine's interfaces, to place reservations on a subnet. */
  constructor(
    db: Database,
    private readonly now: () => Date = () => new Date(),
    private readonly interfaces: () => readonly NetworkInterface[] = () => [],
  ) {
    // The store replaces SSH keys with the settings, so they are in its scope; the document is not.
    this.store = new ConfigStore(db, (key) => key === SSH_KEYS_SETTING || isBackedUpSetting(key));
  }

  /** export returns the current configuration as a backup document. */
  export(): ConfigDocument {
    return this.toDocument(this.store.read());
  }

  /**
   * import checks `input` (JSON text or a parsed value) and says what it changes; unless `dryRun`,
   * it then applies it in one transaction. Throws one UserError sentence for a bad document
   * (`what` names it there, e.g. "The file backup.json").
   */
  async import(
    input: unknown,
    options: { dryRun: boolean; what?: string },
  ): Promise<ConfigImportResult> {
    const incoming = parseConfigDocument(input, options.what);
    const next = await this.toStored(incoming);
    const current = this.store.read();
    const changes = diffConfig(this.toDocument(current), this.toDocument(next));
    const notes = this.reservationNotes(current, next);
    if (options.dryRun || !hasChanges(changes)) {
      return { dryRun: options.dryRun, applied: false, changes, notes };
    }
    this.store.replace(next, this.now().getTime());
    return { dryRun: false, applied: true, changes, notes };
  }

  /**
   * reservationNotes says which reservations full DHCP would not hand out on the subnet it last
   * served (by the imported settings, on this machine's interfaces), and when the backup leaves
   * the reservations alone.
   */
  private reservationNotes(current: StoredConfig, next: StoredConfig): string[] {
    if (next.reservations === undefined) {
      const n = current.reservations?.length ?? 0;
      return n === 0
        ? []
        : [
            `The backup has no reservations section (it was written before LabBoot backed them up), so ${n === 1 ? 'the reservation here stays as it is' : `the ${n} reservations here stay as they are`}.`,
          ];
    }
    if (next.reservations.length === 0) return [];
    const last = bootLastStartSchema.safeParse(next.settings[LAST_START_SETTING]);
    let setup: FullDhcpSetup;
    try {
      setup = fullDhcpSetup(last.success ? last.data : undefined, this.interfaces());
    } catch (error) {
      if (!isUserError(error)) throw error;
      return [
        'The reservations are not checked against a subnet, because this configuration has not served full DHCP on an interface with an IPv4 address here; full DHCP hands out only those on the subnet it serves.',
      ];
    }
    const { interfaceName, subnet } = setup;
    const notes: string[] = [];
    const off = next.reservations.filter((r) => !isHostOn(r.ip, subnet));
    if (off.length > 0) {
      notes.push(
        `${off.length === 1 ? 'This reservation is not a host address' : `These ${off.length} reservations are not host addresses`} on ${subnetText(subnet)}, the subnet full DHCP last served on ${interfaceName}, so it will not hand ${off.length === 1 ? 'it' : 'them'} out there: ${off.map((r) => `${r.mac} → ${r.ip}`).join(', ')}.`,
      );
    }
    const own = next.reservations.find((r) => r.ip === subnet.address);
    if (own !== undefined) {
      notes.push(
        `The reservation ${own.mac} → ${own.ip} is LabBoot's own address on ${interfaceName}, so full DHCP will not hand it out; reserve another address for that machine.`,
      );
    }
    return notes;
  }

  private toDocument(config: StoredConfig): ConfigDocument {
    const sshKeys = config.settings[SSH_KEYS_SETTING];
    const settings: Record<string, ConfigDocument['settings'][string]> = {};
    for (const [key, value] of Object.entries(config.settings)) {
      if (isBackedUpSetting(key)) settings[key] = value as ConfigDocument['settings'][string];
    }
    return {
      [CONFIG_DOCUMENT_MARK]: CONFIG_DOCUMENT_VERSION,
      exportedAt: this.now().toISOString(),
      labbootVersion: appVersion(),
      sources: config.sources.map((s) => ({
        name: s.name,
        url: s.url,
        keyring: s.keyringKind,
        keyringBase64: s.keyring === null ? null : Buffer.from(s.keyring).toString('base64'),
        fingerprints: s.fingerprints,
      })),
      selections: config.selections,
      bootChoices: config.choices,
      sshKeys: Array.isArray(sshKeys) ? sshKeys.filter((k) => typeof k === 'string') : [],
      settings,
      ...(config.reservations === undefined
        ? {}
        : {
            reservations: [...config.reservations]
              .sort((a, b) => ipOrder(a.ip) - ipOrder(b.ip))
              .map((r) => ({ mac: r.mac, ip: r.ip })),
          }),
      ...(config.kernelOptions === undefined
        ? {}
        : { kernelOptions: config.kernelOptions.map((k) => ({ mac: k.mac, options: k.options })) }),
    };
  }

  /** toStored turns a checked document into store rows, verifying each custom keyring. */
  private async toStored(doc: ConfigDocument): Promise<StoredConfig> {
    const names = new Set<string>();
    const urls = new Set<string>();
    for (const s of doc.sources) {
      if (names.has(s.name) || urls.has(s.url)) {
        throw new UserError(
          `The backup lists the source "${s.name}" (${s.url}) twice; nothing was imported, fix or export the file again.`,
          'bad-backup',
        );
      }
      names.add(s.name);
      urls.add(s.url);
    }
    const sources: StoredConfig['sources'] = [];
    for (const s of doc.sources) {
      if (s.keyring === 'none') {
        sources.push({ ...base(s), keyringKind: 'none', keyring: null, fingerprints: [] });
        continue;
      }
      if (s.keyring === 'default' || s.keyringBase64 === null) {
        const pins = [...ubuntuCloudImagePins];
        sources.push({ ...base(s), keyringKind: 'default', keyring: null, fingerprints: pins });
        continue;
      }
      const ring = await parseKeyring(
        new Uint8Array(Buffer.from(s.keyringBase64, 'base64')),
        `of source "${s.name}" in the backup`,
      );
      if (sortedUpper(ring.fingerprints) !== sortedUpper(s.fingerprints)) {
        throw new UserError(
          `The keyring of source "${s.name}" in the backup holds other keys than the fingerprints it lists; nothing was imported, export the configuration again.`,
          'bad-keyring',
        );
      }
      sources.push({
        ...base(s),
        keyringKind: 'custom',
        keyring: ring.binary,
        fingerprints: ring.fingerprints,
      });
    }
    const settings: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc.settings)) {
      if (!isBackedUpSetting(key)) {
        throw new UserError(
          `The backup sets "${key}", which is not a configuration setting; nothing was imported, export the configuration again.`,
          'bad-backup',
        );
      }
      settings[key] = value;
    }
    if (doc.sshKeys.length > 0) settings[SSH_KEYS_SETTING] = doc.sshKeys;
    return {
      sources,
      selections: doc.selections,
      choices: doc.bootChoices,
      settings,
      ...(doc.reservations === undefined
        ? {}
        : { reservations: doc.reservations.map((r) => ({ mac: r.mac, ip: r.ip })) }),
      ...(doc.kernelOptions === undefined
        ? {}
        : { kernelOptions: doc.kernelOptions.map((k) => ({ mac: k.mac, options: k.options })) }),
    };
  }
}

function base(s: ConfigDocument['sources'][number]): { name: string; url: string } {
  return { name: s.name, url: s.url };
}

/**
 * ConfigBackupService writes and reads the configuration backup (`labboot config export/import`,
 * the `config.*` calls). Import checks the whole document first — its version, every field, and
 * that each custom keyring is a real OpenPGP keyring with the fingerprints the document claims —
 * then makes the store equal to it in one transaction, or with `dryRun` only says what would change.
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
import { UserError } from '../../src-shared/errors';
import { parseKeyring, ubuntuCloudImagePins } from '../sync/keyring';
import { SSH_KEYS_SETTING } from '../boot/boot-service';
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

  constructor(
    db: Database,
    private readonly now: () => Date = () => new Date(),
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
    if (options.dryRun || !hasChanges(changes)) {
      return { dryRun: options.dryRun, applied: false, changes };
    }
    this.store.replace(next);
    return { dryRun: false, applied: true, changes };
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
    };
  }
}

function base(s: ConfigDocument['sources'][number]): { name: string; url: string } {
  return { name: s.name, url: s.url };
}

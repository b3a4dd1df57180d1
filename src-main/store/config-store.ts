/**
 * ConfigStore reads and replaces, in one transaction, everything a configuration backup holds:
 * boot sources, selections, boot choices, settings, full-DHCP reservations and per-machine kernel
 * options. Images, catalogs,
 * runs, leases and logs are not touched (removing a source drops its cached catalog, as
 * `sources remove` does).
 */
import type { Database } from 'better-sqlite3';
import type { KeyringKind } from './types';
import { writeTransaction } from './write-transaction';

/** ConfigSource is a source as a backup carries it. */
export interface ConfigSource {
  name: string;
  url: string;
  keyringKind: KeyringKind;
  keyring: Uint8Array | null;
  fingerprints: string[];
}

/** ConfigChoice is one boot choice without its timestamp. */
export interface ConfigChoice {
  mac: string;
  action: 'image' | 'local';
  image: string | null;
  hostname: string | null;
}

/** ConfigReservation is one full-DHCP reservation without its timestamp. */
export interface ConfigReservation {
  mac: string;
  ip: string;
}

/** ConfigKernelOptions is one machine's extra kernel options without their timestamp. */
export interface ConfigKernelOptions {
  mac: string;
  options: string;
}

/** StoredConfig is the configuration part of the store. */
export interface StoredConfig {
  sources: ConfigSource[];
  selections: { os: string; release: string; arch: string }[];
  choices: ConfigChoice[];
  /** Settings by key, parsed; only keys `inScope` accepts. */
  settings: Record<string, unknown>;
  /** Always set by `read`; undefined in `replace` leaves the reservations as they are. */
  reservations?: ConfigReservation[];
  /** Always set by `read`; undefined in `replace` leaves the per-machine kernel options alone. */
  kernelOptions?: ConfigKernelOptions[];
}

interface SourceRow {
  id: number;
  name: string;
  url: string;
  keyringKind: KeyringKind;
  keyring: Buffer | null;
  fingerprints: string;
}

const sameBytes = (a: Uint8Array | null, b: Uint8Array | null): boolean =>
  a === null || b === null ? a === b : Buffer.from(a).equals(Buffer.from(b));

/** ConfigStore reads and replaces the configuration tables. */
export class ConfigStore {
  /** `inScope` says which settings keys belong to the configuration (not machine-local state). */
  constructor(
    private readonly db: Database,
    private readonly inScope: (settingKey: string) => boolean,
  ) {}

  read(): StoredConfig {
    const sources = (
      this.db
        .prepare(
          'SELECT id, name, url, keyring_kind AS keyringKind, keyring, fingerprints FROM boot_sources ORDER BY id',
        )
        .all() as SourceRow[]
    ).map((r) => ({
      name: r.name,
      url: r.url,
      keyringKind: r.keyringKind,
      keyring: r.keyring === null ? null : new Uint8Array(r.keyring),
      fingerprints: JSON.parse(r.fingerprints) as string[],
    }));
    const selections = this.db
      .prepare('SELECT os, release, arch FROM selections ORDER BY os, release, arch')
      .all() as StoredConfig['selections'];
    const choices = this.db
      .prepare(
        `SELECT mac, action, image, hostname FROM boot_choices ORDER BY mac = 'default' DESC, mac`,
      )
      .all() as ConfigChoice[];
    const settings: Record<string, unknown> = {};
    const rows = this.db.prepare('SELECT key, value FROM settings ORDER BY key').all() as {
      key: string;
      value: string;
    }[];
    for (const r of rows) if (this.inScope(r.key)) settings[r.key] = JSON.parse(r.value);
    const reservations = this.db
      .prepare('SELECT mac, ip FROM dhcp_reservations ORDER BY mac')
      .all() as ConfigReservation[];
    const kernelOptions = this.db
      .prepare('SELECT mac, options FROM boot_kernel_options ORDER BY mac')
      .all() as ConfigKernelOptions[];
    return { sources, selections, choices, settings, reservations, kernelOptions };
  }

  /**
   * replace makes the configuration equal to `next` in one transaction: all of it or, when
   * anything fails, none of it. Unchanged rows are left alone (ids and timestamps kept); `now`
   * (epoch ms) stamps new reservations.
   */
  replace(next: StoredConfig, now: number = Date.now()): void {
    writeTransaction(this.db, () => {
      this.replaceSources(next.sources);
      this.db.prepare('DELETE FROM selections').run();
      const select = this.db.prepare('INSERT INTO selections (os, release, arch) VALUES (?, ?, ?)');
      for (const s of next.selections) select.run(s.os, s.release, s.arch);
      this.replaceChoices(next.choices);
      this.replaceSettings(next.settings);
      if (next.reservations !== undefined) this.replaceReservations(next.reservations, now);
      if (next.kernelOptions !== undefined) this.replaceKernelOptions(next.kernelOptions);
    });
  }

  private replaceKernelOptions(next: readonly ConfigKernelOptions[]): void {
    const current = new Map(
      (
        this.db
          .prepare('SELECT mac, options FROM boot_kernel_options')
          .all() as ConfigKernelOptions[]
      ).map((k) => [k.mac, k.options]),
    );
    const wanted = new Set(next.map((k) => k.mac));
    const remove = this.db.prepare('DELETE FROM boot_kernel_options WHERE mac = ?');
    for (const mac of current.keys()) if (!wanted.has(mac)) remove.run(mac);
    const upsert = this.db.prepare(
      `INSERT INTO boot_kernel_options (mac, options) VALUES (?, ?)
       ON CONFLICT(mac) DO UPDATE SET options = excluded.options,
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    );
    for (const k of next) if (current.get(k.mac) !== k.options) upsert.run(k.mac, k.options);
  }

  private replaceSources(next: readonly ConfigSource[]): void {
    const rows = this.db
      .prepare(
        'SELECT id, name, url, keyring_kind AS keyringKind, keyring, fingerprints FROM boot_sources',
      )
      .all() as SourceRow[];
    const byUrl = new Map(next.map((s) => [s.url, s]));
    const remove = this.db.prepare('DELETE FROM boot_sources WHERE id = ?');
    const kept: { row: SourceRow; to: ConfigSource }[] = [];
    for (const row of rows) {
      const to = byUrl.get(row.url);
      if (to === undefined) remove.run(row.id);
      else kept.push({ row, to });
    }
    // Names are unique: park changed rows under their id first, so two sources may swap names.
    const changed = kept.filter(
      ({ row, to }) =>
        row.name !== to.name ||
        row.keyringKind !== to.keyringKind ||
        !sameBytes(row.keyring, to.keyring) ||
        row.fingerprints !== JSON.stringify(to.fingerprints),
    );
    const park = this.db.prepare('UPDATE boot_sources SET name = ? WHERE id = ?');
    for (const { row } of changed) park.run(`\u0000parked-${row.id}`, row.id);
    const update = this.db.prepare(
      'UPDATE boot_sources SET name = ?, keyring_kind = ?, keyring = ?, fingerprints = ? WHERE id = ?',
    );
    for (const { row, to } of changed) {
      update.run(
        to.name,
        to.keyringKind,
        to.keyring === null ? null : Buffer.from(to.keyring),
        JSON.stringify(to.fingerprints),
        row.id,
      );
    }
    const insert = this.db.prepare(
      'INSERT INTO boot_sources (name, url, keyring_kind, keyring, fingerprints) VALUES (?, ?, ?, ?, ?)',
    );
    const existing = new Set(rows.map((r) => r.url));
    for (const s of next) {
      if (existing.has(s.url)) continue;
      insert.run(
        s.name,
        s.url,
        s.keyringKind,
        s.keyring === null ? null : Buffer.from(s.keyring),
        JSON.stringify(s.fingerprints),
      );
    }
  }

  private replaceChoices(next: readonly ConfigChoice[]): void {
    const current = this.db
      .prepare('SELECT mac, action, image, hostname FROM boot_choices')
      .all() as ConfigChoice[];
    const wanted = new Map(next.map((c) => [c.mac, c]));
    const remove = this.db.prepare('DELETE FROM boot_choices WHERE mac = ?');
    for (const c of current) if (!wanted.has(c.mac)) remove.run(c.mac);
    const same = new Map(current.map((c) => [c.mac, JSON.stringify(c)]));
    const upsert = this.db.prepare(
      `INSERT INTO boot_choices (mac, action, image, hostname) VALUES (?, ?, ?, ?)
       ON CONFLICT(mac) DO UPDATE SET action = excluded.action, image = excluded.image,
         hostname = excluded.hostname, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    );
    for (const c of next) {
      const row: ConfigChoice = {
        mac: c.mac,
        action: c.action,
        image: c.image,
        hostname: c.hostname,
      };
      if (same.get(c.mac) === JSON.stringify(row)) continue;
      upsert.run(c.mac, c.action, c.image, c.hostname);
    }
  }

  private replaceReservations(next: readonly ConfigReservation[], now: number): void {
    const current = this.db
      .prepare('SELECT mac, ip FROM dhcp_reservations')
      .all() as ConfigReservation[];
    const wanted = new Map(next.map((r) => [r.mac, r.ip]));
    const kept = new Set<string>();
    const remove = this.db.prepare('DELETE FROM dhcp_reservations WHERE mac = ?');
    // Drop removed and moved ones first: addresses are unique, so two MACs may swap addresses.
    for (const r of current) {
      if (wanted.get(r.mac) === r.ip) kept.add(r.mac);
      else remove.run(r.mac);
    }
    const insert = this.db.prepare(
      'INSERT INTO dhcp_reservations (mac, ip, created_at) VALUES (?, ?, ?)',
    );
    for (const r of next) if (!kept.has(r.mac)) insert.run(r.mac, r.ip, now);
  }

  private replaceSettings(next: Record<string, unknown>): void {
    const keys = (
      this.db.prepare('SELECT key, value FROM settings').all() as {
        key: string;
        value: string;
      }[]
    ).filter((r) => this.inScope(r.key));
    const remove = this.db.prepare('DELETE FROM settings WHERE key = ?');
    for (const r of keys) if (!Object.hasOwn(next, r.key)) remove.run(r.key);
    const current = new Map(keys.map((r) => [r.key, r.value]));
    const upsert = this.db.prepare(
      `INSERT INTO settings (key, value) VALUES (?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value,
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    );
    for (const [key, value] of Object.entries(next)) {
      if (!this.inScope(key)) continue;
      const text = JSON.stringify(value);
      if (current.get(key) !== text) upsert.run(key, text);
    }
  }
}

/** SourceStore keeps the configured boot sources (`boot_sources`). */
import type { Database } from 'better-sqlite3';
import { UserError } from '../../src-shared/errors';
import type { KeyringKind, SourceRecord } from './types';
import { writeTransaction } from './write-transaction';

/** NewSource is what `sources add` supplies. */
export type NewSource = Omit<SourceRecord, 'id' | 'createdAt'>;

interface SourceRow {
  id: number;
  name: string;
  url: string;
  keyringKind: KeyringKind;
  keyring: Buffer | null;
  fingerprints: string;
  createdAt: string;
}

const columns =
  'id, name, url, keyring_kind AS keyringKind, keyring, fingerprints, created_at AS createdAt';

function toSource(row: SourceRow): SourceRecord {
  return {
    ...row,
    keyring: row.keyring === null ? null : new Uint8Array(row.keyring),
    fingerprints: JSON.parse(row.fingerprints) as string[],
  };
}

/** SourceStore reads and writes boot sources. */
export class SourceStore {
  constructor(private readonly db: Database) {}

  /** list returns sources in the order they were added (the first one wins a tie). */
  list(): SourceRecord[] {
    const rows = this.db
      .prepare(`SELECT ${columns} FROM boot_sources ORDER BY id`)
      .all() as SourceRow[];
    return rows.map(toSource);
  }

  /** find looks a source up by numeric id or by name. */
  find(idOrName: string): SourceRecord | undefined {
    const row = (
      /^\d+$/.test(idOrName)
        ? this.db.prepare(`SELECT ${columns} FROM boot_sources WHERE id = ?`).get(Number(idOrName))
        : this.db.prepare(`SELECT ${columns} FROM boot_sources WHERE name = ?`).get(idOrName)
    ) as SourceRow | undefined;
    return row === undefined ? undefined : toSource(row);
  }

  /** add stores a new source; refuses a name or URL that is already configured. */
  add(source: NewSource): SourceRecord {
    const id = writeTransaction(this.db, () => {
      const clash = this.db
        .prepare('SELECT name, url FROM boot_sources WHERE name = ? OR url = ?')
        .get(source.name, source.url) as { name: string; url: string } | undefined;
      if (clash !== undefined) {
        throw new UserError(
          clash.url === source.url
            ? `The boot source ${source.url} is already configured as "${clash.name}"; remove it first to change its keyring.`
            : `A boot source named "${source.name}" already exists; choose another name with --name.`,
          'source-exists',
        );
      }
      return this.db
        .prepare(
          'INSERT INTO boot_sources (name, url, keyring_kind, keyring, fingerprints) VALUES (?, ?, ?, ?, ?)',
        )
        .run(
          source.name,
          source.url,
          source.keyringKind,
          source.keyring === null ? null : Buffer.from(source.keyring),
          JSON.stringify(source.fingerprints),
        ).lastInsertRowid;
    });
    const added = this.find(String(id));
    if (added === undefined) throw new Error('inserted source vanished');
    return added;
  }

  /** remove deletes a source and its catalog; images synced from it stay. */
  remove(idOrName: string): SourceRecord {
    return writeTransaction(this.db, () => {
      const source = this.find(idOrName);
      if (source === undefined) {
        throw new UserError(
          `No boot source "${idOrName}" exists; run "labboot sources list" to see ids and names.`,
          'source-not-found',
        );
      }
      this.db.prepare('DELETE FROM boot_sources WHERE id = ?').run(source.id);
      return source;
    });
  }
}

/**
 * The region store's SQLite database: one file in the data folder, WAL mode, foreign keys on, and a
 * `schema_migrations` table that records which migrations ran. better-sqlite3 is synchronous by
 * design (it is faster than async drivers for a local file); only `src-main/store/` touches it.
 */
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../../src-shared/errors';
import { migrations as allMigrations } from './migrations/index';
import type { Migration } from './migrations/types';
import { busyTimeoutMs, writeTransaction } from './write-transaction';

export type { Database } from 'better-sqlite3';

/** databaseFileName is the SQLite file inside the data folder. */
export const databaseFileName = 'labboot.sqlite';

/** openDatabase opens (creating if needed) the store and brings its schema up to date. */
export function openDatabase(
  file: string,
  migrations: readonly Migration[] = allMigrations,
): Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  let db: Database;
  try {
    db = new BetterSqlite3(file, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new UserError(
      `Cannot open the LabBoot store ${file}: ${(error as Error).message}. Check that the folder is writable, or choose another with --data.`,
      'store-open',
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL syncs only at checkpoints; writes that deleted files depend on ask for FULL themselves.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** migrate applies, in id order, each migration the database has not seen, each in a transaction. */
export function migrate(db: Database, migrations: readonly Migration[]): number[] {
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ) STRICT;
  `);
  const ids = new Set<number>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`duplicate migration id ${m.id} (${m.name})`);
    ids.add(m.id);
  }
  const applied = new Set(
    (db.prepare('SELECT id FROM schema_migrations').all() as { id: number }[]).map((r) => r.id),
  );
  const unknown = [...applied].filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    throw new UserError(
      `The LabBoot store was written by a newer LabBoot (unknown schema steps ${unknown.join(', ')}); update LabBoot, or use another data folder with --data.`,
      'store-newer',
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (id, name) VALUES (?, ?)');
  const done = db.prepare('SELECT 1 FROM schema_migrations WHERE id = ?');
  const ran: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (applied.has(m.id)) continue;
    // Checked again under the write lock: another process may have opened the store meanwhile.
    const applies = writeTransaction(db, () => {
      if (done.get(m.id) !== undefined) return false;
      m.up(db);
      record.run(m.id, m.name);
      return true;
    });
    if (applies) ran.push(m.id);
  }
  return ran;
}

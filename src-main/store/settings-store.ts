import type { Database } from 'better-sqlite3';
import { writeTransaction } from './write-transaction';

/** SettingsStore keeps small JSON preferences (last interface, window bounds) in the database. */
export class SettingsStore {
  constructor(private readonly db: Database) {}

  get<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }

  set(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    writeTransaction(this.db, () =>
      this.db
        .prepare(
          `INSERT INTO settings (key, value) VALUES (?, ?)
           ON CONFLICT(key) DO UPDATE SET value = excluded.value,
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
        )
        .run(key, text),
    );
  }
}

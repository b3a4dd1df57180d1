/** SelectionStore keeps the chosen image families (`selections`). */
import type { Database } from 'better-sqlite3';
import { UserError } from '../../src-shared/errors';
import type { SelectionRecord } from './types';
import { writeTransaction } from './write-transaction';

/** Selection is a selection as written, before it has an id. */
export type Selection = Omit<SelectionRecord, 'id'>;

const insertSql = 'INSERT OR IGNORE INTO selections (os, release, arch) VALUES (?, ?, ?)';
const deleteSql = 'DELETE FROM selections WHERE os = ? AND release = ? AND arch = ?';

/** SelectionStore reads and writes selections. */
export class SelectionStore {
  constructor(private readonly db: Database) {}

  /** list returns every selection in name order. */
  list(): SelectionRecord[] {
    return this.db
      .prepare('SELECT id, os, release, arch FROM selections ORDER BY os, release, arch')
      .all() as SelectionRecord[];
  }

  /** add inserts the ones not yet present and returns the full list. */
  add(items: readonly Selection[]): SelectionRecord[] {
    return this.replace([], items);
  }

  /** replace swaps `remove` (missing ones ignored) for `add` in one transaction. */
  replace(remove: readonly Selection[], add: readonly Selection[]): SelectionRecord[] {
    const del = this.db.prepare(deleteSql);
    const insert = this.db.prepare(insertSql);
    writeTransaction(this.db, () => {
      for (const s of remove) del.run(s.os, s.release, s.arch);
      for (const s of add) insert.run(s.os, s.release, s.arch);
    });
    return this.list();
  }

  /** remove deletes matching selections; throws when one of them does not exist. */
  remove(items: readonly Selection[]): SelectionRecord[] {
    const del = this.db.prepare(deleteSql);
    writeTransaction(this.db, () => {
      for (const s of items) {
        if (del.run(s.os, s.release, s.arch).changes === 0) {
          throw new UserError(
            `${s.os}/${s.release}/${s.arch} is not selected; run "labboot select list" to see the selections.`,
            'selection-not-found',
          );
        }
      }
    });
    return this.list();
  }
}

import type { Database, Statement } from 'better-sqlite3';

/**
 * statementCache prepares each SQL text once per store object; publishing runs per version and
 * preparing was its main cost.
 */
export function statementCache(db: Database): (sql: string) => Statement {
  const statements = new Map<string, Statement>();
  return (sql) => {
    let s = statements.get(sql);
    if (s === undefined) {
      s = db.prepare(sql);
      statements.set(sql, s);
    }
    return s;
  };
}

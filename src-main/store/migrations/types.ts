import type { Database } from 'better-sqlite3';

/** Migration changes the schema one step; `up` runs inside a transaction. */
export interface Migration {
  /** Unique, ordered id. Ranges: 1–99 foundation, 100–199 store/sync, 200–299 boot, 300–399 DHCP, 400–499 deploy. */
  readonly id: number;
  readonly name: string;
  up(db: Database): void;
}

/**
 * ServingRecord writes down, in the store, that this process serves PXE (table boot_servers), so
 * any other LabBoot process on the same data folder can tell before deleting an image. A row of
 * a process that is gone (killed with -9) is ignored and removed by the next reader on its host;
 * a row written on another host cannot be checked and counts as serving.
 */
import { hostname } from 'node:os';
import type { Database } from '../store/database';
import { writeTransaction } from '../store/write-transaction';
import { isProcessAlive } from '../sync/sync-lock';

/** A process serving from this data folder. */
export interface ServingProcess {
  pid: number;
  host: string;
  address: string;
  /** The HTTP port it bound (absent in rows of older versions). */
  httpPort?: number;
  startedAt: string;
}

/** ServingRecord registers this process's boot server and lists the live ones. */
export class ServingRecord {
  private rowId: number | undefined;

  constructor(
    private readonly db: Database,
    private readonly pid = process.pid,
    private readonly isAlive: (pid: number) => boolean = isProcessAlive,
  ) {}

  /** register records that this process now serves on `address`, HTTP on `httpPort`. */
  register(address: string, httpPort?: number): void {
    this.unregister();
    this.rowId = writeTransaction(this.db, () =>
      Number(
        this.db
          .prepare('INSERT INTO boot_servers (pid, host, address, http_port) VALUES (?, ?, ?, ?)')
          .run(this.pid, hostname(), address, httpPort ?? null).lastInsertRowid,
      ),
    );
  }

  /** unregister removes this process's row (no-op when it serves nothing). */
  unregister(): void {
    const id = this.rowId;
    if (id === undefined) return;
    this.rowId = undefined;
    writeTransaction(this.db, () =>
      this.db.prepare('DELETE FROM boot_servers WHERE id = ?').run(id),
    );
  }

  /** live lists the processes serving now, removing the rows of dead ones on this host. */
  live(): ServingProcess[] {
    const rows = this.db
      .prepare(
        'SELECT id, pid, host, address, http_port AS httpPort, started_at AS startedAt FROM boot_servers ORDER BY id',
      )
      .all() as (Omit<ServingProcess, 'httpPort'> & { id: number; httpPort: number | null })[];
    const here = hostname();
    const dead = rows.filter((r) => r.host === here && !this.isAlive(r.pid));
    if (dead.length > 0) {
      writeTransaction(this.db, () => {
        const drop = this.db.prepare('DELETE FROM boot_servers WHERE id = ?');
        for (const r of dead) drop.run(r.id);
      });
    }
    return rows
      .filter((r) => !dead.includes(r))
      .map(({ id: _, httpPort, ...r }) => (httpPort === null ? r : { ...r, httpPort }));
  }
}

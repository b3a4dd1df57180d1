/** SyncRunStore records sync runs and their events (`sync_runs`, `sync_events`). */
import type { Database } from 'better-sqlite3';
import type { SyncRunStatus } from './types';
import { writeTransaction } from './write-transaction';

/** SyncRunRow is one recorded sync run. */
export interface SyncRunRow {
  id: number;
  status: SyncRunStatus;
  pid: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

const now = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/** SyncRunStore reads and writes sync runs. */
export class SyncRunStore {
  constructor(private readonly db: Database) {}

  /** start records a new run; earlier 'running' rows whose process is gone become 'interrupted'. */
  start(pid: number, isAlive: (pid: number) => boolean): number {
    return writeTransaction(this.db, () => {
      const running = this.db
        .prepare("SELECT id, pid FROM sync_runs WHERE status = 'running'")
        .all() as { id: number; pid: number }[];
      const interrupt = this.db.prepare(
        `UPDATE sync_runs SET status = 'interrupted', finished_at = ${now} WHERE id = ?`,
      );
      for (const r of running) {
        if (!isAlive(r.pid) || r.pid === pid) interrupt.run(r.id);
      }
      return Number(
        this.db.prepare("INSERT INTO sync_runs (status, pid) VALUES ('running', ?)").run(pid)
          .lastInsertRowid,
      );
    });
  }

  /** finish records how a run ended. */
  finish(id: number, status: Exclude<SyncRunStatus, 'running'>, error?: string): void {
    writeTransaction(this.db, () =>
      this.db
        .prepare(`UPDATE sync_runs SET status = ?, error = ?, finished_at = ${now} WHERE id = ?`)
        .run(status, error ?? null, id),
    );
  }

  /** addEvent appends one event of a run. */
  addEvent(runId: number, event: string, payload: unknown): void {
    writeTransaction(this.db, () =>
      this.db
        .prepare('INSERT INTO sync_events (run_id, event, payload) VALUES (?, ?, ?)')
        .run(runId, event, JSON.stringify(payload)),
    );
  }

  /** list returns the most recent runs first. */
  list(limit = 20): SyncRunRow[] {
    return this.db
      .prepare(
        `SELECT id, status, pid, started_at AS startedAt, finished_at AS finishedAt, error
         FROM sync_runs ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as SyncRunRow[];
  }
}

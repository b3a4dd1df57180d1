import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { pruneHistory } from '../../../src-main/store/history-prune';
import { BootLogStore } from '../../../src-main/boot/dhcp/boot-log-store';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function open(): Database {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  return db;
}

const day = 86_400_000;
const now = Date.parse('2026-03-01T12:00:00.000Z');
const clock = (): number => now;
const iso = (ms: number): string => new Date(ms).toISOString();

function addRun(db: Database, status: string, startedMs: number, events: number): number {
  const id = Number(
    db
      .prepare('INSERT INTO sync_runs (status, pid, started_at) VALUES (?, 1, ?)')
      .run(status, iso(startedMs)).lastInsertRowid,
  );
  const ins = db.prepare(
    'INSERT INTO sync_events (run_id, at, event, payload) VALUES (?, ?, ?, ?)',
  );
  for (let i = 0; i < events; i++) ins.run(id, iso(startedMs + i * 1000), 'file', '{}');
  return id;
}

function addBoot(
  db: Database,
  at: number,
  mac: string | null,
  ip: string | null,
  protocol: 'dhcp' | 'tftp' | 'http',
): void {
  db.prepare(
    `INSERT INTO boot_events (at, mac, client_ip, protocol, stage, detail) VALUES (?, ?, ?, ?, ?, '')`,
  ).run(at, mac, ip, protocol, protocol === 'dhcp' ? 'proxy-ack' : `${protocol}-sent`);
}

const count = (db: Database, table: string): number =>
  db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

describe('pruneHistory', () => {
  it('drops sync runs and events older than the age, keeping the newest run and running ones', () => {
    const db = open();
    const old1 = addRun(db, 'done', now - 40 * day, 3);
    const old2 = addRun(db, 'failed', now - 35 * day, 2);
    const running = addRun(db, 'running', now - 31 * day, 0);
    const recent = addRun(db, 'done', now - 5 * day, 2);
    const result = pruneHistory(db, { maxAgeDays: 30, maxEvents: 10_000 }, { now: clock });
    const ids = db.prepare('SELECT id FROM sync_runs ORDER BY id').pluck().all();
    expect(ids).toEqual([running, recent]);
    expect(ids).not.toContain(old1);
    expect(ids).not.toContain(old2);
    expect(count(db, 'sync_events')).toBe(2);
    expect(result).toMatchObject({ syncRuns: 2, syncEvents: 5, complete: true });

    // Older than the limit but the only run: how the last sync ended stays visible.
    const lone = open();
    const only = addRun(lone, 'done', now - 90 * day, 1);
    pruneHistory(lone, { maxAgeDays: 30, maxEvents: 10_000 }, { now: clock });
    expect(lone.prepare('SELECT id FROM sync_runs').pluck().all()).toEqual([only]);
  });

  it('keeps only the newest sync events beyond the count', () => {
    const db = open();
    addRun(db, 'done', now - day, 150);
    const newest = db.prepare('SELECT MAX(id) FROM sync_events').pluck().get() as number;
    pruneHistory(db, { maxAgeDays: 30, maxEvents: 100 }, { now: clock });
    expect(count(db, 'sync_events')).toBe(100);
    expect(db.prepare('SELECT MIN(id) FROM sync_events').pluck().get()).toBe(newest - 99);
  });

  it("drops old boot events but keeps every MAC's newest boot with its address's MAC-less rows", () => {
    const db = open();
    const a = '52:54:00:00:00:0a';
    const b = '52:54:00:00:00:0b';
    // A booted 40 days ago, and last 35 days ago (DHCP, then a MAC-less TFTP row from its address).
    addBoot(db, now - 40 * day, a, '10.0.0.5', 'dhcp');
    addBoot(db, now - 40 * day + 60_000, null, '10.0.0.5', 'tftp');
    addBoot(db, now - 35 * day, a, '10.0.0.6', 'dhcp');
    addBoot(db, now - 35 * day + 30_000, null, '10.0.0.6', 'tftp');
    addBoot(db, now - 35 * day + 90_000, a, '10.0.0.6', 'http');
    // A MAC-less row nobody's DHCP explains, and B's recent boot.
    addBoot(db, now - 33 * day, null, '10.0.0.9', 'http');
    addBoot(db, now - 2 * day, b, '10.0.0.7', 'dhcp');
    const result = pruneHistory(db, { maxAgeDays: 30, maxEvents: 10_000 }, { now: clock });
    expect(result.bootEvents).toBe(3);
    const log = new BootLogStore(db);
    expect(log.timeline(a).map((e) => [e.at - now, e.protocol])).toEqual([
      [-35 * day, 'dhcp'],
      [-35 * day + 30_000, 'tftp'],
      [-35 * day + 90_000, 'http'],
    ]);
    expect(log.timeline(b)).toHaveLength(1);
    expect(count(db, 'boot_events')).toBe(4);
  });

  it('keeps at most the newest boot events by count, still keeping each newest boot', () => {
    const db = open();
    const c = '52:54:00:00:00:0c';
    // 250 boots two hours apart, one row each, all recent; plus an older MAC with one boot.
    addBoot(db, now - 20 * day, '52:54:00:00:00:0d', '10.0.0.8', 'dhcp');
    for (let i = 250; i > 0; i--) addBoot(db, now - i * 7_200_000, c, '10.0.0.5', 'dhcp');
    pruneHistory(db, { maxAgeDays: 30, maxEvents: 100 }, { now: clock });
    // The newest 100 rows, plus D's only (newest) boot.
    expect(count(db, 'boot_events')).toBe(101);
    expect(new BootLogStore(db).timeline('52:54:00:00:00:0d')).toHaveLength(1);
  });

  it('stops when its time budget is spent and finishes on the next run', () => {
    const db = open();
    addRun(db, 'done', now - 40 * day, 50);
    addRun(db, 'done', now - day, 0);
    const first = pruneHistory(
      db,
      { maxAgeDays: 30, maxEvents: 10_000 },
      { now: clock, budgetMs: -1, batchRows: 10 },
    );
    expect(first.complete).toBe(false);
    expect(count(db, 'sync_events')).toBe(50);
    const second = pruneHistory(
      db,
      { maxAgeDays: 30, maxEvents: 10_000 },
      { now: clock, batchRows: 10 },
    );
    expect(second).toMatchObject({ complete: true, syncEvents: 50, syncRuns: 1 });
    expect(count(db, 'sync_events')).toBe(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ServingRecord } from '../../../src-main/boot/serving-record';
import { openDatabase, type Database } from '../../../src-main/store/database';
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

describe('ServingRecord', () => {
  it('lists a serving process to every reader until it stops', () => {
    const db = open();
    const alive = new Set([100, 200]);
    const isAlive = (pid: number): boolean => alive.has(pid);
    const a = new ServingRecord(db, 100, isAlive);
    const reader = new ServingRecord(db, 200, isAlive);
    expect(reader.live()).toEqual([]);
    a.register('10.0.0.1');
    expect(reader.live()).toEqual([
      { pid: 100, host: hostname(), address: '10.0.0.1', startedAt: expect.any(String) },
    ]);
    a.register('10.0.0.2'); // a restart replaces its row
    expect(reader.live().map((s) => s.address)).toEqual(['10.0.0.2']);
    a.unregister();
    expect(reader.live()).toEqual([]);
  });

  it('tells readers the HTTP port a serving process bound, when it said', () => {
    const db = open();
    const isAlive = (): boolean => true;
    new ServingRecord(db, 100, isAlive).register('10.0.0.1', 8080);
    expect(new ServingRecord(db, 200, isAlive).live()).toEqual([
      {
        pid: 100,
        host: hostname(),
        address: '10.0.0.1',
        httpPort: 8080,
        startedAt: expect.any(String),
      },
    ]);
  });

  it('drops the row of a process killed while serving; trusts rows of other hosts', () => {
    const db = open();
    const alive = new Set([100, 200]);
    const isAlive = (pid: number): boolean => alive.has(pid);
    new ServingRecord(db, 100, isAlive).register('10.0.0.1');
    db.prepare(
      "INSERT INTO boot_servers (pid, host, address) VALUES (300, 'elsewhere', '10.0.0.3')",
    ).run();
    alive.delete(100); // killed with -9: no unregister
    const reader = new ServingRecord(db, 200, isAlive);
    expect(reader.live().map((s) => s.address)).toEqual(['10.0.0.3']);
    expect(db.prepare('SELECT COUNT(*) FROM boot_servers').pluck().get()).toBe(1);
  });
});

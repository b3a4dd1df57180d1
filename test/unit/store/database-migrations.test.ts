import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { migrate, openDatabase } from '../../../src-main/store/database';
import type { Migration } from '../../../src-main/store/migrations/types';
import { makeTempDir } from '../../helpers/temp-dir';

const dirs: { remove: () => void }[] = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

describe('openDatabase', () => {
  it('opens in WAL mode with foreign keys and records every migration once', () => {
    const tmp = makeTempDir();
    dirs.push(tmp);
    const file = join(tmp.path, 'store', 'labboot.sqlite');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const applied = (
      db.prepare('SELECT id FROM schema_migrations ORDER BY id').all() as { id: number }[]
    ).map((r) => r.id);
    expect(applied).toContain(1);
    db.close();
    const again = openDatabase(file);
    expect(
      (again.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n,
    ).toBe(applied.length);
    again.close();
  });

  it('rolls a failing migration back and keeps earlier ones', () => {
    const db = openDatabase(':memory:', []);
    const good: Migration = {
      id: 10,
      name: 'good',
      up: (d) => d.exec('CREATE TABLE a (x INTEGER)'),
    };
    const bad: Migration = {
      id: 11,
      name: 'bad',
      up: (d) => {
        d.exec('CREATE TABLE b (x INTEGER)');
        throw new Error('boom');
      },
    };
    expect(() => migrate(db, [good, bad])).toThrow('boom');
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(tables).toContain('a');
    expect(tables).not.toContain('b');
    db.close();
  });

  it('refuses a store written by a newer LabBoot with a clear message', () => {
    const tmp = makeTempDir();
    dirs.push(tmp);
    const file = join(tmp.path, 'labboot.sqlite');
    openDatabase(file, [
      { id: 1, name: 'a', up: () => {} },
      { id: 999, name: 'future', up: () => {} },
    ]).close();
    expect(() => openDatabase(file, [{ id: 1, name: 'a', up: () => {} }])).toThrow(/newer LabBoot/);
  });
});

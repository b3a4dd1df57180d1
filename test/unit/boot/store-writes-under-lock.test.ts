/**
 * The boot server's stores (leases, reservations, boot choices, settings) write while a
 * sync or another LabBoot process may hold the store's write lock. Each write waits for the lock
 * (SQLite waits for a statement or transaction that writes first; only one that reads first and
 * writes later fails at once, which taking the lock up front rules out as these writes grow), and a
 * lock held past the busy timeout ends in one sentence for a person, not "database is locked".
 * The boot log batches its writes and retries a locked batch later instead (its own tests).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { isUserError } from '../../../src-shared/errors';
import { ChoiceStore } from '../../../src-main/boot/config/choice-store';
import { LeaseStore } from '../../../src-main/boot/dhcp/lease-store';
import { ReservationStore } from '../../../src-main/boot/dhcp/reservation-store';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { holdWriteLock } from '../../helpers/store/hold-write-lock';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function open(): { file: string; db: Database } {
  const tmp = makeTempDir();
  const file = join(tmp.path, 'labboot.sqlite');
  const db = openDatabase(file);
  cleanups.push(tmp.remove, () => db.close());
  return { file, db };
}

const mac = '52:54:00:12:34:56';
const writes: [string, (db: Database) => unknown][] = [
  [
    'a lease',
    (db) =>
      new LeaseStore(db, 'eth0').put(
        { ip: '10.0.0.5', mac, state: 'bound', hostname: null, expiresAt: 1 },
        0,
      ),
  ],
  ['a lease removed', (db) => new LeaseStore(db, 'eth0').remove('10.0.0.5')],
  ['a reservation', (db) => new ReservationStore(db).set(mac, '10.0.0.9', 0)],
  ['a reservation removed', (db) => new ReservationStore(db).remove(mac)],
  ['a boot choice', (db) => new ChoiceStore(db).set(mac, { action: 'local' })],
  ['a boot choice removed', (db) => new ChoiceStore(db).remove(mac)],
  ['a setting', (db) => new SettingsStore(db).set('lastInterface', 'eth0')],
];

describe('boot store writes under another connection’s write lock', () => {
  it.each(writes)('%s waits for a lock held briefly', async (_name, write) => {
    const { file, db } = open();
    const lock = await holdWriteLock(file, 300);
    cleanups.push(() => lock.released);
    const started = Date.now();
    write(db);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it.each(writes)('%s ends in one sentence when the lock is held too long', async (_n, write) => {
    const { file, db } = open();
    db.pragma('busy_timeout = 100');
    const lock = await holdWriteLock(file, 400);
    cleanups.push(() => lock.released);
    let error: unknown;
    try {
      write(db);
    } catch (e) {
      error = e;
    }
    expect(isUserError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'store-busy',
      message: expect.stringMatching(/^Another LabBoot process kept the store busy for more than/),
    });
  });
});

/**
 * The boot log's batched writes: one transaction per batch, read-your-writes for every reader in
 * this process (attribution included), the last batch written on dispose, and write failures
 * that never reach a protocol handler: a locked store retries the batch, other failures drop it,
 * each logged once with what to do.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BootLogStore, type BootEvent } from '../../../../src-main/boot/dhcp/boot-log-store';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import type { Logger } from '../../../../src-main/logger';
import { holdWriteLock } from '../../../helpers/store/hold-write-lock';
import { makeTempDir } from '../../../helpers/temp-dir';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function memoryDb(): Database {
  const db = openDatabase(':memory:');
  cleanups.push(() => db.close());
  return db;
}

const count = (d: Database): number =>
  d.prepare('SELECT COUNT(*) FROM boot_events').pluck().get() as number;

const A = '52:54:00:00:00:0a';
const B = '52:54:00:00:00:0b';

const dhcp = (at: number, mac: string, ip: string, stage = 'dhcp-ack'): BootEvent => ({
  at,
  mac,
  clientIp: ip,
  protocol: 'dhcp',
  stage,
  detail: ip,
});

const tftp = (at: number, ip: string, mac: string | null = null): BootEvent => ({
  at,
  mac,
  clientIp: ip,
  protocol: 'tftp',
  stage: 'tftp-sent',
  detail: 'lpxelinux.0',
});

function warnings(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log: Logger = {
    info: () => {},
    warn: (c, m) => lines.push(`[${c}] ${m}`),
    error: (c, m) => lines.push(`[${c}] ${m}`),
  };
  return { log, lines };
}

describe('BootLogStore batching', () => {
  it('writes a full batch in one transaction and the rest after the delay', async () => {
    const db = memoryDb();
    const log = new BootLogStore(db, { batchSize: 4, flushDelayMs: 30 });
    for (let i = 0; i < 3; i++) log.record(tftp(i, '10.0.0.9'));
    expect(count(db)).toBe(0);
    log.record(tftp(3, '10.0.0.9'));
    expect(count(db)).toBe(4);
    expect(log.written()).toEqual({ events: 4, writes: 1, dropped: 0 });
    log.record(tftp(4, '10.0.0.9'));
    log.record(tftp(5, '10.0.0.9'));
    expect(count(db)).toBe(4);
    await expect.poll(() => count(db), { timeout: 2_000, interval: 10 }).toBe(6);
    expect(log.written()).toEqual({ events: 6, writes: 2, dropped: 0 });
  });

  it.each<[string, (log: BootLogStore) => unknown]>([
    ['timeline', (log) => log.timeline(A).length],
    ['recent', (log) => log.recent().length],
    ['newest', (log) => log.newest(10, A).length],
    ['after', (log) => log.after(0, 10).length],
    ['lastId', (log) => log.lastId()],
    ['clients', (log) => log.clients().length],
  ])('%s sees an event recorded just before, without waiting for the timer', (_name, read) => {
    const db = memoryDb();
    const log = new BootLogStore(db);
    log.record(dhcp(1, A, '10.0.0.5'));
    expect(count(db)).toBe(0);
    expect(read(log)).toBe(1);
  });

  it('attributes an address to the MAC of a DHCP step still queued, the newest first', () => {
    const db = memoryDb();
    const log = new BootLogStore(db);
    log.record(dhcp(10, A, '10.0.0.5'));
    log.flush();
    // B took the address over; its step is only queued.
    log.record(dhcp(20, B, '10.0.0.5'));
    expect(count(db)).toBe(1);
    expect(log.macForIp('10.0.0.5', 0)).toBe(B);
    expect(log.macForIp('10.0.0.5', 21)).toBeUndefined();
    // Asking must not write (TFTP and HTTP handlers ask on every request).
    expect(count(db)).toBe(1);
  });

  it('never ties an address to a MAC that was refused it or found it taken', () => {
    const db = memoryDb();
    const log = new BootLogStore(db);
    log.record(dhcp(10, B, '10.0.0.5'));
    // A remembers 10.0.0.5 from an earlier boot and asks for it: refused, B holds it.
    log.record(dhcp(11, A, '10.0.0.5', 'dhcp-nak'));
    log.record(dhcp(12, A, '10.0.0.7', 'dhcp-decline'));
    expect(log.macForIp('10.0.0.5', 0)).toBe(B);
    expect(log.macForIp('10.0.0.7', 0)).toBeUndefined();
    log.flush();
    expect(log.macForIp('10.0.0.5', 0)).toBe(B);
    expect(log.macForIp('10.0.0.7', 0)).toBeUndefined();
    // B's MAC-less TFTP row after A's refusal is B's alone.
    log.record(tftp(13, '10.0.0.5'));
    expect(log.timeline(B).map((e) => e.stage)).toEqual(['dhcp-ack', 'tftp-sent']);
    expect(log.timeline(A).map((e) => e.stage)).toEqual(['dhcp-nak', 'dhcp-decline']);
  });

  it('prunes in a task of its own after the write that made it due, or at once on a read', async () => {
    const db = memoryDb();
    const now = 10 * 86_400_000;
    // Two days old, nobody's boot, with a one-day limit: every row may go.
    const old = (i: number): BootEvent => ({
      ...tftp(now - 2 * 86_400_000 + i, '10.0.0.9'),
      clientIp: null,
    });
    const log = new BootLogStore(db, {
      batchSize: 4,
      pruneEvery: 4,
      limits: () => ({ maxAgeDays: 1, maxEvents: 1000 }),
      now: () => now,
    });
    for (let i = 0; i < 4; i++) log.record(old(i));
    expect(count(db)).toBe(4);
    await new Promise((r) => setImmediate(r));
    expect(count(db)).toBe(0);
    for (let i = 0; i < 4; i++) log.record(old(i));
    expect(count(db)).toBe(4);
    expect(log.recent()).toEqual([]);
    expect(count(db)).toBe(0);
  });

  it('writes the last batch on dispose', () => {
    const db = memoryDb();
    const log = new BootLogStore(db);
    log.record(dhcp(1, A, '10.0.0.5'));
    log.record(tftp(2, '10.0.0.5'));
    log.dispose();
    expect(count(db)).toBe(2);
    expect(log.written()).toEqual({ events: 2, writes: 1, dropped: 0 });
  });

  it('keeps serving while another process holds the store: no throw, no long wait, the batch written later', async () => {
    const tmp = makeTempDir();
    const file = join(tmp.path, 'labboot.sqlite');
    const db = openDatabase(file);
    cleanups.push(tmp.remove, () => db.close());
    const { log, lines } = warnings();
    const store = new BootLogStore(db, { batchSize: 2, flushDelayMs: 20, lockWaitMs: 20, log });
    const lock = await holdWriteLock(file, 400);
    cleanups.push(() => lock.released);
    const started = Date.now();
    for (let i = 0; i < 10; i++) store.record(tftp(i, '10.0.0.9'));
    // One flush waited for the lock (20 ms); the rest queue behind it without waiting.
    expect(Date.now() - started).toBeLessThan(200);
    expect(count(db)).toBe(0);
    await lock.released;
    await expect.poll(() => count(db), { timeout: 3_000, interval: 20 }).toBe(10);
    expect(store.written()).toMatchObject({ events: 10, dropped: 0 });
    expect(lines).toEqual([
      '[boot] boot log write failed: another LabBoot process holds the store; the events are kept and written once it lets go.',
    ]);
    // The store's default wait is back for every other writer.
    expect(db.pragma('busy_timeout', { simple: true })).toBe(10_000);
  });

  it('waits for the lock on dispose, so the last batch is not lost at shutdown', async () => {
    const tmp = makeTempDir();
    const file = join(tmp.path, 'labboot.sqlite');
    const db = openDatabase(file);
    cleanups.push(tmp.remove, () => db.close());
    const store = new BootLogStore(db, { lockWaitMs: 20 });
    const lock = await holdWriteLock(file, 300);
    cleanups.push(() => lock.released);
    store.record(dhcp(1, A, '10.0.0.5'));
    store.dispose();
    expect(count(db)).toBe(1);
    expect(store.written()).toEqual({ events: 1, writes: 1, dropped: 0 });
  });

  it('drops a batch the store refuses, says so once per kind, and writes again once it can', () => {
    const db = memoryDb();
    const { log, lines } = warnings();
    const store = new BootLogStore(db, { log });
    // Refuses every write as a read-only store would.
    db.pragma('query_only = ON');
    store.record(dhcp(1, A, '10.0.0.5'));
    expect(() => store.flush()).not.toThrow();
    store.record(dhcp(2, A, '10.0.0.5'));
    store.flush();
    expect(store.written()).toEqual({ events: 0, writes: 0, dropped: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[boot\] boot log write failed \(attempt to write a readonly database\): the store is read-only; make the data folder writable/,
    );
    db.pragma('query_only = OFF');
    store.record(dhcp(3, A, '10.0.0.5'));
    expect(store.timeline(A).map((e) => e.at)).toEqual([3]);
    expect(store.written()).toEqual({ events: 1, writes: 1, dropped: 2 });
  });
});

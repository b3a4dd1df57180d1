import { afterEach, describe, expect, it } from 'vitest';
import { BootLogStore, type BootEvent } from '../../../../src-main/boot/dhcp/boot-log-store';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { SettingsStore } from '../../../../src-main/store/settings-store';
import { writeStoreSettings } from '../../../../src-main/store/store-settings';

let db: Database | undefined;
afterEach(() => db?.close());

const now = Date.parse('2026-03-01T12:00:00.000Z');
const hour = 3_600_000;
const count = (d: Database): number =>
  d.prepare('SELECT COUNT(*) FROM boot_events').pluck().get() as number;

/** A PXE boot as the log sees it: DHCP with the MAC, then TFTP and HTTP from the address only. */
function boot(mac: string, ip: string, at: number): BootEvent[] {
  return [
    { at, mac, clientIp: ip, protocol: 'dhcp', stage: 'proxy-ack', detail: ip },
    { at: at + 1_000, mac: null, clientIp: ip, protocol: 'tftp', stage: 'tftp-sent', detail: '' },
    { at: at + 2_000, mac: null, clientIp: ip, protocol: 'http', stage: 'http-sent', detail: '' },
    { at: at + 3_000, mac, clientIp: ip, protocol: 'http', stage: 'http-sent', detail: '' },
  ];
}

const stages = (events: BootEvent[]): string[] => events.map((e) => `${e.at - now} ${e.stage}`);

describe('BootLogStore pruning', () => {
  it("keeps each MAC's newest boot through a burst past the count, with the count setting as the only cap", () => {
    db = openDatabase(':memory:');
    const log = new BootLogStore(db, { now: () => now });
    const a = '52:54:00:00:00:0a';
    const b = '52:54:00:00:00:0b';
    // A booted twice (its first boot may go), B once; then 21,992 HTTP requests from an address
    // no DHCP step explains: 22,000 rows, more than the default 10,000 and the old 20,000 cap.
    const first = boot(a, '10.0.0.5', now - 8 * hour);
    const newestA = boot(a, '10.0.0.6', now - 4 * hour);
    const newestB = boot(b, '10.0.0.7', now - 3 * hour);
    for (const e of [...first, ...newestA, ...newestB]) log.record(e);
    const started = Date.now();
    for (let i = 0; i < 21_988; i++) {
      log.record({
        at: now - 2 * hour + i,
        mac: null,
        clientIp: '10.0.0.99',
        protocol: 'http',
        stage: 'http-sent',
        detail: `/${i}`,
      });
    }
    const writeMs = Date.now() - started;
    const readStarted = Date.now();
    const timelineA = log.timeline(a);
    const readMs = Date.now() - readStarted;
    expect(timelineA).toEqual(newestA);
    expect(log.timeline(b)).toEqual(newestB);
    expect(log.newest(10, a)).toEqual(newestA.map((e) => ({ ...e, id: expect.any(Number) })));
    expect(stages(timelineA)).toEqual([
      `${-4 * hour} proxy-ack`,
      `${-4 * hour + 1_000} tftp-sent`,
      `${-4 * hour + 2_000} http-sent`,
      `${-4 * hour + 3_000} http-sent`,
    ]);
    // The last insert pruned: the newest 10,000 rows plus the two newest boots.
    expect(count(db)).toBe(10_000 + 8);
    // Bounded in time (loose: the machine may be busy): about 22,000 inserts with their pruning,
    // and one machine's timeline among 10,000 rows from one address (seconds when quadratic).
    expect(writeMs).toBeLessThan(20_000);
    expect(readMs).toBeLessThan(2_000);
  });

  it('follows the history settings: age and count', () => {
    db = openDatabase(':memory:');
    writeStoreSettings(new SettingsStore(db), { historyDays: 1, historyEvents: 100 });
    const log = new BootLogStore(db, { now: () => now });
    const a = '52:54:00:00:00:0a';
    // Two days old: past the age limit, but A's newest boot.
    for (const e of boot(a, '10.0.0.5', now - 48 * hour)) log.record(e);
    for (let i = 0; i < 496; i++) {
      log.record({
        at: now - 47 * hour + i,
        mac: null,
        clientIp: null,
        protocol: 'http',
        stage: 'http-sent',
        detail: '',
      });
    }
    // Written (as the flush timer would): every one of the 496 is older than a day and nobody's
    // boot, all gone.
    log.flush();
    expect(count(db)).toBe(4);
    expect(log.timeline(a)).toHaveLength(4);
  });

  it('bounds a storm of made-up MACs at ten times the count, oldest first', () => {
    db = openDatabase(':memory:');
    const log = new BootLogStore(db, {
      limits: () => ({ maxAgeDays: 30, maxEvents: 100 }),
      now: () => now,
    });
    for (let i = 0; i < 3_000; i++) {
      const mac = `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      log.record({
        at: now - hour + i,
        mac,
        clientIp: null,
        protocol: 'dhcp',
        stage: 'dhcp-offer',
        detail: '',
      });
    }
    // Each row is its MAC's newest boot; only the ceiling bounds them once the last batch is in.
    log.flush();
    expect(count(db)).toBe(1_000);
    expect(log.clients(1)[0]?.mac).toBe('02:00:00:00:0b:b7');
  });
});

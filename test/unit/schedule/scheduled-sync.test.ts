import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  canReach,
  ScheduledSyncService,
  type Clock,
  type SyncRunner,
} from '../../../src-main/schedule/scheduled-sync';
import { openDatabase } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { EventBus } from '../../../src-main/event-bus';
import type { Logger } from '../../../src-main/logger';
import type { SyncEvent } from '../../../src-shared/contract/images';
import type { SyncSchedule } from '../../../src-shared/contract/admin';
import { UserError } from '../../../src-shared/errors';
import { makeTempDir } from '../../helpers/temp-dir';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** ManualClock runs timers only when the test advances time. */
class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return { cancel: () => void (timer.live = false) };
  }
  get pending(): number {
    return this.timers.filter((t) => t.live).length;
  }
  /** advance moves time forward, firing due timers in order and letting their promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      this.t = next.at;
      next.live = false;
      next.fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
      await new Promise((r) => setImmediate(r));
    }
    this.t = end;
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  clock: ManualClock;
  service: ScheduledSyncService;
  runs: number;
  lines: string[];
  announced: SyncSchedule[];
  syncEvents: SyncEvent[];
  sync: SyncRunner & { running: boolean; fail?: Error };
  online: boolean;
}

function rig(): Rig {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  const events = new EventBus();
  const r = {
    clock: new ManualClock(Date.parse('2026-03-01T00:00:00.000Z')),
    runs: 0,
    lines: [] as string[],
    announced: [] as SyncSchedule[],
    syncEvents: [] as SyncEvent[],
    online: true,
  } as Rig;
  events.subscribe((name, payload) => {
    if (name === 'sync.schedule') r.announced.push(payload as SyncSchedule);
    if (name === 'sync.event') r.syncEvents.push(payload as SyncEvent);
  });
  const log: Logger = {
    info: (c, m) => r.lines.push(`info [${c}] ${m}`),
    warn: (c, m) => r.lines.push(`warn [${c}] ${m}`),
    error: (c, m) => r.lines.push(`error [${c}] ${m}`),
  };
  r.sync = {
    running: false,
    run: async (onEvent) => {
      if (r.sync.fail !== undefined) throw r.sync.fail;
      r.runs++;
      onEvent({
        event: 'published',
        image: 'ubuntu/jammy/amd64',
        version: '20260301',
      } as SyncEvent);
      return {};
    },
  };
  r.service = new ScheduledSyncService({
    settings: new SettingsStore(db),
    sync: r.sync,
    sourceUrls: () => ['http://mirror.lab/stable/'],
    reachable: async () => r.online,
    log,
    events,
    clock: r.clock,
    startDelayMs: 60_000,
  });
  cleanups.push(() => r.service.dispose());
  return r;
}

describe('scheduled sync', () => {
  it('is off by default: no timer, no run, no next run', async () => {
    const r = rig();
    r.service.start();
    await r.clock.advance(30 * DAY);
    expect(r.runs).toBe(0);
    expect(r.clock.pending).toBe(0);
    expect(r.service.schedule()).toEqual({
      interval: 'off',
      lastRun: null,
      nextRun: null,
      active: true,
    });
  });

  it('runs one interval after it is set, then every interval, and shows last and next run', async () => {
    const r = rig();
    r.service.start();
    const set = r.service.setInterval('daily');
    expect(set.nextRun).toBe('2026-03-02T00:00:00.000Z');
    expect(r.announced.at(-1)?.interval).toBe('daily');
    await r.clock.advance(DAY - 1000);
    expect(r.runs).toBe(0);
    await r.clock.advance(1000);
    expect(r.runs).toBe(1);
    expect(r.service.schedule()).toEqual({
      interval: 'daily',
      lastRun: {
        at: '2026-03-02T00:00:00.000Z',
        outcome: 'done',
        message: 'done: 1 new version(s) stored',
      },
      nextRun: '2026-03-03T00:00:00.000Z',
      active: true,
    });
    expect(r.syncEvents.map((e) => e.event)).toEqual(['published']);
    await r.clock.advance(2 * DAY);
    expect(r.runs).toBe(3);
    expect(r.lines).toContain('info [schedule] scheduled sync done: 1 new version(s) stored');
  });

  it('skips, with a log line, while a sync runs here or in another process, and when offline', async () => {
    const r = rig();
    r.service.start();
    r.service.setInterval('6h');
    r.sync.running = true;
    await r.clock.advance(6 * HOUR);
    expect(r.runs).toBe(0);
    expect(r.service.schedule().lastRun).toMatchObject({
      outcome: 'skipped',
      message: 'skipped: a sync is already running',
    });
    r.sync.running = false;
    r.online = false;
    await r.clock.advance(6 * HOUR);
    expect(r.service.schedule().lastRun?.message).toBe(
      'skipped: no source can be reached (http://mirror.lab/stable/); offline?',
    );
    r.online = true;
    r.sync.fail = new UserError(
      'A sync is already running in this data folder (pid 1).',
      'sync-busy',
    );
    await r.clock.advance(6 * HOUR);
    expect(r.service.schedule().lastRun?.message).toBe(
      'skipped: a sync is already running in another LabBoot process',
    );
    r.sync.fail = new UserError('The mirror refused us.', 'download-failed');
    await r.clock.advance(6 * HOUR);
    expect(r.service.schedule().lastRun).toMatchObject({
      outcome: 'failed',
      message: 'failed: The mirror refused us.',
    });
    expect(r.runs).toBe(0);
    expect(r.lines.filter((l) => l.startsWith('warn [schedule]'))).toHaveLength(4);
  });

  it('catches up an overdue run shortly after start, and re-arms at most an hour ahead', async () => {
    const r = rig();
    r.service.setInterval('weekly');
    // Not started: nothing runs, nothing is due in this process.
    expect(r.service.schedule().nextRun).toBeNull();
    await r.clock.advance(8 * DAY);
    expect(r.runs).toBe(0);
    r.service.start();
    expect(r.service.schedule().nextRun).toBe('2026-03-08T00:00:00.000Z');
    await r.clock.advance(59_000);
    expect(r.runs).toBe(0);
    await r.clock.advance(1000);
    expect(r.runs).toBe(1);
    expect(r.clock.pending).toBe(1);
  });

  it('stops on dispose', async () => {
    const r = rig();
    r.service.start();
    r.service.setInterval('6h');
    await r.service.dispose();
    await r.clock.advance(DAY);
    expect(r.runs).toBe(0);
    expect(r.clock.pending).toBe(0);
  });
});

describe('canReach', () => {
  it('tells a listening port from a closed one', async () => {
    const server: Server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    expect(await canReach(`http://127.0.0.1:${port}/stable/`)).toBe(true);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await canReach(`http://127.0.0.1:${closedPort}/`)).toBe(false);
    expect(await canReach('not a url')).toBe(false);
  });
});

/**
 * ScheduledSyncService runs a sync every 6 h, 12 h, day or week (off by default) while a long-lived
 * front door runs — the app, the console or `labboot serve`; short CLI commands never start it.
 *
 * A due run is skipped, with a log line, when a sync already runs (in this process, or in another
 * one sharing the data folder: the sync lock says so) or when no source can be reached (the
 * machine is offline). Skipped, failed and finished runs all count as the last run, so the next
 * one is one interval later. Time comes from an injectable clock; timers are re-armed at most an
 * hour ahead so a laptop that slept, or a clock that jumped, catches up within the hour.
 */
import { connect } from 'node:net';
import type { EventBus } from '../event-bus';
import type { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { SettingsStore } from '../store/settings-store';
import {
  scheduledRunSchema,
  syncIntervalMs,
  syncIntervalSchema,
  type ScheduledRun,
  type SyncInterval,
  type SyncSchedule,
} from '../../src-shared/contract/admin';
import type { SyncEvent } from '../../src-shared/contract/images';
import { isUserError } from '../../src-shared/errors';
import { z } from 'zod';

/** Settings key of the chosen interval (part of the configuration backup). */
export const SCHEDULE_SETTING = 'sync.schedule';
/** Settings key of the schedule's bookkeeping on this machine (not backed up). */
export const SCHEDULE_STATE_SETTING = 'sync.schedule.state';

/** Clock is the time source and timer of the schedule; tests pass a manual one. */
export interface Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): { cancel(): void };
}

/** systemClock is the real time and `setTimeout` (unref'd: it never keeps a process alive). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** The part of SyncService the schedule uses. */
export interface SyncRunner {
  readonly running: boolean;
  run(onEvent: (e: SyncEvent) => void, signal?: AbortSignal): Promise<unknown>;
}

export interface ScheduledSyncDeps {
  settings: SettingsStore;
  sync: SyncRunner;
  /** The URLs a sync would read (the effective sources). */
  sourceUrls: () => string[];
  log: Logger;
  events?: EventBus;
  clock?: Clock;
  /** Whether a URL's host answers; the default opens a TCP connection. */
  reachable?: (url: string) => Promise<boolean>;
  /** How long after start an overdue run waits (lets the app settle). */
  startDelayMs?: number;
}

const stateSchema = z.object({
  /** When the interval was last set: the first run is one interval after it. */
  since: z.string(),
  lastRun: scheduledRunSchema.nullable(),
});
type ScheduleState = z.infer<typeof stateSchema>;

const settingSchema = z.object({ interval: syncIntervalSchema });

/** The longest single timer: re-checked at least hourly. */
const maxTimerMs = 3600_000;

/**
 * canReach opens a TCP connection to the URL's host and port and closes it; false on any error or
 * after `timeoutMs`.
 */
export function canReach(url: string, timeoutMs = 5000): Promise<boolean> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.resolve(false);
  }
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** ScheduledSyncService owns the schedule timer of one process. */
export class ScheduledSyncService implements Disposable {
  private readonly clock: Clock;
  private timer: { cancel(): void } | undefined;
  private active = false;
  private runningNow: Promise<void> | undefined;
  /** Cancels a scheduled sync under way when the process shuts down. */
  private readonly stopping = new AbortController();
  private disposed = false;

  constructor(private readonly deps: ScheduledSyncDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** The chosen interval (off when unset or unreadable). */
  interval(): SyncInterval {
    const parsed = settingSchema.safeParse(this.deps.settings.get<unknown>(SCHEDULE_SETTING));
    return parsed.success ? parsed.data.interval : 'off';
  }

  /** start runs the schedule in this process until dispose(). */
  start(): void {
    if (this.active || this.disposed) return;
    this.active = true;
    this.arm(this.deps.startDelayMs ?? 60_000);
  }

  /** schedule is the view the UI and the calls show. */
  schedule(): SyncSchedule {
    const interval = this.interval();
    const next = this.active ? this.nextDue() : null;
    return {
      interval,
      lastRun: this.state().lastRun,
      nextRun: next === null ? null : new Date(next).toISOString(),
      active: this.active,
    };
  }

  /** setInterval stores a new interval; the next run is one interval from now. */
  setInterval(interval: SyncInterval): SyncSchedule {
    this.deps.settings.set(SCHEDULE_SETTING, { interval });
    this.saveState({ ...this.state(), since: new Date(this.clock.now()).toISOString() });
    this.deps.log.info('schedule', `scheduled sync: ${interval}`);
    if (this.active) this.arm(0);
    return this.announce();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.active = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.stopping.abort(new Error('LabBoot is shutting down'));
    await this.runningNow;
  }

  /** nextDue is when the next run is due (ms), or null when the schedule is off. */
  private nextDue(): number | null {
    const every = syncIntervalMs[this.interval()];
    if (every === null) return null;
    const s = this.state();
    const from = Date.parse(s.lastRun?.at ?? s.since);
    return (Number.isFinite(from) ? from : this.clock.now()) + every;
  }

  /** arm sets the timer for the next due run, no earlier than `minDelayMs` from now. */
  private arm(minDelayMs: number): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.active) return;
    const due = this.nextDue();
    if (due === null) return;
    const wait = Math.max(minDelayMs, due - this.clock.now());
    this.timer = this.clock.setTimer(
      () => {
        this.timer = undefined;
        const now = this.clock.now();
        const dueNow = this.nextDue();
        if (dueNow !== null && dueNow <= now) {
          this.runningNow = this.runOnce().finally(() => {
            this.runningNow = undefined;
            this.arm(0);
          });
        } else this.arm(0);
      },
      Math.min(wait, maxTimerMs),
    );
  }

  /** runOnce runs (or skips) one due sync and records it as the last run. */
  private async runOnce(): Promise<void> {
    const skip = (message: string): ScheduledRun => ({
      at: this.iso(),
      outcome: 'skipped',
      message,
    });
    let run: ScheduledRun;
    if (this.deps.sync.running) {
      run = skip('skipped: a sync is already running');
    } else {
      const urls = this.deps.sourceUrls();
      const reachable = this.deps.reachable ?? ((u: string) => canReach(u));
      const answers = await Promise.all(urls.map((u) => reachable(u)));
      if (this.disposed) return;
      if (urls.length > 0 && !answers.some(Boolean)) {
        run = skip(`skipped: no source can be reached (${urls.join(', ')}); offline?`);
      } else {
        run = await this.sync();
      }
    }
    if (this.disposed && run.outcome !== 'done') return;
    const line = `scheduled sync ${run.message}`;
    if (run.outcome === 'done') this.deps.log.info('schedule', line);
    else this.deps.log.warn('schedule', line);
    this.saveState({ ...this.state(), lastRun: run });
    this.announce();
  }

  private async sync(): Promise<ScheduledRun> {
    this.deps.log.info('schedule', 'scheduled sync starting');
    try {
      let published = 0;
      await this.deps.sync.run((e) => {
        if (e.event === 'published') published++;
        if (e.event === 'progress') this.deps.events?.emit('sync.progress', e);
        else this.deps.events?.emit('sync.event', e);
      }, this.stopping.signal);
      return {
        at: this.iso(),
        outcome: 'done',
        message: `done: ${published} new version(s) stored`,
      };
    } catch (error) {
      if (isUserError(error) && error.code === 'sync-busy') {
        return {
          at: this.iso(),
          outcome: 'skipped',
          message: 'skipped: a sync is already running in another LabBoot process',
        };
      }
      const why = error instanceof Error ? error.message : String(error);
      return { at: this.iso(), outcome: 'failed', message: `failed: ${why}` };
    }
  }

  private state(): ScheduleState {
    const parsed = stateSchema.safeParse(this.deps.settings.get<unknown>(SCHEDULE_STATE_SETTING));
    if (parsed.success) return parsed.data;
    // First use: the first run is one interval after now.
    const fresh: ScheduleState = { since: this.iso(), lastRun: null };
    this.saveState(fresh);
    return fresh;
  }

  private saveState(state: ScheduleState): void {
    this.deps.settings.set(SCHEDULE_STATE_SETTING, state);
  }

  private announce(): SyncSchedule {
    const view = this.schedule();
    this.deps.events?.emit('sync.schedule', view);
    return view;
  }

  private iso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

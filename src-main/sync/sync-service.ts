/**
 * SyncService runs one sync at a time: verified catalogs → plan (`plan.ts`) → parallel verified
 * downloads into the blob store (`download-queue.ts`) → each version published in one transaction
 * once all its files are stored (`publisher.ts`) → old versions pruned and unreferenced blobs
 * collected. It can be cancelled at any moment; partial files stay for resume.
 * A crash leaves only complete versions visible and the next run resumes from the partial files.
 */
import { join } from 'node:path';
import type { Database } from '../store/database';
import { isUserError, UserError } from '../../src-shared/errors';
import type { SyncEvent } from '../../src-shared/contract/images';
import { BlobStore } from '../store/blob-store';
import { ManifestStore } from '../store/manifest-store';
import { diskFullError, freeBytesOf, isDiskFullError, SpaceReserve } from './disk-space';
import { DownloadQueue, downloadUserError, isFileMissing } from './download-queue';
import { defaultRetry, type RetryPolicy } from './http';
import { planSync, selectionMatches, type PlannedVersion } from './plan';
import { Publisher, PublishQueue } from './publisher';
import type { SourcesService } from './sources-service';
import type { Logger } from '../logger';
import { removeStaleUnpackFolders } from './stale-temp';
import { SyncLock, isProcessAlive } from './sync-lock';
import { VersionScheduler } from './version-scheduler';

/** SyncServiceOptions tune a sync; defaults suit a laptop. */
export interface SyncServiceOptions {
  dataDir: string;
  retry?: RetryPolicy;
  /** Files downloaded at once. */
  concurrency?: number;
  /** Complete versions kept per image (read at each prune: it is a setting). */
  keepVersions?: number | (() => number);
  /** Runs after every run, whatever its outcome (history pruning); its errors are only logged. */
  afterRun?: () => void;
  /** Free bytes in a folder (tests override it to simulate a full disk). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Minimum interval between progress events. */
  progressIntervalMs?: number;
  /** Where warnings and failures are recorded besides the run's events (the log file). */
  log?: Logger;
}

/** SyncSummary is what a finished run reports. */
export interface SyncSummary {
  runId: number;
  published: { image: string; version: string }[];
  bytes: number;
  seconds: number;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** lockLost stops a run whose lock another process took over (it wrongly judged it stale). */
const lockLost = new Error(
  'Another process took over the sync lock of this data folder, so this sync stopped; files downloaded so far are kept, run sync again once the other one has finished.',
);

/** SyncService owns sync runs for one data folder. */
export class SyncService {
  private controller: AbortController | undefined;
  private idle: Promise<void> = Promise.resolve();
  private readonly blobs: BlobStore;
  private readonly publisher: Publisher;

  constructor(
    db: Database,
    private readonly sources: SourcesService,
    private readonly opts: SyncServiceOptions,
  ) {
    this.blobs = new BlobStore(opts.dataDir);
    this.publisher = new Publisher(sources.store, this.blobs, new ManifestStore(db), opts.dataDir);
  }

  /** running tells whether this process is syncing now. */
  get running(): boolean {
    return this.controller !== undefined;
  }

  /** cancel stops the running sync; returns false when none runs. */
  cancel(): boolean {
    if (this.controller === undefined) return false;
    this.controller.abort(new Error('The sync was cancelled'));
    return true;
  }

  /** dispose cancels a running sync and waits until it has stopped touching the store. */
  async dispose(): Promise<void> {
    this.cancel();
    await this.idle;
  }

  /**
   * run performs one sync, reporting every event to `onEvent`. Resolves with a summary; rejects
   * with a UserError (after an `error` event) when anything failed. Refuses to start while another
   * sync runs in this data folder, in this or another process.
   */
  async run(onEvent: (e: SyncEvent) => void, signal?: AbortSignal): Promise<SyncSummary> {
    const controller = new AbortController();
    const lock = await SyncLock.acquire(this.opts.dataDir, {
      onLost: () => controller.abort(lockLost),
    });
    const result = this.runLocked(lock, controller, onEvent, signal);
    this.idle = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async runLocked(
    lock: SyncLock,
    controller: AbortController,
    onEvent: (e: SyncEvent) => void,
    signal?: AbortSignal,
  ): Promise<SyncSummary> {
    this.controller = controller;
    const onOuterAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    const store = this.sources.store;
    let reserve: SpaceReserve | undefined;
    try {
      reserve = await SpaceReserve.take(this.opts.dataDir);
      const runId = store.startRun(process.pid, isProcessAlive);
      const started = Date.now();
      const emit = (e: SyncEvent): void => {
        if (e.event !== 'progress') store.addRunEvent(runId, e.event, e);
        if (e.event === 'warning') this.opts.log?.warn('sync', e.message);
        else if (e.event === 'error') this.opts.log?.error('sync', e.message);
        onEvent(e);
      };
      const space: RunSpace = { neededBytes: 0, doneBytes: () => 0 };
      try {
        const summary = await this.runInner(runId, emit, controller.signal, started, space);
        store.finishRun(runId, 'done');
        emit({ event: 'done', ...summary });
        return summary;
      } catch (error) {
        const cancelled = controller.signal.aborted;
        let failure = isUserError(error) ? error : undefined;
        if (!cancelled && failure === undefined && isDiskFullError(error)) {
          // Give the store room to record the failure, then say how much more room is needed.
          await reserve.release();
          const free = await freeBytesOf(this.opts.dataDir).catch(() => 0);
          failure = diskFullError(this.opts.dataDir, space.neededBytes - space.doneBytes(), free);
        }
        const message =
          controller.signal.reason === lockLost
            ? lockLost.message
            : cancelled
              ? 'The sync was cancelled; files downloaded so far are kept and the next sync resumes them.'
              : failure !== undefined
                ? failure.message
                : `The sync failed unexpectedly (${(error as Error).message}); previously synced images are unchanged, run sync again.`;
        const code = cancelled ? 'cancelled' : (failure?.code ?? 'internal');
        recordFailure(() => emit({ event: 'error', message, code }));
        recordFailure(() => store.finishRun(runId, cancelled ? 'cancelled' : 'failed', message));
        if (!cancelled && failure === undefined) throw error;
        throw new UserError(message, code);
      }
    } finally {
      signal?.removeEventListener('abort', onOuterAbort);
      this.controller = undefined;
      await reserve?.release();
      await lock.release();
      try {
        this.opts.afterRun?.();
      } catch (error) {
        this.opts.log?.warn('sync', `after the sync: ${(error as Error).message}`);
      }
    }
  }

  private async runInner(
    runId: number,
    emit: (e: SyncEvent) => void,
    signal: AbortSignal,
    started: number,
    space: RunSpace,
  ): Promise<SyncSummary> {
    const store = this.sources.store;
    await removeStaleUnpackFolders(this.opts.dataDir);
    this.emitSourceWarnings(emit);
    const selections = store.listSelections();
    if (selections.length === 0) {
      emit({
        event: 'warning',
        message:
          'No images are selected, so only bootloaders are synced; add one with "labboot select add ubuntu/jammy/amd64".',
        code: 'no-selection',
      });
    }
    // A source that cannot be read is reported and skipped; the others are still synced.
    const errors: UserError[] = [];
    const { catalogs, failures } = await this.sources.readCatalogs(signal);
    for (const f of failures) {
      errors.push(f.error);
      emit({ event: 'warning', message: f.error.message, code: 'source-failed' });
    }
    // Keep the verified metadata byte for byte, so this store can be served as a mirror.
    for (const cat of catalogs) store.streams.saveTree(cat.source.url, cat.documents);
    const plan = planSync(catalogs, selections, store);
    store.streams.linkVersions(
      plan.versions.flatMap((v) =>
        v.stored && v.document !== undefined
          ? [{ resource: v.key, version: v.version.version, document: v.document }]
          : [],
      ),
    );
    for (const w of plan.warnings) {
      // With a source unread, "no source offers it" may be wrong: that source's failure says more.
      if (failures.length > 0 && w.code === 'selection-unmatched') continue;
      emit({ event: 'warning', ...w });
    }

    const retry = this.opts.retry ?? defaultRetry;
    const publishing = new PublishQueue({
      publisher: this.publisher,
      signal,
      emit,
      onRefused: (_v, error) => errors.push(error),
    });
    const scheduler = new VersionScheduler({
      store,
      blobs: this.blobs,
      publishing,
      emit,
      errors,
      missingError: (job, error) => downloadUserError(job, error, retry),
    });
    const pending = plan.versions.filter((v) => !v.stored);
    const { jobs, neededBytes } = await scheduler.prepare(pending);
    await this.blobs.ensureDirs();
    await this.checkFreeSpace(neededBytes, pending);
    space.neededBytes = neededBytes + unpackRoom(pending);
    emit({
      event: 'start',
      runId,
      sources: this.sources.effectiveSources().map((s) => s.name),
      files: jobs.length,
      bytes: jobs.reduce((n, j) => n + j.item.size, 0),
    });

    // Download with bounded parallelism; publish each version as soon as all its files are in.
    const downloads = new DownloadQueue({
      blobs: this.blobs,
      retry,
      concurrency: Math.max(1, Math.min(this.opts.concurrency ?? 4, jobs.length || 1)),
      signal,
      emit,
      progressIntervalMs: this.opts.progressIntervalMs ?? 200,
      started,
      onReady: (sha) => scheduler.fileReady(sha),
      onFailed: async (job, error) => {
        if (isDiskFullError(error)) throw error; // nothing else fits either: stop now
        if (isFileMissing(error)) return scheduler.fileMissing(job, error);
        const e = downloadUserError(job, error, retry);
        errors.push(e);
        emit({ event: 'warning', message: e.message, code: e.code });
      },
    });
    space.doneBytes = () => downloads.bytes().done;
    scheduler.start(downloads, jobs);
    // Publishes in flight finish before the run reports, even when the downloads failed.
    const downloaded = await downloads.drain().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    await publishing.settled();
    if (downloaded !== undefined) throw downloaded.error;
    if (signal.aborted) throw new Error('cancelled');
    const firstError = errors[0];
    if (firstError !== undefined) {
      throw new UserError(
        errors.length === 1
          ? firstError.message
          : `${firstError.message} (${errors.length - 1} more problem(s) were reported as warnings.)`,
        firstError.code,
      );
    }

    // Everything planned is stored: prune old versions and unselected images, then their files
    // (only below bootloaders/, whatever an older store recorded).
    await store.prune({
      keep: keepVersions(this.opts.keepVersions),
      isSelected: (r) => selections.some((s) => selectionMatches(s, r, plan.releaseNumbers)),
      unpackRoot: join(this.opts.dataDir, 'bootloaders'),
    });
    return {
      runId,
      published: publishing.published,
      bytes: downloads.bytes().total,
      seconds: (Date.now() - started) / 1000,
    };
  }

  private emitSourceWarnings(emit: (e: SyncEvent) => void): void {
    const warning = this.sources.warning();
    if (warning !== null) {
      emit({
        event: 'warning',
        message: `${warning.text} Sources: ${warning.sources.join(', ')}.`,
        code: 'multiple-sources',
      });
    }
    for (const name of this.sources.unverifiedSources()) {
      emit({
        event: 'warning',
        message: `Source "${name}" was added with signature verification off: its images are not checked against a keyring.`,
        code: 'unverified-source',
      });
    }
  }

  /** checkFreeSpace refuses to start when the downloads (plus unpack room) do not fit. */
  private async checkFreeSpace(needed: number, pending: readonly PlannedVersion[]): Promise<void> {
    const free = await (this.opts.freeBytes ?? freeBytesOf)(this.opts.dataDir);
    const total = needed + unpackRoom(pending);
    if (total > free) {
      throw new UserError(
        `Not enough free disk space in ${this.opts.dataDir}: the sync needs ${mb(total)} but only ${mb(free)} are free; free some space or choose another folder with --data.`,
        'disk-full',
      );
    }
  }
}

/** RunSpace is what a run still needs on disk, for the message when the disk fills up. */
interface RunSpace {
  neededBytes: number;
  doneBytes: () => number;
}

function keepVersions(option: SyncServiceOptions['keepVersions']): number {
  return typeof option === 'function' ? option() : (option ?? 2);
}

/** unpackRoom: bootloader archives unpack to a few times their size; keep that headroom too. */
function unpackRoom(pending: readonly PlannedVersion[]): number {
  return pending
    .filter((v) => v.key.kind === 'bootloader')
    .reduce((n, v) => n + v.files.reduce((m, f) => m + f.size * 4, 0), 0);
}

/** recordFailure writes the end of a failed run if the disk allows; a full disk must not hide why. */
function recordFailure(write: () => void): void {
  try {
    write();
  } catch (error) {
    if (!isDiskFullError(error)) throw error;
  }
}

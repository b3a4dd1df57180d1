/**
 * SyncService runs one sync at a time: verified catalogs → plan (`plan.ts`) → parallel verified
 * downloads into the blob store (`download-queue.ts`) → each version published in one transaction
 * once all its files are stored (`publisher.ts`) → old versions pruned and unreferenced blobs
 * collected. It can be cancelled at any moment; partial files stay for resume.
 * A crash leaves only complete versions visible and the next run resumes from the partial files.
 */
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../store/database';
import { isUserError, UserError } from '../../src-shared/errors';
import type { SyncEvent } from '../../src-shared/contract/images';
import { BlobStore } from '../store/blob-store';
import { ManifestStore } from '../store/manifest-store';
import { sourceLabel } from './catalog';
import { DownloadError } from './downloader';
import { describeDownloadError, DownloadQueue, type FileJob } from './download-queue';
import { HttpStatusError, defaultRetry, describeHttpError, type RetryPolicy } from './http';
import { planSync, selectionMatches, type PlannedVersion } from './plan';
import { Publisher, PublishQueue } from './publisher';
import type { SourcesService } from './sources-service';
import { SyncLock, isProcessAlive } from './sync-lock';

/** SyncServiceOptions tune a sync; defaults suit a laptop. */
export interface SyncServiceOptions {
  dataDir: string;
  retry?: RetryPolicy;
  /** Files downloaded at once. */
  concurrency?: number;
  /** Complete versions kept per image. */
  keepVersions?: number;
  /** Free bytes in a folder (tests override it to simulate a full disk). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Minimum interval between progress events. */
  progressIntervalMs?: number;
}

/** SyncSummary is what a finished run reports. */
export interface SyncSummary {
  runId: number;
  published: { image: string; version: string }[];
  bytes: number;
  seconds: number;
}

async function defaultFreeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
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
    try {
      const runId = store.startRun(process.pid, isProcessAlive);
      const started = Date.now();
      const emit = (e: SyncEvent): void => {
        if (e.event !== 'progress') store.addRunEvent(runId, e.event, e);
        onEvent(e);
      };
      try {
        const summary = await this.runInner(runId, emit, controller.signal, started);
        store.finishRun(runId, 'done');
        emit({ event: 'done', ...summary });
        return summary;
      } catch (error) {
        const cancelled = controller.signal.aborted;
        const message =
          controller.signal.reason === lockLost
            ? lockLost.message
            : cancelled
              ? 'The sync was cancelled; files downloaded so far are kept and the next sync resumes them.'
              : isUserError(error)
                ? error.message
                : `The sync failed unexpectedly (${(error as Error).message}); previously synced images are unchanged, run sync again.`;
        const code = cancelled ? 'cancelled' : isUserError(error) ? error.code : 'internal';
        emit({ event: 'error', message, code });
        store.finishRun(runId, cancelled ? 'cancelled' : 'failed', message);
        if (!cancelled && !isUserError(error)) throw error;
        throw new UserError(message, code);
      }
    } finally {
      signal?.removeEventListener('abort', onOuterAbort);
      this.controller = undefined;
      await lock.release();
    }
  }

  private async runInner(
    runId: number,
    emit: (e: SyncEvent) => void,
    signal: AbortSignal,
    started: number,
  ): Promise<SyncSummary> {
    const store = this.sources.store;
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
    const catalogs = await this.sources.fetchCatalogs(signal);
    const plan = planSync(catalogs, selections, store);
    for (const w of plan.warnings) emit({ event: 'warning', ...w });

    const pending = plan.versions.filter((v) => !v.stored);
    const jobs = fileJobs(pending);
    const missing: FileJob[] = [];
    let needed = 0;
    for (const job of jobs.values()) {
      if (await this.blobs.has(job.item.sha256, job.item.size)) continue;
      missing.push(job);
      needed +=
        job.item.size - Math.min(job.item.size, await this.blobs.partialSize(job.item.sha256));
    }
    await this.blobs.ensureDirs();
    await this.checkFreeSpace(needed, pending);
    emit({
      event: 'start',
      runId,
      sources: this.sources.effectiveSources().map((s) => s.name),
      files: missing.length,
      bytes: missing.reduce((n, j) => n + j.item.size, 0),
    });

    // Download with bounded parallelism; publish each version as soon as all its files are in.
    const errors: UserError[] = [];
    const retry = this.opts.retry ?? defaultRetry;
    const publishing = new PublishQueue({
      publisher: this.publisher,
      signal,
      emit,
      onRefused: (_v, error) => errors.push(error),
    });
    const missingShas = new Set(missing.map((m) => m.item.sha256));
    for (const sha of jobs.keys()) if (!missingShas.has(sha)) publishing.fileReady(sha);
    publishing.expect(pending);
    const downloads = new DownloadQueue({
      blobs: this.blobs,
      retry,
      concurrency: Math.max(1, Math.min(this.opts.concurrency ?? 4, missing.length || 1)),
      signal,
      emit,
      progressIntervalMs: this.opts.progressIntervalMs ?? 200,
      started,
      onReady: (sha) => publishing.fileReady(sha),
      onFailed: (job, error) => {
        const e = downloadUserError(job, error, retry);
        errors.push(e);
        emit({ event: 'warning', message: e.message, code: e.code });
      },
    });
    downloads.add(missing);
    await downloads.drain();
    await publishing.settled();
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
      keep: this.opts.keepVersions ?? 2,
      isSelected: (r) => selections.some((s) => selectionMatches(s, r, plan.releaseNumbers)),
      unpackRoot: join(this.opts.dataDir, 'bootloaders'),
    });
    return {
      runId,
      published: publishing.published,
      bytes: missing.reduce((n, j) => n + j.item.size, 0),
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
    const free = await (this.opts.freeBytes ?? defaultFreeBytes)(this.opts.dataDir);
    // Bootloader archives unpack to a few times their size; keep that headroom too.
    const unpackRoom = pending
      .filter((v) => v.key.kind === 'bootloader')
      .reduce((n, v) => n + v.files.reduce((m, f) => m + f.size * 4, 0), 0);
    if (needed + unpackRoom > free) {
      throw new UserError(
        `Not enough free disk space in ${this.opts.dataDir}: the sync needs ${mb(needed + unpackRoom)} but only ${mb(free)} are free; free some space or choose another folder with --data.`,
        'disk-full',
      );
    }
  }
}

/** fileJobs lists each file of the pending versions once (a squashfs is shared by kernels). */
function fileJobs(pending: readonly PlannedVersion[]): Map<string, FileJob> {
  const jobs = new Map<string, FileJob>();
  for (const v of pending) {
    for (const item of v.files) {
      if (!jobs.has(item.sha256)) {
        jobs.set(item.sha256, {
          item,
          url: new URL(item.path, v.base).toString(),
          source: v.source,
        });
      }
    }
  }
  return jobs;
}

function downloadUserError(job: FileJob, error: unknown, retry: RetryPolicy): UserError {
  const where = `Source ${sourceLabel(job.source)}: ${job.item.path}`;
  if (error instanceof DownloadError && error.code === 'checksum') {
    return new UserError(
      `${where} was refused because ${error.message}; the mirror may be corrupt or tampered with, previously synced images are unchanged.`,
      'checksum-mismatch',
    );
  }
  if (error instanceof DownloadError && error.code === 'size') {
    return new UserError(
      `${where} was refused because ${error.message}; the mirror may be corrupt, previously synced images are unchanged.`,
      'size-mismatch',
    );
  }
  if (error instanceof DownloadError && error.code === 'disk-full') {
    return new UserError(
      `${where} could not be stored because the disk is full; free some space and run sync again to resume.`,
      'disk-full',
    );
  }
  if (error instanceof HttpStatusError && error.status < 500) {
    return new UserError(
      `${where} could not be downloaded (${describeHttpError(error)}); the mirror lacks a file its stream lists, check the mirror.`,
      'download-failed',
    );
  }
  return new UserError(
    `${where} could not be downloaded after ${retry.attempts} tries (${describeDownloadError(error)}); check the network and run sync again to resume.`,
    'download-failed',
  );
}

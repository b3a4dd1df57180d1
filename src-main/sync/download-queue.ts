/**
 * DownloadQueue fetches files into the blob store with bounded parallelism, verified, and reports
 * `file`, `verified`, `progress` and retry events. Jobs may be added while it runs (a fallback
 * version's files); `drain` resolves once every job has finished or failed.
 */
import type { SyncEvent } from '../../src-shared/contract/images';
import type { BlobStore } from '../store/blob-store';
import type { CatalogItem, SourceRecord } from '../store/types';
import { sourceLabel } from './catalog';
import { DownloadError, downloadBlob } from './downloader';
import { UserError } from '../../src-shared/errors';
import { HttpStatusError, describeHttpError, type RetryPolicy } from './http';

/** FileJob is one blob to fetch and where from. */
export interface FileJob {
  item: CatalogItem;
  url: string;
  source: SourceRecord;
}

/** DownloadQueueOptions wire a queue to one sync run. */
export interface DownloadQueueOptions {
  blobs: BlobStore;
  retry: RetryPolicy;
  concurrency: number;
  signal: AbortSignal;
  emit: (e: SyncEvent) => void;
  /** Minimum interval between progress events. */
  progressIntervalMs: number;
  /** When the run started (the rate is measured from it). */
  started: number;
  /** Called after a file is verified and stored. */
  onReady: (sha256: string) => void;
  /**
   * Called once per job that failed for good (not on cancel); may queue more jobs. Throwing from
   * it stops the queue: `drain` rethrows (a full disk, for instance).
   */
  onFailed: (job: FileJob, error: unknown) => void | Promise<void>;
}

/** describeDownloadError turns a download failure into a short phrase. */
export function describeDownloadError(error: unknown): string {
  if (error instanceof DownloadError) return error.message;
  return describeHttpError(error);
}

/** DownloadQueue runs the downloads of one sync. */
export class DownloadQueue {
  private readonly queue: FileJob[] = [];
  private readonly inFlight = new Map<string, { path: string; bytes: number; total: number }>();
  private active = 0;
  private total = 0;
  private doneBytes = 0;
  private startBytes = 0;
  private lastProgress = 0;
  private idle: (() => void) | undefined;
  private idlePromise: Promise<void> = Promise.resolve();
  /** A bug (or a store failure) inside a worker; it stops the queue and `drain` rethrows it. */
  private fatal: { error: unknown } | undefined;

  constructor(private readonly opts: DownloadQueueOptions) {}

  /** add queues jobs (their bytes count towards the progress total) and starts workers. */
  add(jobs: readonly FileJob[]): void {
    for (const job of jobs) {
      this.queue.push(job);
      this.total += job.item.size;
    }
    this.pump();
  }

  /** bytes is what the queued files add up to, and how much of it is verified and stored. */
  bytes(): { total: number; done: number } {
    return { total: this.total, done: this.doneBytes };
  }

  /** drain resolves once the queue is empty and no download is in flight. */
  async drain(): Promise<void> {
    await this.idlePromise;
    if (this.fatal !== undefined) throw this.fatal.error;
  }

  private pump(): void {
    const limit = Math.max(1, this.opts.concurrency);
    while (this.active < limit && this.queue.length > 0) {
      if (this.active === 0) {
        this.idlePromise = new Promise((resolve) => (this.idle = resolve));
      }
      this.active++;
      void this.worker()
        .catch((error: unknown) => {
          this.fatal ??= { error };
          this.queue.length = 0;
        })
        .finally(() => {
          this.active--;
          if (this.active === 0) this.idle?.();
        });
    }
  }

  private async worker(): Promise<void> {
    for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) {
      if (this.opts.signal.aborted || this.fatal !== undefined) return;
      await this.fetchOne(job);
    }
  }

  private progress(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastProgress < this.opts.progressIntervalMs) return;
    this.lastProgress = now;
    let bytes = this.doneBytes;
    for (const f of this.inFlight.values()) bytes += f.bytes;
    const secs = Math.max((now - this.opts.started) / 1000, 0.001);
    this.opts.emit({
      event: 'progress',
      bytes,
      total: this.total,
      rate: Math.max(0, (bytes - this.startBytes) / secs),
      files: [...this.inFlight.entries()].map(([sha256, f]) => ({ sha256, ...f })),
    });
  }

  private async fetchOne(job: FileJob): Promise<void> {
    const { item } = job;
    const { emit, retry, signal } = this.opts;
    emit({
      event: 'file',
      sha256: item.sha256,
      path: item.path,
      size: item.size,
      source: job.source.name,
    });
    const entry = { path: item.path, bytes: 0, total: item.size };
    let first = true;
    this.inFlight.set(item.sha256, entry);
    try {
      await downloadBlob({ url: job.url, sha256: item.sha256, size: item.size }, this.opts.blobs, {
        signal,
        retry,
        onProgress: (bytes) => {
          if (first) {
            this.startBytes += bytes; // resumed bytes are not transfer rate
            first = false;
          }
          entry.bytes = bytes;
          this.progress(false);
        },
        onRetry: (error, n) =>
          emit({
            event: 'warning',
            message: `Retrying ${item.path} from ${sourceLabel(job.source)} after ${describeDownloadError(error)} (try ${n + 1} of ${retry.attempts}).`,
            code: 'retry',
          }),
      });
    } catch (error) {
      this.inFlight.delete(item.sha256);
      if (signal.aborted) return;
      await this.opts.onFailed(job, error);
      return;
    }
    this.inFlight.delete(item.sha256);
    this.doneBytes += item.size;
    emit({ event: 'verified', sha256: item.sha256, path: item.path, size: item.size });
    this.progress(true);
    this.opts.onReady(item.sha256);
  }
}

/** isFileMissing tells a file the mirror does not have (as opposed to a broken transfer). */
export function isFileMissing(error: unknown): boolean {
  return error instanceof HttpStatusError && (error.status === 404 || error.status === 410);
}

/** downloadUserError is the sentence for a file that could not be fetched and verified. */
export function downloadUserError(job: FileJob, error: unknown, retry: RetryPolicy): UserError {
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

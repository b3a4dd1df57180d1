/**
 * VersionScheduler turns planned versions into downloads and publishes, and falls back to an
 * older complete version when the mirror lacks a file of the newest one (HTTP 404/410: a partial
 * mirror made with filters or `--max`, or one not fully updated yet), with a warning. Each file
 * is fetched once however many versions share it (a squashfs is shared by every kernel).
 */
import type { SyncEvent } from '../../src-shared/contract/images';
import type { UserError } from '../../src-shared/errors';
import type { BlobStore } from '../store/blob-store';
import type { RegionStore } from '../store/region-store';
import { sourceLabel } from './catalog';
import type { DownloadQueue, FileJob } from './download-queue';
import { describeHttpError } from './http';
import { fallbackVersion, imageName, type PlannedVersion } from './plan';
import { resolveInside } from './streams';
import type { PublishQueue } from './publisher';

/** VersionSchedulerOptions wire the scheduler to one run. */
export interface VersionSchedulerOptions {
  store: RegionStore;
  blobs: BlobStore;
  publishing: PublishQueue;
  emit: (e: SyncEvent) => void;
  /** Problems that make the run fail once everything else is done. */
  errors: UserError[];
  /** The sentence for a missing file when no older version is left. */
  missingError: (job: FileJob, error: unknown) => UserError;
}

/** VersionScheduler tracks which planned versions are still wanted and which files they need. */
export class VersionScheduler {
  private readonly active = new Set<PlannedVersion>();
  private readonly files = new Map<string, 'ready' | 'queued'>();
  private readonly missing = new Map<string, string>();
  private downloads: DownloadQueue | undefined;

  constructor(private readonly o: VersionSchedulerOptions) {}

  /**
   * prepare takes the versions to store and returns the files to download (each once) with the
   * bytes still to fetch (counting what partial files already hold).
   */
  async prepare(
    versions: readonly PlannedVersion[],
  ): Promise<{ jobs: FileJob[]; neededBytes: number }> {
    const jobs: FileJob[] = [];
    let neededBytes = 0;
    for (const v of versions) {
      for (const job of await this.claim(v)) {
        jobs.push(job);
        neededBytes +=
          job.item.size - Math.min(job.item.size, await this.o.blobs.partialSize(job.item.sha256));
      }
    }
    return { jobs, neededBytes };
  }

  /** start hands the prepared downloads to the queue and publishes what is already stored. */
  start(downloads: DownloadQueue, jobs: readonly FileJob[]): void {
    this.downloads = downloads;
    for (const [sha, state] of this.files) if (state === 'ready') this.o.publishing.fileReady(sha);
    this.o.publishing.expect([...this.active]);
    downloads.add(jobs);
  }

  /** fileReady records a verified blob. */
  fileReady(sha256: string): void {
    this.files.set(sha256, 'ready');
    this.o.publishing.fileReady(sha256);
  }

  /** fileMissing handles a file the mirror does not have: its versions fall back. */
  async fileMissing(job: FileJob, error: unknown): Promise<void> {
    const sha = job.item.sha256;
    this.files.delete(sha);
    this.missing.set(sha, describeHttpError(error));
    const hit = [...this.active].filter((v) => v.files.some((f) => f.sha256 === sha));
    if (hit.length === 0) this.fail(this.o.missingError(job, error));
    for (const v of hit) await this.fallBack(v, job, error);
  }

  private fail(e: UserError): void {
    this.o.errors.push(e);
    this.o.emit({ event: 'warning', message: e.message, code: e.code });
  }

  private async fallBack(v: PlannedVersion, job: FileJob, error: unknown): Promise<void> {
    this.active.delete(v);
    this.o.publishing.drop(v);
    let next = fallbackVersion(v, this.o.store);
    while (next !== undefined && next.files.some((f) => this.missing.has(f.sha256))) {
      next = fallbackVersion(next, this.o.store);
    }
    if (next === undefined) {
      this.fail(this.o.missingError(job, error));
      return;
    }
    this.o.emit({
      event: 'warning',
      message: `Source ${sourceLabel(v.source)}: ${job.item.path} of ${imageName(v.key)} ${v.version.version} is missing on the mirror (${describeHttpError(error)}), so the newest version that is there, ${next.version.version}, is synced instead.`,
      code: 'older-version',
    });
    const jobs = await this.claim(next);
    if (next.stored) return;
    this.o.publishing.expect([next]);
    this.downloads?.add(jobs);
  }

  /** claim marks a version as wanted and returns the jobs for files not yet stored or queued. */
  private async claim(v: PlannedVersion): Promise<FileJob[]> {
    if (v.stored) return [];
    this.active.add(v);
    const jobs: FileJob[] = [];
    for (const item of v.files) {
      if (this.files.has(item.sha256)) continue;
      if (await this.o.blobs.has(item.sha256, item.size)) {
        this.files.set(item.sha256, 'ready');
        if (this.downloads !== undefined) this.o.publishing.fileReady(item.sha256);
        continue;
      }
      this.files.set(item.sha256, 'queued');
      jobs.push({ item, url: resolveInside(v.base, item.path), source: v.source });
    }
    return jobs;
  }
}

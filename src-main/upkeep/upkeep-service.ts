/**
 * UpkeepService keeps the store tidy and whole: deleting images (`image-delete.ts`), verifying and
 * repairing stored files (`store-verify.ts`), the storage settings, history pruning (at start and
 * after each sync) and the removal of what killed processes left behind (at start).
 */
import type {
  ImageDeleteResult,
  StoreSettings,
  StoreVerifyResult,
} from '../../src-shared/contract/store';
import { isUserError, UserError } from '../../src-shared/errors';
import type { BootService } from '../boot/boot-service';
import type { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import type { BootResources } from '../store/boot-resources';
import { BlobStore } from '../store/blob-store';
import type { Database } from '../store/database';
import { pruneHistory, type HistoryPruneResult } from '../store/history-prune';
import type { RegionStore } from '../store/region-store';
import type { SettingsStore } from '../store/settings-store';
import { readStoreSettings, writeStoreSettings } from '../store/store-settings';
import { wantedBlobs } from '../store/wanted-blobs';
import type { RetryPolicy } from '../sync/http';
import { SyncLock } from '../sync/sync-lock';
import { ImageDeleter, parseImageSpec } from './image-delete';
import { removeOrphanTemp } from './startup-cleanup';
import { verifyStore, type VerifyProgress } from './store-verify';

/** What UpkeepService is built from. */
export interface UpkeepDeps {
  db: Database;
  dataDir: string;
  store: RegionStore;
  settings: SettingsStore;
  bootResources: BootResources;
  boot: BootService;
  /** Whether this process is syncing now. */
  syncRunning: () => boolean;
  log?: Logger;
  /** The clock history pruning measures ages with (tests inject one). */
  now?: () => number;
  retry?: RetryPolicy;
}

/** UpkeepService owns the store's upkeep for one data folder. */
export class UpkeepService implements Disposable {
  private readonly blobs: BlobStore;
  private readonly deleter: ImageDeleter;
  private startup: Promise<void> = Promise.resolve();
  private verifying = false;

  constructor(private readonly deps: UpkeepDeps) {
    this.blobs = new BlobStore(deps.dataDir);
    this.deleter = new ImageDeleter({
      store: deps.store,
      dataDir: deps.dataDir,
      syncRunning: deps.syncRunning,
      servers: () => {
        const live = deps.boot.servingRecord.live();
        // The record may have failed to write; this process's own status still counts.
        if (deps.boot.status().running && !live.some((s) => s.pid === process.pid)) {
          live.unshift({
            pid: process.pid,
            host: '',
            address: deps.boot.status().address ?? '',
            startedAt: '',
          });
        }
        return live;
      },
      choices: () => deps.boot.choices.list(),
      resolveImage: (spec) => deps.bootResources.findImage(spec),
    });
  }

  /** deleteImage deletes stored versions of an image; see `ImageDeleter`. */
  deleteImage(input: {
    image: string;
    versions?: string[] | undefined;
  }): Promise<ImageDeleteResult> {
    return this.deleter.delete(parseImageSpec(input.image, input.versions));
  }

  /**
   * verify re-hashes every stored file; with `repair`, under the sync lock, fetches damaged ones
   * again (or marks their versions incomplete when that fails).
   */
  async verify(options: {
    repair: boolean;
    onProgress?: (p: VerifyProgress) => void;
    signal?: AbortSignal;
  }): Promise<StoreVerifyResult> {
    // One check at a time per process: two would interleave their progress on the event stream.
    if (this.verifying) {
      throw new UserError(
        'The stored files are already being checked; wait for that check to finish, then try again.',
        'verify-busy',
      );
    }
    this.verifying = true;
    try {
      return await this.verifyNow(options);
    } finally {
      this.verifying = false;
    }
  }

  private async verifyNow(options: {
    repair: boolean;
    onProgress?: (p: VerifyProgress) => void;
    signal?: AbortSignal;
  }): Promise<StoreVerifyResult> {
    const run = (): Promise<StoreVerifyResult> =>
      verifyStore(this.deps.store, this.blobs, { ...options, retry: this.deps.retry });
    if (!options.repair) return run();
    const busy = new UserError(
      'A sync is running in this data folder, so the store was not repaired; wait for the sync to finish or cancel it, then repair again.',
      'sync-busy',
    );
    if (this.deps.syncRunning()) throw busy;
    let lock: SyncLock;
    try {
      lock = await SyncLock.acquire(this.deps.dataDir);
    } catch (error) {
      if (isUserError(error) && error.code === 'sync-busy') throw busy;
      throw error;
    }
    try {
      return await run();
    } finally {
      await lock.release();
    }
  }

  settings(): StoreSettings {
    return readStoreSettings(this.deps.settings);
  }

  setSettings(change: Partial<StoreSettings>): StoreSettings {
    return writeStoreSettings(this.deps.settings, change);
  }

  /** pruneHistory prunes sync and boot history to the settings' limits (bounded in time). */
  pruneHistory(): HistoryPruneResult {
    const s = this.settings();
    const result = pruneHistory(
      this.deps.db,
      { maxAgeDays: s.historyDays, maxEvents: s.historyEvents },
      { now: this.deps.now },
    );
    const n = result.syncRuns + result.syncEvents + result.bootEvents;
    if (n > 0) {
      this.deps.log?.info(
        'store',
        `pruned history: ${result.syncRuns} sync runs, ${result.syncEvents} sync events, ${result.bootEvents} boot events${result.complete ? '' : ' (more next time)'}`,
      );
    }
    return result;
  }

  /**
   * atStart prunes history and removes what killed processes left behind. Failures are logged,
   * never fatal: LabBoot must start on a full or read-only disk too.
   */
  atStart(): Promise<void> {
    this.startup = (async () => {
      try {
        this.pruneHistory();
        const removed = await removeOrphanTemp(this.deps.dataDir, this.blobs, () =>
          wantedBlobs(this.deps.db),
        );
        const n = removed.unpackFolders.length + removed.partials.length;
        if (n > 0) {
          this.deps.log?.info(
            'store',
            `removed ${removed.unpackFolders.length} stale unpack folder(s) and ${removed.partials.length} orphan partial download(s)`,
          );
        }
      } catch (error) {
        this.deps.log?.warn('store', `start-up cleanup failed: ${(error as Error).message}`);
      }
    })();
    return this.startup;
  }

  async dispose(): Promise<void> {
    await this.startup;
  }
}

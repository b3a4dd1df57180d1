/**
 * The composition root: the one place that builds LabBoot's services, in dependency order, and
 * disposes them in reverse. Electron main, `labboot console`, the CLI and tests all call
 * `createServices`; no service is a module-level singleton.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, databaseFileName, type Database } from './store/database';
import { SettingsStore } from './store/settings-store';
import { EventBus } from './event-bus';
import { createLogger, type Logger, type LogLevel } from './logger';
import { DisposableStore } from './lifecycle';
import { SystemService, type FrontDoor } from './system-service';
import { UserError } from '../src-shared/errors';
import { BootResources } from './store/boot-resources';
import { ManifestStore } from './store/manifest-store';
import { SourcesService } from './sync/sources-service';
import { SyncService } from './sync/sync-service';
import { BootService } from './boot/boot-service';
import { BootLogStore } from './boot/dhcp/boot-log-store';
import { MachinesService } from './boot/machines-service';
import { listInterfaces } from './net/interfaces';
import { LogFile } from './log-file';
import { ConfigBackupService } from './backup/config-backup';
import { ScheduledSyncService } from './schedule/scheduled-sync';
import { UpkeepService } from './upkeep/upkeep-service';
import { readStoreSettings } from './store/store-settings';
import { MirrorService } from './mirror/mirror-service';
import { catalogueGeneration } from './boot/config/catalogue-cache';
import { DeployService } from './deploy/deploy-service';
import { TestBootService } from './testboot/testboot-service';

export interface ServicesConfig {
  dataDir: string;
  frontDoor: FrontDoor;
  /** Where log lines go besides the event stream; the CLI keeps stderr for its own output. */
  stderrLogLevel?: LogLevel | 'silent';
}

/** Services is everything a front door needs, plus one `dispose()` that closes it all. */
export interface Services {
  readonly config: ServicesConfig;
  readonly db: Database;
  readonly events: EventBus;
  readonly log: Logger;
  /** The rotating log file in the data folder (every error and warning, and info lines). */
  readonly logFile: LogFile;
  readonly settings: SettingsStore;
  readonly system: SystemService;
  /** Boot sources, selections and verified catalogs (issue 3). */
  readonly sources: SourcesService;
  /** One sync at a time: verified downloads into the region store. */
  readonly sync: SyncService;
  /** Parsed squashfs manifests: show, search, diff. */
  readonly manifests: ManifestStore;
  /** Read API for the boot server: images, files, bootloader folders. */
  readonly bootResources: BootResources;
  /** The boot server (DHCP + TFTP + HTTP as one unit) and per-MAC boot choices. */
  readonly boot: BootService;
  /** Full-DHCP leases and static MAC → IP reservations. */
  readonly machines: MachinesService;
  /** Configuration backup: export and (dry-run) import. */
  readonly configBackup: ConfigBackupService;
  /** The scheduled sync; long-lived front doors call `start()`. */
  readonly schedule: ScheduledSyncService;
  /** Image delete, store verify/repair, storage settings, history pruning, start-up cleanup. */
  readonly upkeep: UpkeepService;
  /** Custom disk images and the deploy cycle of each machine. */
  readonly deploy: DeployService;
  /** LabBoot as a local image mirror: served trees, status, mirror key, export. */
  readonly mirror: MirrorService;
  /** Test boots: an image booted in a throwaway local QEMU VM through the boot server. */
  readonly testBoot: TestBootService;
  /** Closes sockets, stops transfers and closes the database, in reverse order of creation. */
  dispose(): Promise<void>;
}

/** createServices opens the store in `config.dataDir` and builds every service on top of it. */
export async function createServices(config: ServicesConfig): Promise<Services> {
  const store = new DisposableStore();
  try {
    ensureDataDir(config.dataDir);
    const events = new EventBus();
    const logFile = store.add(new LogFile(config.dataDir));
    const log = createLogger({
      stderrLevel: config.stderrLogLevel ?? 'info',
      events,
      file: logFile,
    });
    const databasePath = join(config.dataDir, databaseFileName);
    const db = openDatabase(databasePath);
    store.addFn(() => {
      if (db.open) db.close();
    });
    const settings = new SettingsStore(db);
    const system = new SystemService({
      dataDir: config.dataDir,
      databasePath,
      frontDoor: config.frontDoor,
    });
    const sources = new SourcesService(db, config.dataDir);
    // Every front door shows a sync's own warnings; the log file records them as well.
    const syncLog = createLogger({ stderrLevel: 'silent', file: logFile });
    const sync = store.add(
      new SyncService(db, sources, {
        dataDir: config.dataDir,
        log: syncLog,
        keepVersions: () => readStoreSettings(settings).imagesKeep,
        // Called only once a sync has run, long after `upkeep` below is built.
        afterRun: () => upkeep.pruneHistory(),
      }),
    );
    const manifests = new ManifestStore(db);
    const bootResources = new BootResources(db, config.dataDir);
    const mirror = new MirrorService({
      dataDir: config.dataDir,
      store: sources.store,
      blobs: sources.store.blobs,
      settings,
      sources: () => sources.effectiveSources(),
      generation: catalogueGeneration(db),
    });
    // One boot log per process, so every reader sees what any boot server queued; disposed
    // (its last batch written) after the boot servers stop and before the database closes.
    const bootLog = store.add(new BootLogStore(db, { log }));
    const deploy = store.add(
      new DeployService({ db, dataDir: config.dataDir, events, log, bootLog }),
    );
    const bootDeps = {
      db,
      bootLog,
      bootResources,
      settings,
      events,
      log,
      interfaces: () => listInterfaces(),
      deploy,
      mirror: mirror.resolver({ mode: () => mirror.mode(), root: false }),
    };
    const boot = store.add(new BootService(bootDeps));
    // A test boot's own loopback server, when nothing serves, is this same assembly.
    const testBoot = store.add(
      new TestBootService({
        boot,
        // Its warnings are about serving on loopback, which is the point here.
        makeBootService: () =>
          new BootService({ ...bootDeps, log: { ...log, warn: (c, m) => log.info(c, m) } }),
        bootResources,
        settings,
        events,
        log,
        deploy,
      }),
    );
    const machines = store.add(
      new MachinesService({ db, settings, events, interfaces: () => listInterfaces() }),
    );
    const schedule = store.add(
      new ScheduledSyncService({
        settings,
        sync,
        sourceUrls: () => sources.effectiveSources().map((s) => s.url),
        log,
        events,
      }),
    );
    const upkeep = store.add(
      new UpkeepService({
        db,
        dataDir: config.dataDir,
        store: sources.store,
        settings,
        bootResources,
        boot,
        syncRunning: () => sync.running,
        log,
      }),
    );
    await upkeep.atStart();
    return {
      config,
      db,
      events,
      log,
      logFile,
      settings,
      system,
      sources,
      sync,
      manifests,
      bootResources,
      boot,
      machines,
      configBackup: new ConfigBackupService(
        db,
        () => new Date(),
        () => listInterfaces(),
      ),
      schedule,
      upkeep,
      deploy,
      mirror,
      testBoot,
      dispose: () => store.dispose(),
    };
  } catch (error) {
    await store.dispose();
    throw error;
  }
}

/** ensureDataDir creates the data folder or says in one sentence why it cannot. */
function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new UserError(
      `Cannot use ${dir} as the LabBoot data folder (${code}); choose a writable folder with --data or LABBOOT_DATA.`,
      'data-dir',
    );
  }
}

/**
 * DeployService runs MAAS's deploy cycle for disk images. A MAC marked with `deploy` gets, on its
 * next network boot, the usual ephemeral environment plus an installer as its NoCloud user-data;
 * the installer streams a custom image onto the disk and reports over HTTP with a per-deploy
 * token; once it reports `done` the MAC is `deployed` and its network boots are answered with a
 * local-boot config. Every other MAC boots as before. States live in SQLite (table
 * `deployments`), so `labboot deploy --wait`, the UI and the serving process share them.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rm, statfs } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Database } from '../store/database';
import { BlobStore } from '../store/blob-store';
import { CustomImageStore, type CustomImage } from '../store/custom-image-store';
import { DeploymentStore, type Deployment } from '../store/deployment-store';
import type { EventBus } from '../event-bus';
import type { Logger } from '../logger';
import type { Disposable } from '../lifecycle';
import { openConfined, type BootContent } from '../boot/boot-files';
import { urlHost } from '../boot/config/kernel-command-line';
import type { Endpoint } from '../boot/config/boot-configs';
import { dashedMac, normalizeMac } from '../../src-shared/boot/mac';
import {
  customName,
  kindExtension,
  type ImageArch,
  type ImageFirmware,
  type ImageKind,
} from '../../src-shared/deploy/image-kinds';
import type { CustomImageView, MachineState, MachineView } from '../../src-shared/contract/deploy';
import { UserError } from '../../src-shared/errors';
import { parseReport } from './deploy-report';
import {
  importCustomImage,
  importCustomImageFrom,
  type ImportDeps,
  type ImportSettings,
  type ImportSource,
} from './image-import';
import { loadInstaller, renderInstaller } from './installer';

/** Without a report for this long, a running installer counts as failed (power loss, hang). */
export const DEFAULT_SILENCE_MS = 10 * 60_000;

/** Phases during which the disk is being written: a new network boot then means it was cut. */
const RUNNING_PHASES = new Set(['started', 'writing', 'verifying']);

const DISK = /^\/dev\/[a-z0-9][a-z0-9._-]{0,40}$/;

/** What DeployService is built from. */
export interface DeployServiceDeps {
  readonly db: Database;
  readonly dataDir: string;
  readonly events?: EventBus;
  readonly log?: Pick<Logger, 'info' | 'warn'>;
  readonly now?: () => number;
  readonly silenceMs?: number;
  /** The installer template (tests); read from resources/deploy on first use otherwise. */
  readonly installer?: string;
  /** The process's boot log, written before machine views read it (its writes are batched). */
  readonly bootLog?: { flush(): void };
}

/** What a machine's network boot gets because of its deploy state. */
export type DeployBootAction = 'local' | 'installer' | undefined;

/** An HTTP answer to an installer's report. */
export interface ReportAnswer {
  readonly status: number;
  readonly body: string;
}

/** DeployService owns custom images and deployments. */
export class DeployService implements Disposable {
  readonly images: CustomImageStore;
  readonly deployments: DeploymentStore;
  readonly blobs: BlobStore;
  private readonly now: () => number;
  private installer: string | undefined;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly deps: DeployServiceDeps) {
    this.images = new CustomImageStore(deps.db);
    this.deployments = new DeploymentStore(deps.db);
    this.blobs = new BlobStore(deps.dataDir);
    this.now = deps.now ?? Date.now;
    this.installer = deps.installer;
    // Silent installers turn `failed` even when nobody looks; unref: never keeps a CLI alive.
    this.timer = setInterval(() => {
      try {
        this.expireSilent();
      } catch (error) {
        this.deps.log?.warn(
          'deploy',
          `checking silent installers failed: ${(error as Error).message}`,
        );
      }
    }, 15_000);
    this.timer.unref();
  }

  // ---- custom images -------------------------------------------------------------------------

  /** Custom images, with the MAC a deploy under way writes each to. */
  listImages(): CustomImageView[] {
    return this.images.list().map((i) => this.imageView(i));
  }

  /** Imports a file as `custom/NAME` (see importCustomImage); progress goes out as events. */
  async importImage(
    request: {
      name: string;
      path: string;
      kind: ImageKind | 'auto';
      arch: ImageArch;
      firmware: ImageFirmware;
    },
    onProgress?: (bytes: number, total: number) => void,
  ): Promise<CustomImageView> {
    const name = customName(request.name);
    return this.imported(
      name,
      (deps) => importCustomImage({ ...request, file: request.path, name }, deps),
      onProgress,
    );
  }

  /**
   * Imports streamed bytes (an upload to the browser console) as `custom/NAME`, with the same
   * checks as a file; refused up front when the data folder's disk cannot hold them.
   */
  async importStream(request: ImportSettings, source: ImportSource): Promise<CustomImageView> {
    const name = customName(request.name);
    await this.blobs.ensureDirs();
    const space = await statfs(this.blobs.partialDir);
    if (space.bavail * space.bsize < source.size)
      throw new UserError(
        `The disk holding the LabBoot data folder has ${space.bavail * space.bsize} bytes free, fewer than the ${source.size} of ${source.label}; free some space and upload again.`,
        'disk-full',
      );
    return this.imported(name, (deps) => importCustomImageFrom(source, { ...request, name }, deps));
  }

  private async imported(
    name: string,
    run: (deps: ImportDeps) => Promise<CustomImage>,
    onProgress?: (bytes: number, total: number) => void,
  ): Promise<CustomImageView> {
    const image = await run({
      blobs: this.blobs,
      images: this.images,
      now: this.now,
      onProgress: (bytes, total) => {
        onProgress?.(bytes, total);
        this.deps.events?.emit('deploy.importProgress', { name: `custom/${name}`, bytes, total });
      },
    });
    this.deps.log?.info('deploy', `imported custom/${name} (${image.kind}, ${image.size} bytes)`);
    this.changed(null);
    return this.imageView(image);
  }

  /** Deletes a custom image and its file; refused while a deploy writes it. */
  async deleteImage(input: string): Promise<{ name: string; removed: true }> {
    const name = customName(input);
    const outcome = this.images.remove(name, () => this.deployments.deployingWith(name));
    if ('kept' in outcome) {
      if (outcome.kept === 'missing')
        throw new UserError(
          `custom/${name} is not in the store; labboot images lists the custom images.`,
          'image-missing',
        );
      throw new UserError(
        `custom/${name} is being deployed to ${outcome.kept}, so it cannot be deleted now; wait for the deploy to end or release that machine first.`,
        'image-in-use',
      );
    }
    const sha = outcome.removed.sha256;
    const stillUsed =
      this.images.isReferenced(sha) ||
      this.deps.db.prepare('SELECT 1 FROM resource_files WHERE sha256 = ? LIMIT 1').get(sha) !==
        undefined;
    if (!stillUsed) await rm(this.blobs.pathFor(sha), { force: true });
    this.changed(null);
    return { name: `custom/${name}`, removed: true };
  }

  // ---- deploy, release, machines --------------------------------------------------------------

  /** Marks `mac` for deploy of a custom image: its next network boot runs the installer. */
  deploy(macText: string, imageText: string, disk = 'auto'): MachineView {
    const mac = this.mac(macText);
    const name = customName(imageText);
    const image = this.images.get(name);
    if (image === undefined)
      throw new UserError(
        `custom/${name} is not in the store; import it first with labboot images import ${name} FILE.`,
        'image-missing',
      );
    if (disk !== 'auto' && !DISK.test(disk))
      throw new UserError(
        `"${disk}" is not a disk; write auto or a device like /dev/sda or /dev/nvme0n1.`,
        'bad-disk',
      );
    const now = this.now();
    const next = this.deployments.update(mac, (current) => {
      if (current?.state === 'deploying' && RUNNING_PHASES.has(current.phase))
        throw new UserError(
          `${mac} is writing its disk right now; wait for it to finish or fail (labboot machines shows it).`,
          'deploy-running',
        );
      return {
        mac,
        state: 'deploying',
        phase: 'marked',
        image: name,
        sha256: image.sha256,
        kind: image.kind,
        imageSize: image.size,
        diskBytes: image.diskBytes,
        disk,
        erase: false,
        token: randomBytes(16).toString('hex'),
        bytes: 0,
        total: image.diskBytes,
        error: null,
        updatedAt: now,
        reportedAt: null,
        deployedAt: null,
      };
    });
    this.deps.log?.info('deploy', `${mac} marked for deploy of custom/${name} to ${disk}`);
    this.changed(mac);
    return this.view(mac, next);
  }

  /** Returns `mac` to ephemeral boots; with `erase`, the installer first zeroes its disk's ends. */
  release(macText: string, erase: boolean): MachineView {
    const mac = this.mac(macText);
    const now = this.now();
    const next = this.deployments.update(mac, (current) => ({
      mac,
      state: 'released',
      phase: erase ? 'marked' : 'released',
      image: current?.image ?? null,
      sha256: null,
      kind: null,
      imageSize: null,
      diskBytes: null,
      disk: current?.disk ?? 'auto',
      erase,
      token: erase ? randomBytes(16).toString('hex') : null,
      bytes: 0,
      total: 0,
      error: null,
      updatedAt: now,
      reportedAt: null,
      deployedAt: null,
    }));
    this.deps.log?.info('deploy', `${mac} released${erase ? ' (erase on its next boot)' : ''}`);
    this.changed(mac);
    return this.view(mac, next);
  }

  /** Forgets `mac`'s deploy state altogether (a test boot's throwaway VM, once it is gone). */
  forget(macText: string): void {
    const mac = this.mac(macText);
    this.deployments.remove(mac);
    this.changed(mac);
  }

  /** One machine's view. */
  machine(macText: string): MachineView {
    const mac = this.mac(macText);
    this.expireSilent();
    return this.view(mac, this.deployments.get(mac));
  }

  /** Every MAC in the boot log or the deployments, newest activity first. */
  machines(): MachineView[] {
    this.expireSilent();
    this.deps.bootLog?.flush();
    const rows = new Map(this.deployments.list().map((d) => [d.mac, d]));
    const seen = this.deps.db
      .prepare('SELECT DISTINCT mac FROM boot_events WHERE mac IS NOT NULL')
      .pluck()
      .all() as string[];
    const macs = [...new Set([...seen, ...rows.keys()])];
    const views = macs.map((mac) => this.view(mac, rows.get(mac)));
    const key = (v: MachineView): string => v.lastSeenAt ?? v.updatedAt ?? '';
    return views.sort((a, b) => key(b).localeCompare(key(a)) || a.mac.localeCompare(b.mac));
  }

  // ---- what the boot server asks ---------------------------------------------------------------

  /**
   * bootAction says what a per-MAC config request gets: `local` for a deployed MAC, `installer`
   * (the ephemeral boot whose user-data installs) for a marked one. A MAC that boots again while
   * its installer was writing lost power or was reset: that deploy is failed, and it boots as usual.
   */
  bootAction(mac: string | undefined): DeployBootAction {
    if (mac === undefined) return undefined;
    const d = this.deployments.get(mac);
    if (d === undefined) return undefined;
    if (d.state === 'deployed') return 'local';
    const marked = d.state === 'deploying' || (d.state === 'released' && d.erase);
    if (!marked) return undefined;
    if (RUNNING_PHASES.has(d.phase)) {
      this.fail(
        mac,
        d.token,
        `The machine started again while its installer was ${d.phase === 'started' ? 'starting' : 'writing the disk'} (power loss or reset), so the disk may hold a partial image; deploy again.`,
      );
      return undefined;
    }
    return 'installer';
  }

  /** The installer as NoCloud user-data for a marked MAC (undefined for every other MAC). */
  userData(mac: string | undefined, endpoint: Endpoint): string | undefined {
    if (mac === undefined) return undefined;
    const d = this.deployments.get(mac);
    if (d === undefined || d.token === null) return undefined;
    const base = `http://${urlHost(endpoint.host)}:${endpoint.httpPort}`;
    const reportUrl = `${base}/deploy/${dashedMac(mac)}/report`;
    this.installer ??= loadInstaller();
    if (d.state === 'released' && d.erase && d.phase === 'marked') {
      return renderInstaller(this.installer, {
        mode: 'erase',
        mac,
        token: d.token,
        reportUrl,
        image: '',
        imageUrl: '',
        sha256: '',
        kind: 'ddraw',
        total: 0,
        disk: d.disk,
      });
    }
    if (d.state !== 'deploying' || d.phase !== 'marked' || d.kind === null) return undefined;
    return renderInstaller(this.installer, {
      mode: 'deploy',
      mac,
      token: d.token,
      reportUrl,
      image: `custom/${d.image ?? ''}`,
      imageUrl: `${base}/deploy/${d.token}/${d.image ?? 'image'}.${kindExtension(d.kind)}`,
      sha256: d.sha256 ?? '',
      kind: d.kind,
      total: d.diskBytes ?? 0,
      disk: d.disk,
    });
  }

  /** The image file for `deploy/<token>/<name>`: only while that deploy is under way. */
  async resolveFile(name: string): Promise<BootContent | undefined> {
    const m = /^deploy\/([0-9a-f]{32})\/[^/]+$/.exec(name);
    if (m === null) return undefined;
    const token = m[1] ?? '';
    const d = this.deployments.list().find((x) => x.token !== null && sameToken(x.token, token));
    if (d === undefined || d.state !== 'deploying' || d.sha256 === null) return undefined;
    const path = this.blobs.pathFor(d.sha256);
    const content = await openConfined(dirname(path), basename(path));
    return { ...content, etag: d.sha256 };
  }

  /** Takes an installer's report (`POST /deploy/<mac>/report`); refuses it without the token. */
  report(path: string, body: string): ReportAnswer {
    const m = /^deploy\/([^/]+)\/report$/.exec(path);
    const mac = m === null ? undefined : normalizeMac(m[1] ?? '');
    if (mac === undefined) return { status: 404, body: 'not found' };
    const report = parseReport(body);
    if (report === undefined) return { status: 400, body: 'not a deploy report' };
    let refused = false;
    const next = this.deployments.update(mac, (d) => {
      const marked =
        d !== undefined && (d.state === 'deploying' || (d.state === 'released' && d.erase));
      if (!marked || d.token === null || !sameToken(d.token, report.token)) {
        refused = true;
        return undefined;
      }
      const now = this.now();
      const base: Deployment = {
        ...d,
        reportedAt: now,
        updatedAt: now,
        bytes: report.bytes,
        total: report.total > 0 ? report.total : d.total,
        disk: report.disk ?? d.disk,
      };
      switch (report.phase) {
        case 'started':
        case 'writing':
        case 'verifying':
          return { ...base, phase: report.phase };
        case 'done':
          return { ...base, state: 'deployed', phase: 'done', token: null, deployedAt: now };
        case 'erased':
          return { ...base, state: 'released', phase: 'erased', erase: false, token: null };
        case 'failed':
          return {
            ...base,
            state: 'failed',
            phase: 'failed',
            token: null,
            error:
              report.error ?? 'The installer failed without saying why; see the machine console.',
          };
      }
    });
    if (refused || next === undefined) {
      this.deps.log?.warn('deploy', `refused a report for ${mac} without this deploy's token`);
      return { status: 403, body: 'refused: no deploy under way with this token' };
    }
    if (report.phase !== 'writing')
      this.deps.log?.info(
        'deploy',
        `${mac} ${next.state} ${report.phase}${next.error ? `: ${next.error}` : ''}`,
      );
    this.changed(mac, next);
    return { status: 200, body: 'ok' };
  }

  /** Fails deploys whose installer has been silent for too long; returns how many. */
  expireSilent(): number {
    const limit = this.now() - (this.deps.silenceMs ?? DEFAULT_SILENCE_MS);
    let n = 0;
    for (const d of this.deployments.list()) {
      if (d.state !== 'deploying' || !RUNNING_PHASES.has(d.phase)) continue;
      if ((d.reportedAt ?? d.updatedAt) >= limit) continue;
      const minutes = Math.round((this.deps.silenceMs ?? DEFAULT_SILENCE_MS) / 60_000);
      this.fail(
        d.mac,
        d.token,
        `The installer stopped reporting for ${minutes} minute(s) while writing the disk (power loss, a hang or a network failure); deploy again.`,
      );
      n++;
    }
    return n;
  }

  dispose(): Promise<void> {
    clearInterval(this.timer);
    return Promise.resolve();
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private fail(mac: string, token: string | null, why: string): void {
    const next = this.deployments.update(mac, (d) =>
      d === undefined || d.token !== token
        ? undefined
        : {
            ...d,
            state: 'failed',
            phase: 'failed',
            token: null,
            error: why,
            updatedAt: this.now(),
          },
    );
    if (next !== undefined) {
      this.deps.log?.warn('deploy', `${mac} failed: ${why}`);
      this.changed(mac, next);
    }
  }

  private mac(text: string): string {
    const mac = normalizeMac(text);
    if (mac === undefined)
      throw new UserError(
        `"${text}" is not a MAC address; write it like 52:54:00:12:34:56.`,
        'bad-mac',
      );
    return mac;
  }

  private changed(mac: string | null, d?: Deployment): void {
    const view = mac === null ? undefined : this.view(mac, d ?? this.deployments.get(mac));
    this.deps.events?.emit('deploy.changed', {
      mac,
      state: view?.state ?? null,
      phase: view?.phase ?? null,
      percent: view?.percent ?? null,
    });
  }

  private imageView(i: CustomImage): CustomImageView {
    return {
      name: `custom/${i.name}`,
      kind: i.kind,
      arch: i.arch,
      firmware: i.firmware,
      sha256: i.sha256,
      size: i.size,
      diskBytes: i.diskBytes,
      createdAt: new Date(i.createdAt).toISOString(),
      inUseBy: this.deployments.deployingWith(i.name) ?? null,
    };
  }

  private view(mac: string, d: Deployment | undefined): MachineView {
    this.deps.bootLog?.flush();
    const last = this.deps.db
      .prepare(
        'SELECT at, client_ip FROM boot_events WHERE mac = ? ORDER BY at DESC, id DESC LIMIT 1',
      )
      .get(mac) as { at: number; client_ip: string | null } | undefined;
    const address = this.deps.db
      .prepare(
        'SELECT client_ip FROM boot_events WHERE mac = ? AND client_ip IS NOT NULL ORDER BY at DESC, id DESC LIMIT 1',
      )
      .pluck()
      .get(mac) as string | undefined;
    const path = this.deps.db
      .prepare(
        `SELECT detail FROM boot_events WHERE mac = ? AND protocol IN ('tftp', 'http')
         ORDER BY at DESC, id DESC LIMIT 1`,
      )
      .pluck()
      .get(mac) as string | undefined;
    let state: MachineState;
    if (d !== undefined) state = d.state;
    else {
      const booted = this.deps.db
        .prepare(
          `SELECT 1 FROM boot_events WHERE mac = ? AND protocol IN ('tftp', 'http')
           AND detail LIKE '%boot-kernel%' LIMIT 1`,
        )
        .get(mac);
      state = booted === undefined ? 'new' : 'ephemeral';
    }
    const deploying = d?.state === 'deploying';
    return {
      mac,
      state,
      image: d?.image == null ? null : `custom/${d.image}`,
      phase:
        d === undefined || d.state === 'deployed' || (d.state === 'released' && !d.erase)
          ? null
          : d.phase,
      bytes: d?.bytes ?? 0,
      total: d?.total ?? 0,
      percent: deploying
        ? d.total > 0
          ? Math.min(100, Math.floor((d.bytes * 100) / d.total))
          : 0
        : null,
      error: d?.state === 'failed' ? d.error : null,
      disk: d?.disk ?? null,
      erasePending: d?.state === 'released' && d.erase,
      deployedAt: d?.deployedAt == null ? null : new Date(d.deployedAt).toISOString(),
      updatedAt: d === undefined ? null : new Date(d.updatedAt).toISOString(),
      lastSeenAt: last === undefined ? null : new Date(last.at).toISOString(),
      lastAddress: address ?? null,
      lastPath: path ?? null,
    };
  }
}

/** Compares tokens in constant time (a report's token is a secret). */
function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

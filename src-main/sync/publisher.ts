/**
 * Publisher makes a fully downloaded version visible: a bootloader's archives are unpacked first,
 * an image's manifest is parsed and imported in the same transaction that stores the version.
 * PublishQueue publishes each planned version, one at a time, as soon as all its files are stored.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { isUserError, UserError } from '../../src-shared/errors';
import type { SyncEvent } from '../../src-shared/contract/images';
import { ManifestParseError, parseManifest } from '../../src-shared/manifest/parse';
import type { BlobStore } from '../store/blob-store';
import type { ManifestStore } from '../store/manifest-store';
import type { RegionStore } from '../store/region-store';
import { unpackBootloader, UnpackError } from './bootloader-unpack';
import { sourceLabel } from './catalog';
import { imageName, type PlannedVersion } from './plan';

const maxManifestBytes = 32 * 1024 * 1024;

/** isInsideFolder tells whether `path` is strictly below `folder` once both are resolved. */
export function isInsideFolder(folder: string, path: string): boolean {
  return resolve(path).startsWith(resolve(folder) + sep);
}

/** Publisher stores one version whose files are all in the blob store. */
export class Publisher {
  constructor(
    private readonly store: RegionStore,
    private readonly blobs: BlobStore,
    private readonly manifests: ManifestStore,
    private readonly dataDir: string,
  ) {}

  /** bootloaderDir is where a bootloader version is unpacked (always below `bootloaders/`). */
  bootloaderDir(v: PlannedVersion): string {
    const root = join(this.dataDir, 'bootloaders');
    const dir = join(root, v.key.bootloaderType, v.key.arch, `${v.key.os}-${v.version.version}`);
    // The stream parser admits only plain names; this guards the folder that gets replaced.
    if (!isInsideFolder(root, dir)) {
      throw new UserError(
        `Source ${sourceLabel(v.source)}: the bootloader ${imageName(v.key)} ${JSON.stringify(v.version.version)} would be unpacked outside ${root}; it was refused, check the mirror.`,
        'bad-stream',
      );
    }
    return dir;
  }

  /** publish makes one fully downloaded version visible (unpacking / parsing first). */
  async publish(v: PlannedVersion): Promise<void> {
    const files = v.files.map((f) => ({
      name: f.name,
      ftype: f.ftype,
      sha256: f.sha256,
      size: f.size,
      path: f.path,
    }));
    if (v.key.kind === 'bootloader') {
      const dir = this.bootloaderDir(v);
      try {
        await unpackBootloader(
          v.files.map((f) => this.blobs.pathFor(f.sha256)),
          dir,
        );
      } catch (error) {
        if (!(error instanceof UnpackError)) throw error;
        throw new UserError(
          `Source ${sourceLabel(v.source)}: the bootloader archive of ${imageName(v.key)} ${v.version.version} was refused (${error.message}); check the mirror, the previous bootloader stays in use.`,
          'bad-archive',
        );
      }
      this.store.publishVersion(v.key, v.version.version, files, dir, () => this.link(v));
      return;
    }
    const manifest = v.files.find((f) => f.ftype === 'manifest');
    let entries: ReturnType<typeof parseManifest> = [];
    if (manifest !== undefined) {
      if (manifest.size > maxManifestBytes) {
        throw new UserError(
          `Source ${sourceLabel(v.source)}: ${manifest.path} is too large for a package manifest; check the mirror.`,
          'bad-manifest',
        );
      }
      const text = await readFile(this.blobs.pathFor(manifest.sha256), 'utf8');
      try {
        entries = parseManifest(text);
      } catch (error) {
        if (!(error instanceof ManifestParseError)) throw error;
        throw new UserError(
          `Source ${sourceLabel(v.source)}: ${manifest.path} is not a valid package manifest (${error.message}); that image version was not stored, check the mirror.`,
          'bad-manifest',
        );
      }
    }
    this.store.publishVersion(v.key, v.version.version, files, null, () => {
      if (manifest !== undefined) this.manifests.importManifest(manifest.sha256, entries);
      this.link(v);
    });
  }

  /** link records, in the publishing transaction, the product file that describes the version. */
  private link(v: PlannedVersion): void {
    if (v.document === undefined) return;
    this.store.streams.linkVersions([
      { resource: v.key, version: v.version.version, document: v.document },
    ]);
  }
}

/** PublishQueueOptions wire a publish queue to one sync run. */
export interface PublishQueueOptions {
  publisher: Publisher;
  signal: AbortSignal;
  emit: (e: SyncEvent) => void;
  /** A version that could not be published (its UserError was already emitted as a warning). */
  onRefused: (v: PlannedVersion, error: UserError) => void;
}

/** PublishQueue publishes planned versions in order of readiness, one at a time. */
export class PublishQueue {
  readonly published: { image: string; version: string }[] = [];
  private readonly ready = new Set<string>();
  private readonly waiting: PlannedVersion[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: PublishQueueOptions) {}

  /** expect adds versions to publish once every file of theirs is ready. */
  expect(versions: readonly PlannedVersion[]): void {
    this.waiting.push(...versions);
    this.flush();
  }

  /** drop stops waiting for a version (one of its files cannot be had); true if it was waiting. */
  drop(v: PlannedVersion): boolean {
    const i = this.waiting.indexOf(v);
    if (i < 0) return false;
    this.waiting.splice(i, 1);
    return true;
  }

  /** fileReady records a stored blob and publishes every version it completes. */
  fileReady(sha256: string): void {
    this.ready.add(sha256);
    this.flush();
  }

  /** settled resolves once every publish started so far has finished. */
  settled(): Promise<void> {
    return this.chain;
  }

  private flush(): void {
    for (let i = 0; i < this.waiting.length; ) {
      const v = this.waiting[i];
      if (v === undefined || !v.files.every((f) => this.ready.has(f.sha256))) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.chain = this.chain.then(() => this.publishOne(v));
      // `settled` reports a failure; until someone awaits it, it must not count as unhandled.
      this.chain.catch(() => undefined);
    }
  }

  private async publishOne(v: PlannedVersion): Promise<void> {
    if (this.opts.signal.aborted) return;
    try {
      await this.opts.publisher.publish(v);
    } catch (error) {
      if (!isUserError(error)) throw error;
      this.opts.emit({ event: 'warning', message: error.message, code: error.code });
      this.opts.onRefused(v, error);
      return;
    }
    const image = imageName(v.key);
    this.published.push({ image, version: v.version.version });
    this.opts.emit({ event: 'published', image, version: v.version.version });
  }
}

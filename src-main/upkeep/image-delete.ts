/**
 * Deleting stored images offline (`labboot images delete IMAGE[@VERSION]`). It runs under the
 * sync lock, so a sync in this or another process cannot interleave with it, and is refused while
 * a boot server (this process or another, see `ServingRecord`) serves a version it would delete.
 * The versions go in one durable transaction first — with the selection when no version of the
 * image is left, so the next sync does not bring it back — and the blobs no version refers to any
 * more are deleted after it, as pruning does.
 */
import { join } from 'node:path';
import type { ImageDeleteResult } from '../../src-shared/contract/store';
import type { BootChoice } from '../../src-shared/boot/choices';
import { defaultKeyArch } from '../../src-shared/boot/choices';
import { isUserError, UserError } from '../../src-shared/errors';
import type { BootImage } from '../store/boot-resources';
import type { RegionStore } from '../store/region-store';
import type { SelectionRecord, StoredResource } from '../store/types';
import type { ServingProcess } from '../boot/serving-record';
import { SyncLock } from '../sync/sync-lock';

/** What deleting needs to know about the rest of LabBoot. */
export interface ImageDeleteDeps {
  store: RegionStore;
  dataDir: string;
  /** Whether this process is syncing now. */
  syncRunning: () => boolean;
  /** Processes serving PXE from this data folder (this one included). */
  servers: () => ServingProcess[];
  /** Every stored boot choice (the default and per-MAC ones). */
  choices: () => BootChoice[];
  /** What an image spec boots now (the boot server's own resolution). */
  resolveImage: (spec: string) => BootImage | undefined;
}

/** ImageSpec is a parsed `OS/RELEASE/ARCH[/SUBARCH]` with the versions asked for. */
export interface ImageSpec {
  os: string;
  release: string;
  arch: string;
  subarch: string | undefined;
  versions: string[] | undefined;
}

const part = /^[a-z0-9][a-z0-9._+-]*$/i;

/** parseImageSpec reads `OS/RELEASE/ARCH[/SUBARCH]`, or says in one sentence how to write it. */
export function parseImageSpec(image: string, versions?: readonly string[]): ImageSpec {
  const parts = image.split('/');
  if (parts.length < 3 || parts.length > 4 || !parts.every((p) => part.test(p))) {
    throw new UserError(
      `"${image}" is not an image name; write it as OS/RELEASE/ARCH[/SUBARCH], like ubuntu/jammy/amd64 (see labboot images).`,
      'usage',
    );
  }
  const [os = '', release = '', arch = '', subarch] = parts;
  return {
    os,
    release,
    arch,
    subarch,
    versions: versions === undefined ? undefined : [...versions],
  };
}

/** resourceName is `os/release/arch/subarch`, as sync events and `images` name images. */
export function resourceName(
  r: Pick<StoredResource, 'os' | 'release' | 'arch' | 'subarch'>,
): string {
  return `${r.os}/${r.release}/${r.arch}/${r.subarch}`;
}

interface Target {
  resource: StoredResource;
  versionIds: Set<number>;
}

/** ImageDeleter deletes stored image versions; see the file comment. */
export class ImageDeleter {
  constructor(private readonly deps: ImageDeleteDeps) {}

  /** delete removes the versions `spec` names (all when none are named) and frees their blobs. */
  async delete(spec: ImageSpec): Promise<ImageDeleteResult> {
    const label = specLabel(spec);
    this.targets(spec, label); // an unknown image or version is refused before taking the lock
    if (this.deps.syncRunning()) throw syncBusy(label, undefined);
    let lock: SyncLock;
    try {
      lock = await SyncLock.acquire(this.deps.dataDir);
    } catch (error) {
      if (isUserError(error) && error.code === 'sync-busy') throw syncBusy(label, error.message);
      throw error;
    }
    try {
      return await this.deleteLocked(spec, label);
    } finally {
      await lock.release();
    }
  }

  private async deleteLocked(spec: ImageSpec, label: string): Promise<ImageDeleteResult> {
    const { store } = this.deps;
    // Read again under the lock: a sync may have published or pruned since.
    const targets = this.targets(spec, label);
    this.refuseServed(targets);
    const ids = targets.flatMap((t) => [...t.versionIds]);
    const sizes = new Map<string, number>();
    const deleted: ImageDeleteResult['deleted'] = [];
    for (const t of targets) {
      for (const v of t.resource.versions) {
        if (!t.versionIds.has(v.id)) continue;
        deleted.push({ image: resourceName(t.resource), version: v.version });
        for (const f of v.files) sizes.set(f.sha256, f.size);
      }
    }
    const family = { os: spec.os, release: this.codename(spec), arch: spec.arch };
    const familyLeft = store
      .listResources('image')
      .filter((r) => r.os === family.os && r.release === family.release && r.arch === family.arch)
      .some((r) => r.versions.some((v) => !ids.includes(v.id)));
    const covering = store.listSelections().filter((s) => this.covers(s, family));
    const unselect = familyLeft ? [] : covering;
    store.resources.deleteVersions(ids, () => {
      if (unselect.length > 0) store.removeSelections(unselect);
    });
    const freed = await store.resources.removeUnreferenced(join(this.deps.dataDir, 'bootloaders'));
    return {
      deleted,
      unselected: unselect.map((s) => `${s.os}/${s.release}/${s.arch}`),
      freedBlobs: freed.blobs.length,
      freedBytes: freed.blobs.reduce((n, sha) => n + (sizes.get(sha) ?? 0), 0),
      notes: this.notes(targets, unselect, covering),
    };
  }

  /** targets finds the stored versions `spec` names, or throws a UserError saying what is stored. */
  private targets(spec: ImageSpec, label: string): Target[] {
    const release = this.codename(spec);
    const resources = this.deps.store
      .listResources('image')
      .filter(
        (r) =>
          r.os === spec.os &&
          r.release === release &&
          r.arch === spec.arch &&
          (spec.subarch === undefined || r.subarch === spec.subarch),
      );
    if (resources.length === 0) {
      throw new UserError(
        `${label} is not in the store, so there is nothing to delete; "labboot images" lists the stored images.`,
        'image-missing',
      );
    }
    const wanted = spec.versions;
    if (wanted !== undefined) {
      const stored = new Set(resources.flatMap((r) => r.versions.map((v) => v.version)));
      const missing = wanted.filter((v) => !stored.has(v));
      if (missing.length > 0) {
        throw new UserError(
          `${label} has no stored version ${missing.join(', ')}; the stored versions are ${[...stored].sort().join(', ')}.`,
          'version-missing',
        );
      }
    }
    return resources
      .map((resource) => ({
        resource,
        versionIds: new Set(
          resource.versions
            .filter((v) => wanted === undefined || wanted.includes(v.version))
            .map((v) => v.id),
        ),
      }))
      .filter((t) => t.versionIds.size > 0);
  }

  /** refuseServed throws when a running boot server would hand out a version being deleted. */
  private refuseServed(targets: readonly Target[]): void {
    const servers = this.deps.servers();
    if (servers.length === 0) return;
    for (const choice of this.deps.choices()) {
      if (choice.action !== 'image' || choice.image === null) continue;
      const served = this.deps.resolveImage(choice.image);
      if (served === undefined) continue;
      for (const t of targets) {
        const r = t.resource;
        const hit =
          r.os === served.os &&
          r.release === served.release &&
          r.arch === served.arch &&
          r.subarch === served.subarch &&
          r.versions.some((v) => t.versionIds.has(v.id) && v.version === served.version);
        if (!hit) continue;
        const forArch = defaultKeyArch(choice.mac);
        const who =
          forArch === undefined
            ? `to the machine ${choice.mac}`
            : `as the default image${forArch === null ? '' : ` for ${forArch} machines`}`;
        const server = servers[0];
        const where = server === undefined ? '' : ` (pid ${server.pid} on ${server.address})`;
        throw new UserError(
          `${resourceName(r)} ${served.version} is being served by the boot server${where} ${who}; stop serving or choose another image for those machines, then delete it.`,
          'image-in-use',
        );
      }
    }
  }

  /** notes says what the next sync will do about what was deleted. */
  private notes(
    targets: readonly Target[],
    unselected: readonly SelectionRecord[],
    covering: readonly SelectionRecord[],
  ): string[] {
    const notes: string[] = [];
    for (const s of unselected) {
      notes.push(
        `${s.os}/${s.release}/${s.arch} is no longer selected, so the next sync does not bring it back.`,
      );
    }
    if (unselected.length > 0 || covering.length === 0) return notes;
    const selection = covering[0];
    const name =
      selection === undefined ? '' : `${selection.os}/${selection.release}/${selection.arch}`;
    for (const t of targets) {
      const all = t.versionIds.size === t.resource.versions.length;
      const newest = t.resource.versions[0];
      if (all) {
        notes.push(
          `${resourceName(t.resource)} is still selected through ${name}, so the next sync brings back its newest version; delete ${name} to remove every kernel and the selection.`,
        );
      } else if (newest !== undefined && t.versionIds.has(newest.id)) {
        notes.push(
          `${resourceName(t.resource)} ${newest.version} was its newest version; the next sync fetches it again while its source offers it.`,
        );
      }
    }
    return notes;
  }

  /** codename turns a release number (22.04) into the codename images are stored under. */
  private codename(spec: ImageSpec): string {
    return this.deps.store.catalogRelease(spec.os, spec.release, spec.arch) ?? spec.release;
  }

  private covers(s: SelectionRecord, f: { os: string; release: string; arch: string }): boolean {
    if (s.os !== f.os || s.arch !== f.arch) return false;
    return (
      s.release === f.release ||
      this.deps.store.catalogRelease(s.os, s.release, s.arch) === f.release
    );
  }
}

function specLabel(spec: ImageSpec): string {
  const name = [spec.os, spec.release, spec.arch, spec.subarch]
    .filter((p) => p !== undefined)
    .join('/');
  return spec.versions === undefined ? name : `${name}@${spec.versions.join(',')}`;
}

function syncBusy(label: string, lockMessage: string | undefined): UserError {
  const pid = lockMessage === undefined ? undefined : /\(pid ([^)]*)\)/.exec(lockMessage)?.[1];
  return new UserError(
    `A sync is running in this data folder${pid === undefined ? '' : ` (pid ${pid})`}, so ${label} was not deleted; wait for the sync to finish or cancel it, then delete again.`,
    'sync-busy',
  );
}

/**
 * RegionStore is the typed door to the region tables. Each concern has its own store — sources,
 * selections, the catalogue, resources (versions and files) and sync runs — and this class puts
 * them behind one object so services take a single dependency. Only this folder talks SQL.
 */
import type { Database } from 'better-sqlite3';
import type { BlobStore } from './blob-store';
import { CatalogueStore } from './catalogue-store';
import {
  ResourceStore,
  type PruneOptions,
  type PruneResult,
  type PublishFile,
} from './resource-store';
import { SelectionStore, type Selection } from './selection-store';
import { SourceStore, type NewSource } from './source-store';
import { StreamStore } from './stream-store';
import { SyncRunStore, type SyncRunRow } from './sync-run-store';
import type {
  CatalogProduct,
  ProductKind,
  Resource,
  ResourceIdentity,
  SelectionRecord,
  SourceRecord,
  StoredResource,
  SyncRunStatus,
} from './types';

export type { NewSource } from './source-store';
export type { PruneOptions, PruneResult, PublishFile } from './resource-store';
export type { SyncRunRow } from './sync-run-store';

/** RegionStore composes the stores of one database; blob paths come from `blobs`. */
export class RegionStore {
  readonly sources: SourceStore;
  readonly selections: SelectionStore;
  readonly catalogue: CatalogueStore;
  readonly resources: ResourceStore;
  readonly runs: SyncRunStore;
  /** The signed stream metadata syncs verified, for serving LabBoot as a mirror. */
  readonly streams: StreamStore;

  constructor(
    readonly db: Database,
    readonly blobs: BlobStore,
  ) {
    this.sources = new SourceStore(db);
    this.selections = new SelectionStore(db);
    this.catalogue = new CatalogueStore(db);
    this.resources = new ResourceStore(db, blobs);
    this.runs = new SyncRunStore(db);
    this.streams = new StreamStore(db);
  }

  listSources(): SourceRecord[] {
    return this.sources.list();
  }
  findSource(idOrName: string): SourceRecord | undefined {
    return this.sources.find(idOrName);
  }
  addSource(source: NewSource): SourceRecord {
    return this.sources.add(source);
  }
  removeSource(idOrName: string): SourceRecord {
    return this.sources.remove(idOrName);
  }

  listSelections(): SelectionRecord[] {
    return this.selections.list();
  }
  addSelections(items: readonly Selection[]): SelectionRecord[] {
    return this.selections.add(items);
  }
  replaceSelections(remove: readonly Selection[], add: readonly Selection[]): SelectionRecord[] {
    return this.selections.replace(remove, add);
  }
  removeSelections(items: readonly Selection[]): SelectionRecord[] {
    return this.selections.remove(items);
  }

  catalogRelease(os: string, release: string, arch: string): string | undefined {
    return this.catalogue.releaseCodename(os, release, arch);
  }
  replaceCatalog(sourceId: number, products: readonly CatalogProduct[]): void {
    this.catalogue.replace(sourceId, products);
  }

  hasVersion(resource: ResourceIdentity, version: string): boolean {
    return this.resources.hasVersion(resource, version);
  }
  publishVersion(
    resource: Resource,
    version: string,
    files: readonly PublishFile[],
    unpackDir: string | null,
    extra?: () => void,
  ): void {
    this.resources.publishVersion(resource, version, files, unpackDir, extra);
  }
  listResources(kind?: ProductKind): StoredResource[] {
    return this.resources.listResources(kind);
  }
  prune(options: PruneOptions): Promise<PruneResult> {
    return this.resources.prune(options);
  }
  pruneVersions(keep: number, isSelected?: (r: Resource) => boolean): string[] {
    return this.resources.pruneVersions(keep, isSelected);
  }
  referencedBlobs(): Set<string> {
    return this.resources.referencedBlobs();
  }
  unpackDirs(): Set<string> {
    return this.resources.unpackDirs();
  }

  startRun(pid: number, isAlive: (pid: number) => boolean): number {
    return this.runs.start(pid, isAlive);
  }
  finishRun(id: number, status: Exclude<SyncRunStatus, 'running'>, error?: string): void {
    this.runs.finish(id, status, error);
  }
  addRunEvent(runId: number, event: string, payload: unknown): void {
    this.runs.addEvent(runId, event, payload);
  }
  listRuns(limit?: number): SyncRunRow[] {
    return this.runs.list(limit);
  }
}

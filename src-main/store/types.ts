/** Records the region store reads and writes; shared by the syncer, the API and the boot server. */

/** KeyringKind says how a source's signatures are checked. */
export type KeyringKind = 'custom' | 'default' | 'none';

/** SourceRecord is one configured boot source. */
export interface SourceRecord {
  id: number;
  name: string;
  url: string;
  keyringKind: KeyringKind;
  /** Binary OpenPGP public keys for 'custom'; null otherwise. */
  keyring: Uint8Array | null;
  fingerprints: string[];
  createdAt: string;
}

/** SelectionRecord is one chosen image family: every subarch/kflavor of os/release/arch. */
export interface SelectionRecord {
  id: number;
  os: string;
  release: string;
  arch: string;
}

/** ProductKind separates bootable images from bootloader archives. */
export type ProductKind = 'image' | 'bootloader';

/** CatalogItem is one file of a product version as the stream lists it. */
export interface CatalogItem {
  name: string;
  ftype: string;
  /** Relative to the mirror root. */
  path: string;
  sha256: string;
  size: number;
  attrs: Record<string, string | number>;
}

/** CatalogVersion is one version of a product. */
export interface CatalogVersion {
  version: string;
  items: CatalogItem[];
}

/** CatalogProduct is one accepted product of a source, with flattened identity fields. */
export interface CatalogProduct {
  contentId: string;
  name: string;
  kind: ProductKind;
  os: string;
  release: string;
  /** The numeric release (`22.04`) for images; empty for bootloaders. */
  releaseVersion: string;
  arch: string;
  /** For images: the subarch with a non-generic kflavor folded in (`ga-24.04-lowlatency`). */
  subarch: string;
  kflavor: string;
  label: string;
  /** For bootloaders: `pxe`, `uefi`, `open-firmware`; empty for images. */
  bootloaderType: string;
  attrs: Record<string, string | number>;
  versions: CatalogVersion[];
}

/**
 * Resource is one local boot resource: an image (os/release/arch/subarch, kflavor folded in) or a
 * bootloader product, with what describes it and the source that supplied it. `kind`, `os`,
 * `release`, `arch` and `subarch` identify it; the rest is updated by each publish.
 */
export interface Resource {
  kind: ProductKind;
  os: string;
  release: string;
  arch: string;
  subarch: string;
  kflavor: string;
  label: string;
  bootloaderType: string;
  product: string;
  sourceUrl: string;
  /** Name of the source that supplied it (kept with each stored version). */
  sourceName: string;
}

/** ResourceIdentity is what identifies a resource. */
export type ResourceIdentity = Pick<Resource, 'kind' | 'os' | 'release' | 'arch' | 'subarch'>;

/** ResourceKey is the former name of Resource. */
export type ResourceKey = Resource;

/** StoredFile is one file of a stored version; `path` is the absolute blob path. */
export interface StoredFile {
  name: string;
  ftype: string;
  sha256: string;
  size: number;
  path: string;
}

/** StoredVersion is a complete, published version of a resource. */
export interface StoredVersion {
  id: number;
  version: string;
  publishedAt: string;
  /** false once `store verify --repair` could not fetch a damaged file again (not served). */
  complete: boolean;
  /** Folder of unpacked bootloader files (bootloaders only). */
  unpackDir: string | null;
  /** The source that supplied this version, as named at sync time (null if stored before that was recorded). */
  source: { name: string | null; url: string | null };
  files: StoredFile[];
}

/** StoredResource is a Resource as stored: its row id and its published versions, newest first. */
export interface StoredResource extends Resource {
  id: number;
  versions: StoredVersion[];
}

/** SyncRunStatus is the state of one sync run. */
export type SyncRunStatus = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/**
 * Sync planning: which product versions to fetch. Images follow the selections (every subarch and
 * kflavor of os/release/arch, release by codename or number); bootloaders are always taken. For
 * each image the first source that lists it wins (MAAS ≤3.7 `boot_merge`), and the version is the
 * newest complete one by plain string order; the older complete ones are kept in order as
 * fallbacks for when the mirror lacks a file of the newest (`fallbackVersion`).
 */
import type { RegionStore } from '../store/region-store';
import type {
  CatalogItem,
  CatalogProduct,
  CatalogVersion,
  ResourceKey,
  SelectionRecord,
  SourceRecord,
} from '../store/types';
import type { SourceCatalog } from './catalog';
import { completeVersions, filesToFetch } from './streams';

/** PlannedVersion is one product version to store, with where its files come from. */
export interface PlannedVersion {
  key: ResourceKey;
  product: CatalogProduct;
  version: CatalogVersion;
  files: CatalogItem[];
  base: string;
  source: SourceRecord;
  /** True when the store already has it (nothing to fetch, kept from pruning). */
  stored: boolean;
  /** Older complete versions of the same product, newest first. */
  older: CatalogVersion[];
  /** sha256 of the signed product file that lists it (kept with the version for mirroring). */
  document: string | undefined;
}

/** SyncPlan is the versions to store plus warnings for a person. */
export interface SyncPlan {
  versions: PlannedVersion[];
  warnings: { message: string; code: string }[];
  /** codename → number (`jammy` → `22.04`) from the catalogs, to match selections by number. */
  releaseNumbers: Map<string, string>;
}

/** imageName is `os/release/arch/subarch` for images, `os/type/arch` for bootloaders. */
export function imageName(
  k: Pick<ResourceKey, 'kind' | 'os' | 'release' | 'arch' | 'subarch'>,
): string {
  return k.kind === 'image'
    ? `${k.os}/${k.release}/${k.arch}/${k.subarch}`
    : `${k.os}/${k.release}/${k.arch}`;
}

/** selectionMatches tells whether a selection covers an image product or resource. */
export function selectionMatches(
  s: Omit<SelectionRecord, 'id'>,
  p: { os: string; release: string; arch: string },
  releaseNumbers: ReadonlyMap<string, string>,
): boolean {
  return (
    s.os === p.os &&
    s.arch === p.arch &&
    (s.release === p.release || s.release === releaseNumbers.get(p.release))
  );
}

/**
 * fallbackVersion is the next older complete version of a planned one, or undefined when there
 * is none left.
 */
export function fallbackVersion(v: PlannedVersion, store: RegionStore): PlannedVersion | undefined {
  const [version, ...older] = v.older;
  if (version === undefined) return undefined;
  return {
    ...v,
    version,
    files: filesToFetch(v.product, version),
    stored: store.hasVersion(v.key, version.version),
    older,
  };
}

/** planSync decides what to fetch from verified catalogs, selections and what is stored. */
export function planSync(
  catalogs: readonly SourceCatalog[],
  selections: readonly SelectionRecord[],
  store: RegionStore,
): SyncPlan {
  const releaseNumbers = new Map<string, string>();
  for (const c of catalogs) {
    for (const p of c.products) {
      if (p.kind === 'image' && p.releaseVersion !== '')
        releaseNumbers.set(p.release, p.releaseVersion);
    }
  }
  const claimed = new Set<string>();
  const matched = new Set<number>();
  const versions: PlannedVersion[] = [];
  const warnings: SyncPlan['warnings'] = [];
  for (const cat of catalogs) {
    for (const product of cat.products) {
      if (product.kind === 'image') {
        const sel = selections.filter((s) => selectionMatches(s, product, releaseNumbers));
        if (sel.length === 0) continue;
        for (const s of sel) matched.add(s.id);
      }
      const key: ResourceKey = {
        kind: product.kind,
        os: product.os,
        release: product.release,
        arch: product.arch,
        subarch: product.subarch,
        kflavor: product.kflavor,
        label: product.label,
        bootloaderType: product.bootloaderType,
        product: product.name,
        sourceUrl: cat.source.url,
        sourceName: cat.source.name,
      };
      const name = imageName(key);
      if (claimed.has(name)) continue;
      claimed.add(name);
      const [version, ...older] = completeVersions(product);
      if (version === undefined) {
        warnings.push({
          message: `Source "${cat.source.name}" lists ${name} but no complete version of it (kernel, initrd, squashfs and manifest, or a bootloader archive); it is skipped.`,
          code: 'no-complete-version',
        });
        continue;
      }
      versions.push({
        key,
        product,
        version,
        files: filesToFetch(product, version),
        base: cat.base,
        source: cat.source,
        stored: store.hasVersion(key, version.version),
        older,
        document: cat.documentOf.get(product.name),
      });
    }
  }
  for (const s of selections) {
    if (!matched.has(s.id)) {
      warnings.push({
        message: `No source offers ${s.os}/${s.release}/${s.arch}; run "labboot catalog" to see what the sources offer.`,
        code: 'selection-unmatched',
      });
    }
  }
  return { versions, warnings, releaseNumbers };
}

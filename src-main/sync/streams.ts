/**
 * Simplestreams parsing (spec §a, §c): `index:1.0` and `products:1.0` documents into accepted
 * catalog products. Attributes are flattened top → product → version → item like python-
 * simplestreams' `products_exdata`; product acceptance follows MAAS (`:v2:`/`:v3:` images and the
 * supported `:1:` bootloaders); the kflavor is folded into ga-/hwe- subarches so lowlatency never
 * overwrites generic. Every name a stream gives that later names something on disk or in the store
 * (product, version, item names and identity fields) must be a plain name: a stream with one that
 * is not is refused whole, naming the field.
 */
import type { CatalogItem, CatalogProduct, CatalogVersion } from '../store/types';

/** StreamFormatError says what is wrong with a stream document (the caller names source and file). */
export class StreamFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamFormatError';
  }
}

/** IndexEntry is one product file listed by an index. */
export interface IndexEntry {
  contentId: string;
  datatype: string;
  path: string;
  products: string[];
}

type Scalar = string | number;
type Attrs = Record<string, Scalar>;

const limits = { products: 20_000, versions: 1_000, items: 200 } as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalars(o: Record<string, unknown>): Attrs {
  const out: Attrs = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  }
  return out;
}

/** parseJson parses a stream document, naming the problem on failure. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new StreamFormatError(`it is not valid JSON (${(error as Error).message})`);
  }
}

// Plain names: what images.maas.io uses (`20231004.0`, `20240604_01`, `ga-24.04`,
// `com.ubuntu.maas.stable:v3:boot:24.04:amd64:ga-24.04`); never a separator or `..`.
const plainName = /^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$/;
const plainId = /^[A-Za-z0-9][A-Za-z0-9._:+~-]{0,255}$/;

/** isPlainName accepts a version or identity field value (`20250709`, `ga-24.04`, `grub-efi`). */
export function isPlainName(value: string): boolean {
  return plainName.test(value) && !value.includes('..');
}

/** isPlainId accepts a product or item name (`com.ubuntu.maas.stable:1:pxelinux:pxe:i386`). */
export function isPlainId(value: string): boolean {
  return plainId.test(value) && !value.includes('..');
}

function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function requirePlain(value: string, field: string, test: (v: string) => boolean): void {
  if (!test(value)) {
    throw new StreamFormatError(
      `${field} ${quoted(value)} is not a plain name (letters, digits and . _ + ~ - only, no "..")`,
    );
  }
}

/** isSafeMirrorPath accepts only plain relative paths under the mirror root. */
export function isSafeMirrorPath(p: string): boolean {
  if (p === '' || p.length > 1024 || p.startsWith('/') || p.includes('\\') || p.includes('\0')) {
    return false;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return false;
  // URL resolution treats `%2e` as a dot: `%2e%2e` would climb out of the mirror like `..`.
  return p.split('/').every((raw) => {
    const seg = raw.replace(/%2e/gi, '.');
    return seg !== '..' && seg !== '.' && raw !== '';
  });
}

/**
 * resolveInside is the URL of a mirror-relative path, refused when it would leave the mirror root
 * (which matters most for `file:` sources, where it would name any local file).
 */
export function resolveInside(base: string, path: string): string {
  const root = new URL(base).href;
  const url = new URL(path, root).href;
  if (!isSafeMirrorPath(path) || !url.startsWith(root)) {
    throw new StreamFormatError(`names a file outside the mirror (${quoted(path)})`);
  }
  return url;
}

/** parseIndex reads an `index:1.0` document; only product lists (image-ids/-downloads) are kept. */
export function parseIndex(doc: unknown): IndexEntry[] {
  if (!isObject(doc) || doc.format !== 'index:1.0' || !isObject(doc.index)) {
    throw new StreamFormatError('it is not a simplestreams index (format "index:1.0" expected)');
  }
  const out: IndexEntry[] = [];
  for (const [contentId, entry] of Object.entries(doc.index)) {
    if (!isObject(entry)) throw new StreamFormatError(`index entry ${contentId} is not an object`);
    const datatype = typeof entry.datatype === 'string' ? entry.datatype : '';
    if (datatype !== 'image-ids' && datatype !== 'image-downloads') continue;
    if (entry.format !== undefined && entry.format !== 'products:1.0') continue;
    if (typeof entry.path !== 'string' || !isSafeMirrorPath(entry.path)) {
      throw new StreamFormatError(`index entry ${contentId} has no usable relative "path"`);
    }
    const products = Array.isArray(entry.products)
      ? entry.products.filter((p): p is string => typeof p === 'string')
      : [];
    out.push({ contentId, datatype, path: entry.path, products });
  }
  return out;
}

/** Bootloaders MAAS accepts (bootloader-type → os/arch), spec §c and gotcha 12. */
export const supportedBootloaders: readonly { type: string; os: string; arch: string }[] = [
  { type: 'pxe', os: 'pxelinux', arch: 'i386' },
  { type: 'uefi', os: 'grub-efi-signed', arch: 'amd64' },
  { type: 'uefi', os: 'grub-efi', arch: 'arm64' },
  { type: 'open-firmware', os: 'grub-ieee1275', arch: 'ppc64el' },
];

/** Fields that name local resources, folders and boot paths. */
const identityFields = [
  'os',
  'release',
  'version',
  'arch',
  'subarch',
  'kflavor',
  'label',
  'bootloader-type',
] as const;

const imageProductPattern = /:v([23]|3\+platform):/;
const bootloaderProductPattern = /:1:/;

/**
 * foldSubarch puts a non-generic kflavor into ga-/hwe- subarches (`hwe-24.04-lowlatency-edge`).
 * A subarch that already carries the kflavor (some streams write the folded form) stays as it is.
 */
export function foldSubarch(subarch: string, kflavor: string): string {
  if (kflavor === '' || kflavor === 'generic') return subarch;
  if (!subarch.startsWith('ga-') && !subarch.startsWith('hwe-')) return subarch;
  const edge = subarch.endsWith('-edge');
  const base = edge ? subarch.slice(0, -'-edge'.length) : subarch;
  if (base.endsWith(`-${kflavor}`)) return subarch;
  return edge ? `${base}-${kflavor}-edge` : `${base}-${kflavor}`;
}

function str(a: Attrs, key: string): string {
  const v = a[key];
  return v === undefined ? '' : String(v).trim();
}

function parseItem(name: string, raw: unknown, inherited: Attrs, where: string): CatalogItem {
  requirePlain(name, `${where}: item name`, isPlainId);
  if (!isObject(raw)) throw new StreamFormatError(`${where} item ${name} is not an object`);
  const a = { ...inherited, ...scalars(raw) };
  const path = a.path;
  const sha256 = typeof a.sha256 === 'string' ? a.sha256.toLowerCase() : '';
  const size = a.size;
  if (typeof path !== 'string' || !isSafeMirrorPath(path)) {
    throw new StreamFormatError(`${where} item ${name} has an unsafe or missing "path"`);
  }
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new StreamFormatError(`${where} item ${name} has no valid sha256`);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new StreamFormatError(`${where} item ${name} has no valid size`);
  }
  return { name, ftype: str(a, 'ftype') || name, path, sha256, size, attrs: a };
}

/**
 * parseProducts reads a `products:1.0` document and returns the products LabBoot can use
 * (Ubuntu-style images and supported bootloaders); other products are skipped silently, as MAAS
 * does. Any malformed accepted product makes the whole document fail.
 */
export function parseProducts(doc: unknown): CatalogProduct[] {
  if (!isObject(doc) || !isObject(doc.products)) {
    throw new StreamFormatError('it is not a simplestreams product list ("products" missing)');
  }
  if (doc.format !== undefined && doc.format !== 'products:1.0') {
    throw new StreamFormatError(`its format is ${JSON.stringify(doc.format)}, not products:1.0`);
  }
  const top = scalars(doc);
  const contentId = str(top, 'content_id');
  const entries = Object.entries(doc.products);
  if (entries.length > limits.products) throw new StreamFormatError('it lists too many products');
  const out: CatalogProduct[] = [];
  for (const [name, rawProduct] of entries) {
    requirePlain(name, 'product name', isPlainId);
    if (!isObject(rawProduct)) throw new StreamFormatError(`product ${name} is not an object`);
    if (isObject(rawProduct.versions)) {
      for (const version of Object.keys(rawProduct.versions)) {
        requirePlain(version, `product ${name}: version name`, isPlainName);
      }
    }
    const pAttrs = { ...top, ...scalars(rawProduct) };
    const isImage = imageProductPattern.test(name);
    const isBootloader = !isImage && bootloaderProductPattern.test(name);
    if (!isImage && !isBootloader) continue;
    const rawVersions = isObject(rawProduct.versions) ? Object.entries(rawProduct.versions) : [];
    if (rawVersions.length > limits.versions) {
      throw new StreamFormatError(`product ${name} lists too many versions`);
    }
    const versions: CatalogVersion[] = [];
    let identity: Attrs = pAttrs;
    for (const [version, rawVersion] of rawVersions) {
      if (!isObject(rawVersion)) {
        throw new StreamFormatError(`product ${name} version ${version} is not an object`);
      }
      const vAttrs = { ...pAttrs, ...scalars(rawVersion) };
      const rawItems = isObject(rawVersion.items) ? Object.entries(rawVersion.items) : [];
      if (rawItems.length > limits.items) {
        throw new StreamFormatError(`product ${name} version ${version} lists too many items`);
      }
      const where = `product ${name} version ${version}`;
      const items = rawItems.map(([itemName, raw]) => parseItem(itemName, raw, vAttrs, where));
      if (items[0] !== undefined && identity === pAttrs) identity = items[0].attrs;
      versions.push({ version, items });
    }
    // Identity fields may have been condensed to any level; the first item sees all of them.
    const id = identity;
    for (const field of identityFields) {
      const value = str(id, field);
      if (value !== '') requirePlain(value, `product ${name}: field "${field}"`, isPlainName);
    }
    if (isImage) {
      const os = str(id, 'os');
      const release = str(id, 'release');
      const arch = str(id, 'arch');
      const subarch = str(id, 'subarch');
      if (!os || !release || !arch || !subarch) {
        throw new StreamFormatError(`image product ${name} lacks os, release, arch or subarch`);
      }
      const kflavor = str(id, 'kflavor') || 'generic';
      out.push({
        contentId,
        name,
        kind: 'image',
        os,
        release,
        releaseVersion: str(id, 'version'),
        arch,
        subarch: foldSubarch(subarch, kflavor),
        kflavor,
        label: str(id, 'label'),
        bootloaderType: '',
        attrs: pAttrs,
        versions,
      });
    } else {
      const type = str(id, 'bootloader-type');
      const os = str(id, 'os');
      const arch = str(id, 'arch');
      if (!supportedBootloaders.some((b) => b.type === type && b.os === os && b.arch === arch)) {
        continue;
      }
      out.push({
        contentId,
        name,
        kind: 'bootloader',
        os,
        release: type,
        releaseVersion: '',
        arch,
        subarch: 'generic',
        kflavor: '',
        label: str(id, 'label'),
        bootloaderType: type,
        attrs: pAttrs,
        versions,
      });
    }
  }
  return out;
}

/**
 * What MAAS needs of an Ubuntu version (spec §c): kernel, initrd and manifest, plus a root image.
 * MAAS also accepts `root-image.gz` as the root image, but LabBoot boots the squashfs over HTTP,
 * so a version without one cannot be served and is not complete here.
 */
const imageFtypes = ['boot-kernel', 'boot-initrd', 'squashfs', 'manifest'] as const;

/** isCompleteVersion: images need kernel, initrd, squashfs and manifest; bootloaders an archive. */
export function isCompleteVersion(p: CatalogProduct, v: CatalogVersion): boolean {
  const ftypes = new Set(v.items.map((i) => i.ftype));
  return p.kind === 'image'
    ? imageFtypes.every((f) => ftypes.has(f))
    : ftypes.has('archive.tar.xz');
}

/** filesToFetch is the items of a version LabBoot stores (unknown legacy ftypes are skipped). */
export function filesToFetch(p: CatalogProduct, v: CatalogVersion): CatalogItem[] {
  if (p.kind === 'bootloader') return v.items.filter((i) => i.ftype === 'archive.tar.xz');
  const wanted = new Set<string>([...imageFtypes, 'boot-dtb']);
  return v.items.filter((i) => wanted.has(i.ftype));
}

/** completeVersions lists the complete versions, newest first by plain string order (as MAAS). */
export function completeVersions(p: CatalogProduct): CatalogVersion[] {
  return [...p.versions]
    .sort((a, b) => (a.version < b.version ? 1 : a.version > b.version ? -1 : 0))
    .filter((v) => isCompleteVersion(p, v));
}

/** newestCompleteVersion picks the newest version by plain string order that is complete. */
export function newestCompleteVersion(p: CatalogProduct): CatalogVersion | undefined {
  return completeVersions(p)[0];
}

/** mirrorBase is the mirror root of a source URL (spec gotcha 3): strips `streams/v1/<file>`. */
export function mirrorBase(url: string): string {
  const stripped = url.replace(/streams\/v1\/[^/]*\.(s?json)$/, '');
  return stripped.endsWith('/') ? stripped : `${stripped}/`;
}

/** indexPath is the index file a source URL points at (its own file, or the default). */
export function indexPath(url: string, signed: boolean): string {
  const m = /(streams\/v1\/[^/]*\.(s?json))$/.exec(url);
  if (m?.[1] !== undefined) return m[1];
  return signed ? 'streams/v1/index.sjson' : 'streams/v1/index.json';
}

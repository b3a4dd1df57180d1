/**
 * The simplestreams tree LabBoot serves and exports as a mirror, one per source whose metadata a
 * sync kept. Every entry is either a stored signed document (index or product file) or a stored
 * blob, named by its stream path; nothing is ever looked up by joining a path onto the disk.
 *
 * - verbatim: the upstream signed files exactly as verified, so a consumer checks them with the
 *   upstream keyring. They still list what LabBoot does not hold (other releases, older versions),
 *   as a filtered `sstream-mirror` does; `completeVersions` tells what can be fetched whole.
 * - resigned: index and product files rewritten to list exactly the complete versions LabBoot
 *   holds, clearsigned with LabBoot's mirror key; unsigned `.json` twins are served beside them.
 */
import { unwrapUnverified } from '../sync/clearsign';
import { isSafeMirrorPath, mirrorBase, parseJson } from '../sync/streams';
import type { HeldVersion, StreamFileRow } from '../store/stream-store';
import { sha256Hex } from '../store/stream-store';
import type { MirrorKey } from './mirror-key';
import { clearsignText } from './mirror-key';

/** MirrorMode says whose signature the served metadata carries. */
export type MirrorMode = 'verbatim' | 'resigned';

/** TreeEntry is one file of a served tree. */
export type TreeEntry =
  | { readonly kind: 'document'; readonly bytes: Uint8Array; readonly sha256: string }
  | { readonly kind: 'blob'; readonly sha256: string; readonly size: number };

/** StreamTree is the tree of one stream: stream path → entry. */
export interface StreamTree {
  /** The name in `/maas/images/ephemeral-v3/<name>/`. */
  readonly name: string;
  readonly sourceUrl: string;
  readonly sourceName: string;
  readonly mode: MirrorMode;
  readonly entries: ReadonlyMap<string, TreeEntry>;
  /** Every version the metadata lists, and whether the tree has all its files. */
  readonly versions: readonly ListedVersion[];
}

/** ListedVersion is one product version the served metadata lists. */
export interface ListedVersion {
  readonly product: string;
  readonly version: string;
  /** True when every file it lists is in the tree with the listed sha256. */
  readonly complete: boolean;
  readonly files: number;
  readonly bytes: number;
}

/** MirrorInput is what the trees are built from (read from the store). */
export interface MirrorInput {
  /** The sources in effect, in order (the first one is the primary stream). */
  readonly sources: readonly { readonly name: string; readonly url: string }[];
  readonly files: readonly StreamFileRow[];
  readonly held: readonly HeldVersion[];
  readonly document: (sha256: string) => Uint8Array | undefined;
  /** Limits the images in the tree (bootloaders always stay); undefined = all. */
  readonly includeImage?: (v: HeldVersion) => boolean;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const plainStream = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** streamNameOf is a source's name in URLs: the last folder of its URL (`stable`), else its name. */
export function streamNameOf(source: { name: string; url: string }): string {
  const path = new URL(mirrorBase(source.url)).pathname.split('/').filter((s) => s !== '');
  const last = decodeURIComponent(path[path.length - 1] ?? '');
  if (plainStream.test(last) && !last.includes('..')) return last;
  const fromName = source.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return fromName === '' ? 'stream' : fromName.slice(0, 64);
}

/** Parses a stored document (clearsigned or plain) into its JSON. */
async function parseDocument(bytes: Uint8Array): Promise<Json | undefined> {
  try {
    const doc = parseJson(await unwrapUnverified(new TextDecoder().decode(bytes)));
    return isObject(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** DocumentCache parses each stored document once per build. */
class DocumentCache {
  private readonly parsed = new Map<string, Promise<Json | undefined>>();
  constructor(private readonly read: (sha256: string) => Uint8Array | undefined) {}
  get(sha256: string): Promise<Json | undefined> {
    let p = this.parsed.get(sha256);
    if (p === undefined) {
      const bytes = this.read(sha256);
      p = bytes === undefined ? Promise.resolve(undefined) : parseDocument(bytes);
      this.parsed.set(sha256, p);
    }
    return p;
  }
}

function productsOf(doc: Json | undefined): Json {
  return isObject(doc?.products) ? doc.products : {};
}

/** itemsOf lists a version's items as the stream lists them (path and sha256 may be inherited). */
function itemsOf(version: Json, inherited: Json): { path: string; sha256: string; size: number }[] {
  const items = isObject(version.items) ? version.items : {};
  return Object.values(items).flatMap((raw) => {
    if (!isObject(raw)) return [];
    const a = { ...inherited, ...version, ...raw };
    return typeof a.path === 'string' && typeof a.sha256 === 'string'
      ? [{ path: a.path, sha256: a.sha256.toLowerCase(), size: Number(a.size) || 0 }]
      : [];
  });
}

function scalarsOf(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out;
}

/** listVersions says, for every version the product documents list, whether the tree has it whole. */
function listVersions(
  docs: readonly (Json | undefined)[],
  entries: ReadonlyMap<string, TreeEntry>,
): ListedVersion[] {
  const out: ListedVersion[] = [];
  for (const doc of docs) {
    if (doc === undefined) continue;
    const top = scalarsOf(doc);
    for (const [product, rawProduct] of Object.entries(productsOf(doc))) {
      if (!isObject(rawProduct) || !isObject(rawProduct.versions)) continue;
      const inherited = { ...top, ...scalarsOf(rawProduct) };
      for (const [version, rawVersion] of Object.entries(rawProduct.versions)) {
        if (!isObject(rawVersion)) continue;
        const items = itemsOf(rawVersion, inherited);
        const complete =
          items.length > 0 &&
          items.every((i) => {
            const e = entries.get(i.path);
            return e?.kind === 'blob' && e.sha256 === i.sha256;
          });
        out.push({
          product,
          version,
          complete,
          files: items.length,
          bytes: items.reduce((n, i) => n + i.size, 0),
        });
      }
    }
  }
  return out.sort((a, b) =>
    a.product === b.product
      ? b.version.localeCompare(a.version)
      : a.product.localeCompare(b.product),
  );
}

function heldOf(input: MirrorInput, sourceUrl: string): HeldVersion[] {
  return input.held.filter(
    (v) =>
      v.sourceUrl === sourceUrl &&
      (v.kind === 'bootloader' || input.includeImage === undefined || input.includeImage(v)),
  );
}

function blobEntries(held: readonly HeldVersion[]): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  for (const v of held) {
    for (const f of v.files) {
      if (isSafeMirrorPath(f.path))
        entries.set(f.path, { kind: 'blob', sha256: f.sha256, size: f.size });
    }
  }
  return entries;
}

function documentEntry(bytes: Uint8Array): TreeEntry {
  return { kind: 'document', bytes, sha256: sha256Hex(bytes) };
}

/** The sources with stored metadata, in order, each with its unique stream name. */
function namedSources(
  input: MirrorInput,
): { name: string; source: { name: string; url: string }; rows: StreamFileRow[] }[] {
  const used = new Set<string>();
  const out = [];
  for (const source of input.sources) {
    const rows = input.files.filter((f) => f.sourceUrl === source.url);
    if (rows.length === 0) continue;
    const base = streamNameOf(source);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);
    out.push({ name, source, rows });
  }
  return out;
}

/** buildVerbatimTrees serves each source's upstream signed files as verified, with its blobs. */
export async function buildVerbatimTrees(input: MirrorInput): Promise<StreamTree[]> {
  const trees: StreamTree[] = [];
  const cache = new DocumentCache(input.document);
  for (const { name, source, rows } of namedSources(input)) {
    const signed = rows.filter((r) => r.verified);
    if (signed.length === 0) continue;
    const entries = blobEntries(heldOf(input, source.url));
    for (const r of signed) {
      const bytes = input.document(r.sha256);
      if (bytes !== undefined) entries.set(r.path, documentEntry(bytes));
    }
    const docs = await Promise.all(
      signed.filter((r) => r.contentId !== '').map((r) => cache.get(r.sha256)),
    );
    trees.push({
      name,
      sourceUrl: source.url,
      sourceName: source.name,
      mode: 'verbatim',
      entries,
      versions: listVersions(docs, entries),
    });
  }
  return trees;
}

interface OutDoc {
  path: string;
  top: Json;
  products: Map<string, { attrs: Json; versions: Map<string, Json> }>;
}

/**
 * buildResignedTrees rewrites each source's metadata to list exactly the complete versions LabBoot
 * holds (with the items it holds) and clearsigns it with the mirror key.
 */
export async function buildResignedTrees(
  input: MirrorInput,
  key: MirrorKey,
): Promise<StreamTree[]> {
  const trees: StreamTree[] = [];
  const cache = new DocumentCache(input.document);
  for (const { name, source, rows: all } of namedSources(input)) {
    // Never put LabBoot's signature on metadata nobody checked (a source added with --no-verify).
    const rows = all.filter((r) => r.verified);
    if (rows.length === 0) continue;
    const indexRow = rows.find((r) => r.contentId === '');
    const index = indexRow === undefined ? undefined : await cache.get(indexRow.sha256);
    const indexEntries = isObject(index?.index) ? index.index : {};
    const productRows = rows.filter((r) => r.contentId !== '');
    const snapshot = await Promise.all(
      productRows.map(async (r) => ({ row: r, doc: await cache.get(r.sha256) })),
    );
    const held = heldOf(input, source.url);
    const out = new Map<string, OutDoc>();
    const kept: HeldVersion[] = [];
    for (const v of held) {
      // The product file that described the version; for versions stored before LabBoot kept
      // that, the newest tree's file when it still lists the version.
      let doc = v.document === null ? undefined : await cache.get(v.document);
      const listed = (d: Json | undefined): boolean => {
        const p = productsOf(d)[v.product];
        return isObject(p) && isObject(p.versions) && isObject(p.versions[v.version]);
      };
      if (!listed(doc)) doc = snapshot.find((s) => listed(s.doc))?.doc;
      if (doc === undefined || !listed(doc)) continue;
      const contentId = typeof doc.content_id === 'string' ? doc.content_id : '';
      const entry = indexEntries[contentId];
      const upstreamPath = isObject(entry) && typeof entry.path === 'string' ? entry.path : '';
      const path = isSafeMirrorPath(upstreamPath)
        ? upstreamPath.replace(/\.json$/, '.sjson')
        : `streams/v1/${contentId}.sjson`;
      if (contentId === '' || !isSafeMirrorPath(path)) continue;
      let o = out.get(contentId);
      if (o === undefined) {
        const { products: _, ...top } = doc;
        o = { path, top, products: new Map() };
        out.set(contentId, o);
      }
      const rawProduct = productsOf(doc)[v.product] as Json & { versions: Json };
      // Product fields from the newest tree when it still lists the product.
      const newest = snapshot.find((s) => isObject(productsOf(s.doc)[v.product]))?.doc;
      const { versions: _v, ...attrs } = (productsOf(newest)[v.product] ?? rawProduct) as Json;
      let p = o.products.get(v.product);
      if (p === undefined) {
        p = { attrs, versions: new Map() };
        o.products.set(v.product, p);
      }
      const rawVersion = rawProduct.versions[v.version] as Json;
      const names = new Set(v.files.map((f) => f.name));
      const items = isObject(rawVersion.items) ? rawVersion.items : {};
      p.versions.set(v.version, {
        ...rawVersion,
        items: Object.fromEntries(Object.entries(items).filter(([n]) => names.has(n))),
      });
      kept.push(v);
    }
    const entries = blobEntries(kept);
    const indexOut: Json = {};
    const indexPlain: Json = {};
    const docs: Json[] = [];
    for (const [contentId, o] of out) {
      const doc: Json = {
        ...o.top,
        products: Object.fromEntries(
          [...o.products].map(([n, p]) => [
            n,
            { ...p.attrs, versions: Object.fromEntries(p.versions) },
          ]),
        ),
      };
      docs.push(doc);
      const text = `${JSON.stringify(doc, null, 1)}\n`;
      const plainPath = o.path.replace(/\.sjson$/, '.json');
      entries.set(o.path, documentEntry(new TextEncoder().encode(await clearsignText(text, key))));
      entries.set(plainPath, documentEntry(new TextEncoder().encode(text)));
      const upstream = indexEntries[contentId];
      const fields = {
        ...(isObject(upstream) ? scalarsOf(upstream) : {}),
        datatype:
          isObject(upstream) && typeof upstream.datatype === 'string'
            ? upstream.datatype
            : typeof o.top.datatype === 'string'
              ? o.top.datatype
              : 'image-ids',
        format: 'products:1.0',
        products: [...o.products.keys()].sort(),
      };
      indexOut[contentId] = { ...fields, path: o.path };
      indexPlain[contentId] = { ...fields, path: plainPath };
    }
    const updated = typeof index?.updated === 'string' ? index.updated : new Date().toUTCString();
    const signedIndex = `${JSON.stringify({ format: 'index:1.0', index: indexOut, updated }, null, 1)}\n`;
    const plainIndex = `${JSON.stringify({ format: 'index:1.0', index: indexPlain, updated }, null, 1)}\n`;
    entries.set(
      'streams/v1/index.sjson',
      documentEntry(new TextEncoder().encode(await clearsignText(signedIndex, key))),
    );
    entries.set('streams/v1/index.json', documentEntry(new TextEncoder().encode(plainIndex)));
    trees.push({
      name,
      sourceUrl: source.url,
      sourceName: source.name,
      mode: 'resigned',
      entries,
      versions: listVersions(docs, entries),
    });
  }
  return trees;
}

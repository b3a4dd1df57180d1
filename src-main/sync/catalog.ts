/**
 * Catalog fetch: a source's index and every product file it lists, each signature verified with
 * the source's keyring before a byte of it is trusted. Failures become one UserError sentence that
 * names the source, the file and what to do; nothing in the store changes on failure.
 */
import type { Key } from 'openpgp';
import { UserError } from '../../src-shared/errors';
import { sha256Hex, type StreamFileInput } from '../store/stream-store';
import type { CatalogProduct, SourceRecord } from '../store/types';
import { SignatureError, unwrapUnverified, verifyClearsigned } from './clearsign';
import { describeHttpError, fetchBytes, type RetryPolicy } from './http';
import { parseKeyring, resolveDefaultKeyring } from './keyring';
import type { StreamFormatError } from './streams';
import {
  indexPath,
  mirrorBase,
  parseIndex,
  parseJson,
  parseProducts,
  resolveInside,
} from './streams';

/** CatalogOptions carries the data folder (for the keyring cache), cancellation and retries. */
export interface CatalogOptions {
  dataDir: string;
  signal?: AbortSignal;
  retry?: RetryPolicy;
  /** Overrides for the default keyring lookup (tests). */
  hostKeyringPath?: string;
  keyserver?: string;
}

/** SourceCatalog is what one source offers, verified. */
export interface SourceCatalog {
  source: SourceRecord;
  base: string;
  products: CatalogProduct[];
  /** True when the source was added with verification off. */
  unverified: boolean;
  /** The index and product files exactly as fetched (and verified), to keep for mirroring. */
  documents: StreamFileInput[];
  /** Product name → sha256 of the product file that lists it. */
  documentOf: ReadonlyMap<string, string>;
}

/** sourceLabel names a source in messages: `"name" (url)`. */
export function sourceLabel(source: Pick<SourceRecord, 'name' | 'url'>): string {
  return `"${source.name}" (${source.url})`;
}

/** sourceKeys returns the keys that verify a source, or null when verification is off. */
export async function sourceKeys(
  source: SourceRecord,
  opts: CatalogOptions,
): Promise<Key[] | null> {
  if (source.keyringKind === 'none') return null;
  if (source.keyringKind === 'custom') {
    if (source.keyring === null) throw new Error(`source ${source.id} has no keyring bytes`);
    return (await parseKeyring(source.keyring, `stored for source ${sourceLabel(source)}`)).keys;
  }
  return (
    await resolveDefaultKeyring({
      dataDir: opts.dataDir,
      hostPath: opts.hostKeyringPath,
      keyserver: opts.keyserver,
      signal: opts.signal,
    })
  ).keys;
}

/** readStreamFile fetches one metadata file, verifies it and parses its JSON. */
async function readStreamFile(
  source: SourceRecord,
  base: string,
  path: string,
  keys: Key[] | null,
  opts: CatalogOptions,
): Promise<{ doc: unknown; bytes: Uint8Array }> {
  let url: string;
  try {
    url = resolveInside(base, path);
  } catch (error) {
    throw new UserError(
      `Source ${sourceLabel(source)}: ${path} ${(error as Error).message}; check the mirror.`,
      'bad-stream',
    );
  }
  const fail = (why: string, todo: string, code: string): never => {
    throw new UserError(`Source ${sourceLabel(source)}: ${path} ${why}; ${todo}.`, code);
  };
  let bytes: Uint8Array;
  try {
    bytes = await fetchBytes(url, {
      signal: opts.signal,
      attempts: opts.retry?.attempts,
      baseDelayMs: opts.retry?.baseDelayMs,
      maxBytes: 128 * 1024 * 1024,
    });
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    return fail(
      `could not be fetched (${describeHttpError(error)})`,
      'check the source URL and the network; previously synced images are unchanged',
      'source-unreachable',
    );
  }
  const text = new TextDecoder('utf-8').decode(bytes);
  let body: string;
  try {
    if (keys === null) body = await unwrapUnverified(text);
    else body = await verifyClearsigned(text, keys);
  } catch (error) {
    if (error instanceof SignatureError) {
      const todo =
        error.kind === 'missing'
          ? 'point the source at a signed mirror (index.sjson), or re-add it with --no-verify only if you trust it'
          : error.kind === 'unknown-key'
            ? 'pass the keyring that signs this mirror with --keyring'
            : 'the file may have been tampered with; check the mirror and its keyring (previously synced images are unchanged)';
      return fail(`was refused: ${error.message}`, todo, 'bad-signature');
    }
    return fail(
      `has a malformed signature block (${(error as Error).message.split('\n')[0]})`,
      'check the mirror; previously synced images are unchanged',
      'bad-signature',
    );
  }
  try {
    return { doc: parseJson(body), bytes };
  } catch (error) {
    return fail(
      `is not usable: ${(error as Error).message}`,
      'check the mirror; previously synced images are unchanged',
      'bad-stream',
    );
  }
}

/** fetchCatalog reads and verifies a source's index and product files. */
export async function fetchCatalog(
  source: SourceRecord,
  opts: CatalogOptions,
): Promise<SourceCatalog> {
  const keys = await sourceKeys(source, opts);
  const base = mirrorBase(source.url);
  const idxPath = indexPath(source.url, keys !== null);
  const index = await readStreamFile(source, base, idxPath, keys, opts);
  const documents: StreamFileInput[] = [
    { path: idxPath, contentId: '', bytes: index.bytes, verified: keys !== null },
  ];
  const documentOf = new Map<string, string>();
  let entries;
  try {
    entries = parseIndex(index.doc);
  } catch (error) {
    throw new UserError(
      `Source ${sourceLabel(source)}: ${idxPath} is not usable: ${(error as StreamFormatError).message}; check the source URL points at a simplestreams mirror.`,
      'bad-stream',
    );
  }
  const products: CatalogProduct[] = [];
  for (const entry of entries) {
    if (keys !== null && !entry.path.endsWith('.sjson')) {
      throw new UserError(
        `Source ${sourceLabel(source)}: the signed index lists the unsigned product file ${entry.path}; the mirror must publish signed .sjson product files (or re-add the source with --no-verify only if you trust it).`,
        'bad-signature',
      );
    }
    const file = await readStreamFile(source, base, entry.path, keys, opts);
    documents.push({
      path: entry.path,
      contentId: entry.contentId,
      bytes: file.bytes,
      verified: keys !== null,
    });
    try {
      const parsed = parseProducts(file.doc);
      const sha = sha256Hex(file.bytes);
      for (const p of parsed) documentOf.set(p.name, sha);
      products.push(...parsed);
    } catch (error) {
      throw new UserError(
        `Source ${sourceLabel(source)}: ${entry.path} is not usable: ${(error as StreamFormatError).message}; check the mirror, previously synced images are unchanged.`,
        'bad-stream',
      );
    }
  }
  return { source, base, products, unverified: keys === null, documents, documentOf };
}

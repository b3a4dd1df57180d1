/**
 * SourcesService manages boot sources, selections and the verified catalog. While no source is
 * configured the built-in default (images.maas.io stable with the pinned Ubuntu keyring) is used,
 * as MAAS creates it when none exists; adding a source replaces it.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Database } from '../store/database';
import { isUserError, UserError } from '../../src-shared/errors';
import {
  multipleSourcesBanner,
  type BootSource,
  type CatalogProductView,
  type MultiSourceWarning,
} from '../../src-shared/contract/sources';
import { BlobStore } from '../store/blob-store';
import { RegionStore } from '../store/region-store';
import type { CatalogProduct, SelectionRecord, SourceRecord } from '../store/types';
import { fetchCatalog, type CatalogOptions, type SourceCatalog } from './catalog';
import { defaultSourceName, defaultSourceUrl, parseKeyring, ubuntuCloudImagePins } from './keyring';
import { filesToFetch, newestCompleteVersion } from './streams';

/** builtinDefaultSource is used while the store has no source (id 0 is never a real row). */
export const builtinDefaultSource: SourceRecord = {
  id: 0,
  name: defaultSourceName,
  url: defaultSourceUrl,
  keyringKind: 'default',
  keyring: null,
  fingerprints: [...ubuntuCloudImagePins],
  createdAt: '1970-01-01T00:00:00.000Z',
};

/** SourceFailure is a source whose catalog could not be read, with the sentence saying why. */
export interface SourceFailure {
  source: SourceRecord;
  error: UserError;
}

/** CatalogReadResult is what the good sources offer and which sources failed. */
export interface CatalogReadResult {
  catalogs: SourceCatalog[];
  failures: SourceFailure[];
}

/** toBootSourceView shapes a source for the contract and `sources list --json`. */
export function toBootSourceView(s: SourceRecord): BootSource {
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    keyring: { kind: s.keyringKind, fingerprints: s.fingerprints },
    verified: s.keyringKind !== 'none',
    builtin: s.id === 0,
  };
}

/** MAAS's image streams (spec §h): candidate gets every build, stable what MAAS tested. */
export const maasStreams = ['stable', 'candidate'] as const;
export type MaasStream = (typeof maasStreams)[number];

/** maasStreamUrl is the images.maas.io URL of a stream. */
export function maasStreamUrl(stream: MaasStream): string {
  return defaultSourceUrl.replace(/stable\/$/, `${stream}/`);
}

/** maasStreamOf names the images.maas.io stream a source URL is (http or https), or null. */
export function maasStreamOf(url: string): MaasStream | null {
  const m = /^https?:\/\/images\.maas\.io\/ephemeral-v3\/([a-z]+)\/?$/.exec(url);
  return maasStreams.find((s) => s === m?.[1]) ?? null;
}

/**
 * streamUrl applies `--stream`: alone it names the images.maas.io stream; with a URL, that URL is
 * the folder holding the streams (`…/ephemeral-v3/`) and the stream is appended.
 */
function streamUrl(url: string | undefined, stream: string | undefined): string {
  if (stream === undefined) {
    if (url === undefined || url === '') {
      throw new UserError(
        'A source needs a URL or folder, or --stream stable|candidate for images.maas.io.',
        'bad-url',
      );
    }
    return url;
  }
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(stream)) {
    throw new UserError(
      `"${stream}" is not a stream name; MAAS publishes stable and candidate.`,
      'bad-stream-name',
    );
  }
  if (url === undefined || url === '') {
    const known = maasStreams.find((s) => s === stream);
    if (known === undefined) {
      throw new UserError(
        `images.maas.io has no stream "${stream}"; choose stable or candidate, or give the URL of a mirror that has it.`,
        'bad-stream-name',
      );
    }
    return maasStreamUrl(known);
  }
  const folder = url.endsWith('/') ? url : `${url}/`;
  return folder.endsWith(`/${stream}/`) ? folder : `${folder}${stream}/`;
}

/** AddSourceInput is what a front door passes to add a source. */
export interface AddSourceInput {
  /** Mirror root URL or local folder; may be omitted with `stream` (images.maas.io). */
  url?: string;
  /** A stream name (`candidate`) appended to `url`, or alone the images.maas.io stream. */
  stream?: string;
  name?: string;
  /** OpenPGP keys (binary or armored); omitted = the default Ubuntu cloud-image keyring. */
  keyring?: Uint8Array;
  /** Where the keyring came from, for messages. */
  keyringLabel?: string;
  verify: boolean;
}

/** ResolvedSelection is one `select` argument and the image it names. */
export interface ResolvedSelection {
  /** As the person wrote it. */
  spec: string;
  image: Omit<SelectionRecord, 'id'>;
  /** True when the release was matched against a fetched catalog. */
  canonical: boolean;
}

/** parseSelectionSpec reads `OS/RELEASE/ARCH`. */
export function parseSelectionSpec(spec: string): Omit<SelectionRecord, 'id'> {
  const parts = spec.split('/');
  if (parts.length !== 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new UserError(
      `"${spec}" is not an image selection; write OS/RELEASE/ARCH, e.g. ubuntu/jammy/amd64 or ubuntu/22.04/amd64.`,
      'bad-selection',
    );
  }
  const [os = '', release = '', arch = ''] = parts;
  return { os: os.toLowerCase(), release: release.toLowerCase(), arch: arch.toLowerCase() };
}

function normaliseUrl(raw: string): string {
  let u: URL;
  try {
    // A plain absolute path is a local mirror folder (a USB drive, an export).
    u = isAbsolute(raw) ? pathToFileURL(raw) : new URL(raw);
  } catch {
    throw new UserError(
      `"${raw}" is not a URL; give the mirror root, e.g. https://images.maas.io/ephemeral-v3/stable/.`,
      'bad-url',
    );
  }
  if (u.protocol === 'file:') {
    const folder = fileURLToPath(u)
      .replace(/[/\\]streams[/\\]v1[/\\][^/\\]*\.s?json$/, '')
      .replace(/(.)[/\\]+$/, '$1');
    if (statSync(folder, { throwIfNoEntry: false })?.isDirectory() !== true) {
      throw new UserError(
        `The local mirror folder ${folder} does not exist or is not a folder; give the folder that holds streams/v1/ (the drive must be mounted).`,
        'bad-url',
      );
    }
  } else if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UserError(
      `The source URL ${raw} uses ${u.protocol}; LabBoot fetches images over http or https, or from a local folder (file:// URL or absolute path).`,
      'bad-url',
    );
  }
  const s = u.toString();
  return /\.s?json$/.test(s) || s.endsWith('/') ? s : `${s}/`;
}

/** newestOffer is the version a sync would take and the bytes it would fetch for it. */
function newestOffer(p: CatalogProduct): {
  newestComplete: string | null;
  newestCompleteBytes: number | null;
} {
  const v = newestCompleteVersion(p);
  if (v === undefined) return { newestComplete: null, newestCompleteBytes: null };
  return {
    newestComplete: v.version,
    newestCompleteBytes: filesToFetch(p, v).reduce((n, f) => n + f.size, 0),
  };
}

/** SourcesService is the door to sources, selections and catalogs. */
export class SourcesService {
  readonly store: RegionStore;

  constructor(
    db: Database,
    private readonly dataDir: string,
    private readonly catalogOptions: Omit<CatalogOptions, 'dataDir' | 'signal'> = {},
  ) {
    this.store = new RegionStore(db, new BlobStore(dataDir));
  }

  /** effectiveSources is what catalog and sync consult, in order. */
  effectiveSources(): SourceRecord[] {
    const configured = this.store.listSources();
    return configured.length > 0 ? configured : [builtinDefaultSource];
  }

  /** warning is MAAS's multi-source banner when more than one source is configured. */
  warning(): MultiSourceWarning | null {
    const configured = this.store.listSources();
    return configured.length > 1
      ? { text: multipleSourcesBanner, sources: configured.map((s) => s.name) }
      : null;
  }

  /** unverifiedSources names sources added with verification off. */
  unverifiedSources(): string[] {
    return this.effectiveSources()
      .filter((s) => s.keyringKind === 'none')
      .map((s) => s.name);
  }

  /**
   * defaultStream is the images.maas.io stream in effect (the first such source), or null when
   * only other mirrors are configured.
   */
  defaultStream(): MaasStream | null {
    for (const s of this.effectiveSources()) {
      const stream = maasStreamOf(s.url);
      if (stream !== null) return stream;
    }
    return null;
  }

  /**
   * useDefaultStream switches the images.maas.io source between MAAS's stable and candidate
   * streams, with the pinned Ubuntu keyring; other sources and their order stay as they are.
   * With nothing else configured, stable is the built-in default again.
   */
  async useDefaultStream(stream: MaasStream): Promise<SourceRecord[]> {
    const configured = this.store.listSources();
    for (const s of configured) {
      const current = maasStreamOf(s.url);
      if (current !== null && current !== stream) this.store.removeSource(String(s.id));
    }
    const rest = this.store.listSources();
    const has = rest.some((s) => maasStreamOf(s.url) === stream);
    if (!has && !(stream === 'stable' && rest.length === 0)) {
      await this.add({ url: maasStreamUrl(stream), name: `maas-${stream}`, verify: true });
    }
    return this.effectiveSources();
  }

  async add(input: AddSourceInput): Promise<SourceRecord> {
    const url = normaliseUrl(streamUrl(input.url, input.stream));
    const mapped = maasStreamOf(url);
    const name =
      input.name?.trim() ||
      (mapped !== null && input.stream !== undefined
        ? `maas-${mapped}`
        : new URL(url).host + new URL(url).pathname.replace(/\/$/, ''));
    if (!input.verify) {
      if (input.keyring !== undefined) {
        throw new UserError(
          'A keyring and --no-verify were both given; drop --no-verify to check signatures with that keyring.',
          'bad-source',
        );
      }
      return this.store.addSource({
        name,
        url,
        keyringKind: 'none',
        keyring: null,
        fingerprints: [],
      });
    }
    if (input.keyring === undefined) {
      return this.store.addSource({
        name,
        url,
        keyringKind: 'default',
        keyring: null,
        fingerprints: [...ubuntuCloudImagePins],
      });
    }
    const ring = await parseKeyring(input.keyring, input.keyringLabel ?? 'given');
    return this.store.addSource({
      name,
      url,
      keyringKind: 'custom',
      keyring: ring.binary,
      fingerprints: ring.fingerprints,
    });
  }

  /** readKeyringFile loads a keyring file for `add`, with a clear message when it is unreadable. */
  static async readKeyringFile(path: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      throw new UserError(
        `Cannot read the keyring file ${path} (${(error as { code?: string }).code ?? 'error'}); check the path.`,
        'bad-keyring',
      );
    }
  }

  remove(idOrName: string): SourceRecord {
    return this.store.removeSource(idOrName);
  }

  selections(): SelectionRecord[] {
    return this.store.listSelections();
  }

  /**
   * resolveSelections reads each OS/RELEASE/ARCH and names it as the cached catalog does
   * (`ubuntu/22.04/amd64` → `ubuntu/jammy/amd64`); without a fetched catalog it stays as written.
   */
  resolveSelections(specs: readonly string[]): ResolvedSelection[] {
    return specs.map((spec) => {
      const written = parseSelectionSpec(spec);
      const release = this.store.catalogRelease(written.os, written.release, written.arch);
      return {
        spec,
        image: { ...written, release: release ?? written.release },
        canonical: release !== undefined,
      };
    });
  }

  /**
   * select adds selections under their canonical names when the catalog is known, replacing the
   * same image selected by number before the catalog was fetched (no duplicate selections).
   */
  select(specs: readonly string[]): SelectionRecord[] {
    const add = this.resolveSelections(specs).map((r) => r.image);
    const stale = this.store
      .listSelections()
      .filter((s) =>
        add.some(
          (a) =>
            a.os === s.os &&
            a.arch === s.arch &&
            a.release !== s.release &&
            this.store.catalogRelease(s.os, s.release, s.arch) === a.release,
        ),
      );
    return this.store.replaceSelections(stale, add);
  }

  /** unselect removes selections written either way (a number selected before the catalog was known). */
  unselect(specs: readonly string[]): SelectionRecord[] {
    const current = this.store.listSelections();
    const has = (s: Omit<SelectionRecord, 'id'>): boolean =>
      current.some((c) => c.os === s.os && c.release === s.release && c.arch === s.arch);
    return this.store.removeSelections(
      specs.map((spec) => {
        const written = parseSelectionSpec(spec);
        const [resolved] = this.resolveSelections([spec]);
        return resolved !== undefined && has(resolved.image) ? resolved.image : written;
      }),
    );
  }

  /**
   * readCatalogs reads every source (verified) and caches what each offers. A source that fails
   * (unreachable, refused signature, malformed stream) is reported in `failures` and the others
   * are still read; cancellation and bugs are thrown.
   */
  async readCatalogs(signal?: AbortSignal): Promise<CatalogReadResult> {
    const catalogs: SourceCatalog[] = [];
    const failures: SourceFailure[] = [];
    for (const source of this.effectiveSources()) {
      let cat: SourceCatalog;
      try {
        cat = await fetchCatalog(source, { ...this.catalogOptions, dataDir: this.dataDir, signal });
      } catch (error) {
        if (signal?.aborted || !isUserError(error)) throw error;
        failures.push({ source, error });
        continue;
      }
      if (source.id !== 0) this.store.replaceCatalog(source.id, cat.products);
      catalogs.push(cat);
    }
    return { catalogs, failures };
  }

  /** catalogView shapes a fetched catalog for the contract. */
  static catalogView(cat: SourceCatalog): CatalogProductView[] {
    return cat.products.map((p) => ({
      name: p.name,
      kind: p.kind,
      os: p.os,
      release: p.release,
      arch: p.arch,
      subarch: p.subarch,
      versions: p.versions
        .map((v) => v.version)
        .sort()
        .reverse(),
      ...newestOffer(p),
      kflavor: p.kflavor,
      subarches: String(p.attrs.subarches ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
      label: p.label,
    }));
  }
}

/**
 * MirrorService is LabBoot as a local image mirror: the simplestreams trees built from the store
 * (verbatim or resigned, see `mirror-tree.ts`), a content resolver that serves them read-only from
 * stored documents and blobs, the status a person needs (what a consumer can fetch completely), the
 * mirror key, and export to a folder. Trees are rebuilt only when the catalogue generation changes
 * (every publish, prune or kept metadata bumps it), so a sync while serving is seen at once.
 */
import { UserError } from '../../src-shared/errors';
import type { MirrorExportEvent, MirrorStatus } from '../../src-shared/contract/mirror';
import { mirrorStreamPath } from '../../src-shared/contract/mirror';
import {
  BootContentError,
  openConfined,
  type BootContent,
  type BootContentResolver,
} from '../boot/boot-files';
import type { BlobStore } from '../store/blob-store';
import type { RegionStore } from '../store/region-store';
import type { SettingsStore } from '../store/settings-store';
import type { HeldVersion } from '../store/stream-store';
import type { SourceRecord } from '../store/types';
import { exportTree, type ExportSummary } from './mirror-export';
import { loadMirrorKey, type MirrorKey } from './mirror-key';
import {
  buildResignedTrees,
  buildVerbatimTrees,
  type MirrorInput,
  type MirrorMode,
  type StreamTree,
} from './mirror-tree';

/** Settings key of the signing mode the boot server's HTTP port serves. */
export const MIRROR_MODE_SETTING = 'mirror.mode';

/** The URL prefix every stream is served under (as MAAS's documented local mirror). */
export const mirrorPrefix = 'maas/images/ephemeral-v3/';

/** MirrorServiceDeps is what the mirror reads. */
export interface MirrorServiceDeps {
  readonly dataDir: string;
  readonly store: RegionStore;
  readonly blobs: BlobStore;
  readonly settings: SettingsStore;
  /** The sources in effect, in order (the first with kept metadata is the primary stream). */
  readonly sources: () => readonly SourceRecord[];
  /** The store's catalogue generation (bumped by every change the trees depend on). */
  readonly generation: () => number;
}

/** ExportRequest is one `mirror export`. */
export interface ExportRequest {
  dir: string;
  mode: MirrorMode;
  /** `OS/RELEASE/ARCH[/SUBARCH]` specs; empty = every image. */
  images: readonly string[];
  onEvent: (e: MirrorExportEvent) => void;
  signal?: AbortSignal;
  freeBytes?: (dir: string) => Promise<number>;
}

/** ResolverOptions say which tree a resolver serves and where. */
export interface ResolverOptions {
  /** The signing mode, read per request (a person may switch it while serving). */
  mode: () => MirrorMode;
  /** Also serve the primary stream at the root (`labboot mirror serve`). */
  root: boolean;
}

function matchesSpec(spec: string, v: HeldVersion): boolean {
  const [os, release, arch, subarch] = spec.split('/');
  return (
    v.os === os &&
    v.release === release &&
    v.arch === arch &&
    (subarch === undefined || v.subarch === subarch)
  );
}

/** MirrorService serves and exports the store as a simplestreams mirror. */
export class MirrorService {
  private keyLoading: Promise<MirrorKey> | undefined;
  private readonly cached = new Map<
    MirrorMode,
    { generation: number; trees: Promise<StreamTree[]> }
  >();

  constructor(private readonly deps: MirrorServiceDeps) {}

  /** mode is the signing mode the boot server's HTTP port serves (verbatim by default). */
  mode(): MirrorMode {
    return this.deps.settings.get<MirrorMode>(MIRROR_MODE_SETTING) === 'resigned'
      ? 'resigned'
      : 'verbatim';
  }

  setMode(mode: MirrorMode): void {
    this.deps.settings.set(MIRROR_MODE_SETTING, mode);
  }

  /** key loads the data folder's mirror key, making it on first use. */
  key(): Promise<MirrorKey> {
    this.keyLoading ??= loadMirrorKey(this.deps.dataDir).catch((error: unknown) => {
      this.keyLoading = undefined;
      throw error;
    });
    return this.keyLoading;
  }

  private input(includeImage?: (v: HeldVersion) => boolean): MirrorInput {
    const streams = this.deps.store.streams;
    return {
      sources: this.deps.sources(),
      files: streams.files(),
      held: streams.heldVersions(),
      document: (sha) => streams.document(sha),
      includeImage,
    };
  }

  /** trees builds (or reuses) the served trees of a mode. */
  trees(mode: MirrorMode): Promise<StreamTree[]> {
    const generation = this.deps.generation();
    const hit = this.cached.get(mode);
    if (hit !== undefined && hit.generation === generation) return hit.trees;
    const trees = this.build(mode, this.input());
    this.cached.set(mode, { generation, trees });
    trees.catch(() => this.cached.delete(mode));
    return trees;
  }

  private async build(mode: MirrorMode, input: MirrorInput): Promise<StreamTree[]> {
    return mode === 'verbatim'
      ? buildVerbatimTrees(input)
      : buildResignedTrees(input, await this.key());
  }

  /** status says what each stream serves and what a consumer can fetch completely. */
  async status(mode: MirrorMode = this.mode()): Promise<Omit<MirrorStatus, 'url'>> {
    const trees = await this.trees(mode);
    const held = this.deps.store.streams.heldVersions();
    const listed = new Set(
      trees.flatMap((t) =>
        t.versions.filter((v) => v.complete).map((v) => `${v.product}@${v.version}`),
      ),
    );
    return {
      mode,
      streams: trees.map((t) => ({
        name: t.name,
        path: mirrorStreamPath(t.name),
        sourceName: t.sourceName,
        sourceUrl: t.sourceUrl,
        complete: t.versions
          .filter((v) => v.complete)
          .map(({ product, version, files, bytes }) => ({ product, version, files, bytes })),
        listedNotHeld: t.versions.filter((v) => !v.complete).length,
      })),
      unlisted: held.filter((v) => !listed.has(`${v.product}@${v.version}`)).length,
    };
  }

  /** resolver serves the trees read-only to the HTTP server. */
  resolver(opts: ResolverOptions): BootContentResolver {
    return { resolve: (name) => this.resolve(name, opts) };
  }

  private async resolve(name: string, opts: ResolverOptions): Promise<BootContent> {
    const trees = await this.trees(opts.mode());
    let tree: StreamTree | undefined;
    let path: string;
    if (name.startsWith(mirrorPrefix)) {
      const rest = name.slice(mirrorPrefix.length);
      const slash = rest.indexOf('/');
      const stream = slash < 0 ? rest : rest.slice(0, slash);
      tree = trees.find((t) => t.name === stream);
      path = slash < 0 ? '' : rest.slice(slash + 1);
    } else if (opts.root) {
      tree = trees[0];
      path = name;
    } else {
      throw new BootContentError('not-found', `${name} is not in the mirror`);
    }
    const entry = tree?.entries.get(path);
    if (entry === undefined)
      throw new BootContentError('not-found', `${name} is not in the mirror`);
    if (entry.kind === 'document') {
      return {
        kind: 'bytes',
        data: entry.bytes,
        contentType: path.endsWith('.sjson') ? 'text/plain; charset=utf-8' : 'application/json',
        etag: entry.sha256,
      };
    }
    // By digest inside the blob folder, never by the stream path: the path only names the entry.
    const file = await openConfined(
      this.deps.blobs.root,
      `${entry.sha256.slice(0, 2)}/${entry.sha256}`,
    );
    if (file.size !== entry.size) {
      await file.handle.close();
      throw new BootContentError('not-found', `the stored file of ${name} is damaged`);
    }
    return { ...file, etag: entry.sha256 };
  }

  /** export writes one stream's tree (the first, or the one named) to a folder. */
  async export(req: ExportRequest): Promise<ExportSummary> {
    const held = this.deps.store.streams.heldVersions();
    for (const spec of req.images) {
      if (!/^[a-z0-9._-]+(\/[a-z0-9._+~-]+){2,3}$/i.test(spec)) {
        throw new UserError(
          `"${spec}" is not an image; write OS/RELEASE/ARCH[/SUBARCH], e.g. ubuntu/jammy/amd64.`,
          'usage',
        );
      }
      if (!held.some((v) => v.kind === 'image' && matchesSpec(spec, v))) {
        throw new UserError(
          `Image ${spec} is not in the store, so it cannot be exported; see "labboot images".`,
          'image-missing',
        );
      }
    }
    const include =
      req.images.length === 0
        ? undefined
        : (v: HeldVersion): boolean => req.images.some((s) => matchesSpec(s, v));
    const trees =
      include === undefined
        ? await this.trees(req.mode)
        : await this.build(req.mode, this.input(include));
    const tree = trees[0];
    if (tree === undefined) {
      throw new UserError(
        'There is nothing to export yet: no sync has kept a source\'s signed metadata; run "labboot sync" first.',
        'mirror-empty',
      );
    }
    return exportTree(tree, req.dir, {
      blobs: this.deps.blobs,
      onEvent: req.onEvent,
      signal: req.signal,
      freeBytes: req.freeBytes,
    });
  }
}

/**
 * mirrorFirst routes HTTP requests under `/maas/images/ephemeral-v3/` to the mirror and every other
 * name (and all of TFTP) to the boot resolver.
 */
export function mirrorFirst(
  mirror: BootContentResolver,
  boot: BootContentResolver,
): BootContentResolver {
  return {
    resolve: (name, client) =>
      client.protocol === 'http' && name.startsWith(mirrorPrefix)
        ? mirror.resolve(name, client)
        : boot.resolve(name, client),
  };
}

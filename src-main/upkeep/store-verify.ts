/**
 * `labboot store verify [--repair]`: every stored blob is hashed again (streaming) and compared
 * with the sha256 and size its versions recorded; bootloader versions also need their unpacked
 * folder. Problems are reported per version, in words.
 *
 * Repair (the caller holds the sync lock) first marks every damaged version incomplete in one
 * durable transaction — from then on it is not served and the next sync fetches it again — then
 * deletes each damaged blob and fetches it again from the version's source through the sync's
 * verified downloader. A version whose files all came back is marked complete again; one that
 * stays incomplete (offline, or a missing unpacked folder, which only a sync can rebuild) is said
 * to be so.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type {
  StoreProblem,
  StoreVerifyProgress,
  StoreVerifyResult,
  StoreVersionReport,
} from '../../src-shared/contract/store';
import type { BlobStore } from '../store/blob-store';
import type { RegionStore } from '../store/region-store';
import type { StoredResource, StoredVersion } from '../store/types';
import { describeDownloadError } from '../sync/download-queue';
import { downloadBlob } from '../sync/downloader';
import { defaultRetry, type RetryPolicy } from '../sync/http';
import { imageName } from '../sync/plan';
import { mirrorBase } from '../sync/streams';

/** VerifyProgress is how far the hashing (then, with repair, the fetching) is. */
export type VerifyProgress = StoreVerifyProgress;

/** VerifyOptions: repair or only report; progress and cancellation for long runs. */
export interface VerifyOptions {
  repair: boolean;
  onProgress?: (p: VerifyProgress) => void;
  signal?: AbortSignal;
  retry?: RetryPolicy;
}

type BlobState = { ok: true } | { ok: false; problem: StoreProblem['problem']; detail: string };

interface VersionRef {
  resource: StoredResource;
  version: StoredVersion;
}

const progressEveryBytes = 64 * 1024 * 1024;

/** hashFile streams a file through sha256; reports bytes read as it goes. */
async function hashFile(
  path: string,
  onBytes: (n: number) => void,
  signal?: AbortSignal,
): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, signal })) {
    const buf = chunk as Buffer;
    hash.update(buf);
    onBytes(buf.length);
  }
  return hash.digest('hex');
}

/** checkBlob tells whether a blob is present with its size and digest, or what is wrong. */
async function checkBlob(
  path: string,
  sha256: string,
  size: number,
  onBytes: (n: number) => void,
  signal?: AbortSignal,
): Promise<BlobState> {
  const s = await stat(path).catch(() => undefined);
  if (s === undefined || !s.isFile())
    return { ok: false, problem: 'missing', detail: 'is missing' };
  if (s.size < size) {
    return {
      ok: false,
      problem: 'truncated',
      detail: `is truncated (${s.size} of ${size} bytes)`,
    };
  }
  if (s.size > size) {
    return {
      ok: false,
      problem: 'corrupt',
      detail: `is corrupt (${s.size} bytes, ${size} expected)`,
    };
  }
  const digest = await hashFile(path, onBytes, signal);
  return digest === sha256
    ? { ok: true }
    : { ok: false, problem: 'corrupt', detail: 'is corrupt (sha256 mismatch)' };
}

/** verifyStore checks (and with `repair`, repairs) every stored version; see the file comment. */
export async function verifyStore(
  store: RegionStore,
  blobs: BlobStore,
  options: VerifyOptions,
): Promise<StoreVerifyResult> {
  const refs: VersionRef[] = store
    .listResources()
    .flatMap((resource) => resource.versions.map((version) => ({ resource, version })));
  const sizes = new Map<string, number>();
  for (const { version } of refs) for (const f of version.files) sizes.set(f.sha256, f.size);
  const progress: VerifyProgress = {
    phase: 'checking',
    files: 0,
    totalFiles: sizes.size,
    bytes: 0,
    totalBytes: [...sizes.values()].reduce((n, s) => n + s, 0),
  };
  let reported = 0;
  const onBytes = (n: number): void => {
    progress.bytes += n;
    if (progress.bytes - reported >= progressEveryBytes) {
      reported = progress.bytes;
      options.onProgress?.({ ...progress });
    }
  };
  // The totals first, so a front door can say how much there is before the first file is done.
  options.onProgress?.({ ...progress });
  const states = new Map<string, BlobState>();
  for (const [sha, size] of sizes) {
    options.signal?.throwIfAborted();
    states.set(sha, await checkBlob(blobs.pathFor(sha), sha, size, onBytes, options.signal));
    progress.files += 1;
    options.onProgress?.({ ...progress });
  }

  const broken = refs.flatMap((ref) => {
    const problems = problemsOf(ref, states);
    return problems.length === 0 ? [] : [{ ref, problems }];
  });
  if (options.repair && broken.length > 0) {
    await repair(store, blobs, broken, sizes, options);
  }
  const versions: StoreVersionReport[] = broken.map(({ ref, problems }) => {
    const markedIncomplete =
      options.repair &&
      problems.some((p) => p.repair === 'failed' || p.problem === 'folder-missing');
    return {
      image: imageName(ref.resource),
      version: ref.version.version,
      problems,
      markedIncomplete,
      summary: summary(ref, problems, states, markedIncomplete),
    };
  });
  return {
    ok: versions.length === 0,
    repaired: options.repair && versions.length > 0 && versions.every((v) => !v.markedIncomplete),
    checkedFiles: progress.files,
    checkedBytes: progress.bytes,
    versions,
  };
}

function problemsOf(ref: VersionRef, states: ReadonlyMap<string, BlobState>): StoreProblem[] {
  const problems: StoreProblem[] = [];
  for (const f of ref.version.files) {
    const state = states.get(f.sha256);
    if (state === undefined || state.ok) continue;
    problems.push({
      ftype: f.ftype,
      name: f.name,
      sha256: f.sha256,
      problem: state.problem,
      repair: null,
      repairError: null,
    });
  }
  const dir = ref.version.unpackDir;
  if (dir !== null && !isDirectorySync(dir)) {
    problems.push({
      ftype: 'unpacked folder',
      name: dir,
      sha256: '',
      problem: 'folder-missing',
      repair: null,
      repairError: null,
    });
  }
  return problems;
}

async function repair(
  store: RegionStore,
  blobs: BlobStore,
  broken: readonly { ref: VersionRef; problems: StoreProblem[] }[],
  sizes: ReadonlyMap<string, number>,
  options: VerifyOptions,
): Promise<void> {
  // Not trusted from here on, durably, before any file changes.
  store.resources.setComplete(
    broken.map((b) => b.ref.version.id),
    false,
  );
  const toFetch = new Set(
    broken.flatMap((b) =>
      b.problems.filter((p) => p.problem !== 'folder-missing').map((p) => p.sha256),
    ),
  );
  const progress: VerifyProgress = {
    phase: 'fetching',
    files: 0,
    totalFiles: toFetch.size,
    bytes: 0,
    totalBytes: [...toFetch].reduce((n, sha) => n + (sizes.get(sha) ?? 0), 0),
  };
  options.onProgress?.({ ...progress });
  const outcome = new Map<string, { ok: true } | { ok: false; error: string }>();
  for (const { ref, problems } of broken) {
    const mirrorPaths = new Map(
      store.resources.mirrorFiles(ref.version.id).map((f) => [f.sha256, f.mirrorPath]),
    );
    const sourceUrl = ref.version.source.url ?? ref.resource.sourceUrl;
    for (const p of problems) {
      if (p.problem === 'folder-missing' || outcome.has(p.sha256)) continue;
      const where = mirrorPaths.get(p.sha256);
      const size = sizes.get(p.sha256) ?? 0;
      const before = progress.bytes;
      const onBytes = (written: number): void =>
        options.onProgress?.({ ...progress, bytes: before + written });
      outcome.set(
        p.sha256,
        await fetchAgain(blobs, p.sha256, size, sourceUrl, where, { ...options, onBytes }),
      );
      progress.files += 1;
      progress.bytes = before + size;
      options.onProgress?.({ ...progress });
    }
  }
  const repaired: number[] = [];
  for (const { ref, problems } of broken) {
    for (const p of problems) {
      if (p.problem === 'folder-missing') continue;
      const o = outcome.get(p.sha256);
      p.repair = o?.ok === true ? 'fetched' : 'failed';
      p.repairError = o === undefined || o.ok ? null : o.error;
    }
    if (problems.every((p) => p.repair === 'fetched')) repaired.push(ref.version.id);
  }
  if (repaired.length > 0) store.resources.setComplete(repaired, true);
}

async function fetchAgain(
  blobs: BlobStore,
  sha256: string,
  size: number,
  sourceUrl: string,
  mirrorPath: string | undefined,
  options: VerifyOptions & { onBytes: (written: number) => void },
): Promise<{ ok: true } | { ok: false; error: string }> {
  // The damaged file goes first: the downloader trusts a blob of the right size.
  await rm(blobs.pathFor(sha256), { force: true });
  if (mirrorPath === undefined || sourceUrl === '') {
    return { ok: false, error: 'the store does not record where it came from' };
  }
  try {
    const url = new URL(mirrorPath, mirrorBase(sourceUrl)).toString();
    await downloadBlob({ url, sha256, size }, blobs, {
      retry: options.retry ?? defaultRetry,
      signal: options.signal,
      onProgress: options.onBytes,
    });
    return { ok: true };
  } catch (error) {
    return { ok: false, error: describeDownloadError(error) };
  }
}

/**
 * summary puts a version's problems in words, e.g. `ubuntu/jammy/amd64/ga-22.04 20250201:
 * boot-kernel is missing; squashfs is corrupt (sha256 mismatch)`, with what repair did.
 */
function summary(
  ref: VersionRef,
  problems: readonly StoreProblem[],
  states: ReadonlyMap<string, BlobState>,
  markedIncomplete: boolean,
): string {
  const parts = problems.map((p) => {
    const state = states.get(p.sha256);
    const what =
      p.problem === 'folder-missing'
        ? `its unpacked folder ${p.name} is missing`
        : `${p.ftype} ${state !== undefined && !state.ok ? state.detail : `is ${p.problem}`}`;
    if (p.repair === 'fetched') return `${what}, fetched again and verified`;
    if (p.repair === 'failed')
      return `${what}, could not be fetched again (${p.repairError ?? 'unknown error'})`;
    return what;
  });
  const tail = markedIncomplete
    ? '; marked incomplete, so it is not served until the next sync fetches it again'
    : '';
  return `${imageName(ref.resource)} ${ref.version.version}: ${parts.join('; ')}${tail}`;
}

function isDirectorySync(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

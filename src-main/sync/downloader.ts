/**
 * Verified downloads into the blob store. Each file streams through sha256 while it is written to
 * `blobs/partial/<sha256>`; a partial file from a dropped connection or a crash is resumed with an
 * HTTP Range request from its on-disk size (not from a byte counter, which can run ahead of the
 * disk after an abort). Only a file with the right size and digest is fsynced and renamed into
 * place. Network errors, truncation and 5xx are retried with backoff; 4xx and a wrong digest are
 * not.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { request } from 'undici';
import type { BlobStore } from '../store/blob-store';
import { HttpStatusError, abortError, dispatcher, withRetries, type RetryPolicy } from './http';
import { isFileUrl, openLocalFile } from './local-files';

const writeBatchBytes = 1024 * 1024;

/** DownloadSpec is one file to fetch and verify. */
export interface DownloadSpec {
  url: string;
  sha256: string;
  size: number;
}

/** DownloadProgress reports bytes on disk for one file. */
export type ProgressFn = (bytes: number) => void;

/** DownloadOptions control one download. */
export interface DownloadOptions {
  signal?: AbortSignal;
  retry: RetryPolicy;
  onProgress?: ProgressFn;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** DownloadError is a permanent download failure with a short reason. */
export class DownloadError extends Error {
  constructor(
    message: string,
    readonly code: 'http' | 'checksum' | 'size' | 'disk-full' | 'network',
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

async function hashExisting(path: string, bytes: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (bytes === 0) return hash;
  for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 })) {
    hash.update(chunk as Buffer);
  }
  return hash;
}

function wrapDiskError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DownloadError('the disk is full', 'disk-full', false);
  }
  return error;
}

/** attemptDownload makes one HTTP attempt, appending to the partial file when it can resume. */
async function attemptDownload(
  spec: DownloadSpec,
  blobs: BlobStore,
  opts: DownloadOptions,
): Promise<void> {
  const partial = blobs.partialPathFor(spec.sha256);
  let have = await blobs.partialSize(spec.sha256);
  if (have > spec.size) {
    await blobs.discardPartial(spec.sha256);
    have = 0;
  }
  let hash: Hash;
  if (have === spec.size) {
    hash = await hashExisting(partial, have);
    return finish(spec, blobs, hash);
  }
  // Hash what is on disk before asking, so the body is read as soon as it arrives: a body left
  // unread while hashing can be discarded by a connection drop.
  hash = await hashExisting(partial, have);
  const fh: FileHandle = await open(partial, have > 0 ? 'a' : 'w');
  try {
    hash = await (isFileUrl(spec.url) ? receiveLocal : receive)(spec, blobs, opts, fh, have, hash);
  } finally {
    await fh.close();
  }
  // Closed before the rename: Windows cannot rename an open file.
  await finish(spec, blobs, hash);
}

async function receive(
  spec: DownloadSpec,
  blobs: BlobStore,
  opts: DownloadOptions,
  fh: FileHandle,
  have: number,
  hash: Hash,
): Promise<Hash> {
  const headers: Record<string, string> = {};
  if (have > 0) headers.range = `bytes=${have}-`;
  const res = await request(spec.url, { dispatcher: dispatcher(), signal: opts.signal, headers });
  if (res.statusCode === 416 && have > 0) {
    // The server has no bytes past ours: start over rather than trust the partial.
    await res.body.dump();
    await blobs.discardPartial(spec.sha256);
    throw new DownloadError('the server refused the resume range', 'http', true);
  }
  if (res.statusCode !== 200 && res.statusCode !== 206) {
    await res.body.dump();
    throw new HttpStatusError(spec.url, res.statusCode);
  }
  const resuming = res.statusCode === 206 && have > 0;
  if (resuming) {
    const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
    if (range?.[1] === undefined || Number(range[1]) !== have) {
      await res.body.dump();
      await blobs.discardPartial(spec.sha256);
      throw new DownloadError('the server answered a different range', 'http', true);
    }
  } else {
    // A full answer (the server ignored Range): start the file and the hash over.
    if (have > 0) await fh.truncate(0);
    have = 0;
    hash = createHash('sha256');
  }
  return writeBody(res.body, () => res.body.destroy(), spec, blobs, opts, fh, have, hash);
}

/** receiveLocal copies a `file:` source's file from where the partial one ends (a local mirror). */
async function receiveLocal(
  spec: DownloadSpec,
  blobs: BlobStore,
  opts: DownloadOptions,
  fh: FileHandle,
  have: number,
  hash: Hash,
): Promise<Hash> {
  const source = await openLocalFile(spec.url);
  try {
    const body = source.handle.createReadStream({
      start: have,
      highWaterMark: writeBatchBytes,
      autoClose: false,
      signal: opts.signal,
    });
    return await writeBody(body, () => body.destroy(), spec, blobs, opts, fh, have, hash);
  } finally {
    await source.handle.close();
  }
}

/** writeBody appends a body to the partial file through the hash, checking the expected size. */
async function writeBody(
  body: AsyncIterable<unknown>,
  destroy: () => void,
  spec: DownloadSpec,
  blobs: BlobStore,
  opts: DownloadOptions,
  fh: FileHandle,
  have: number,
  hash: Hash,
): Promise<Hash> {
  let written = have;
  // Chunks are written in batches: one writev per ~1 MiB instead of one write per 64 KiB chunk.
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async (): Promise<void> => {
    if (batchBytes === 0) return;
    const chunks = batch;
    batch = [];
    batchBytes = 0;
    await fh.writev(chunks);
  };
  try {
    opts.onProgress?.(written);
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      if (written + buf.length > spec.size) {
        throw new DownloadError(
          `the server sent more than the expected ${spec.size} bytes`,
          'size',
          false,
        );
      }
      hash.update(buf);
      batch.push(buf);
      batchBytes += buf.length;
      written += buf.length;
      if (batchBytes >= writeBatchBytes) {
        await flush();
        opts.onProgress?.(written);
      }
    }
    await flush();
    opts.onProgress?.(written);
    await fh.sync();
  } catch (error) {
    destroy();
    // Keep what arrived: the retry resumes from the on-disk size.
    await flush().catch(() => undefined);
    if (error instanceof DownloadError && error.code === 'size') {
      await fh.truncate(0);
      await blobs.discardPartial(spec.sha256);
    }
    throw wrapDiskError(error);
  }
  if (written < spec.size) {
    // Truncated transfer: keep the partial so the retry resumes from the disk.
    throw new DownloadError(
      `the transfer ended after ${written} of ${spec.size} bytes`,
      'network',
      true,
    );
  }
  return hash;
}

async function finish(spec: DownloadSpec, blobs: BlobStore, hash: Hash): Promise<void> {
  const digest = hash.digest('hex');
  if (digest !== spec.sha256) {
    await blobs.discardPartial(spec.sha256);
    throw new DownloadError(
      `its sha256 is ${digest}, not the ${spec.sha256} the signed stream lists`,
      'checksum',
      false,
    );
  }
  await blobs.publish(spec.sha256);
}

/**
 * downloadBlob makes sure the blob exists in the store, fetching and verifying it if needed.
 * Resolves with the number of bytes transferred over the network in this call.
 */
export async function downloadBlob(
  spec: DownloadSpec,
  blobs: BlobStore,
  opts: DownloadOptions,
): Promise<void> {
  if (await blobs.has(spec.sha256, spec.size)) {
    opts.onProgress?.(spec.size);
    return;
  }
  await blobs.ensureDirs();
  await withRetries(
    async () => {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      await attemptDownload(spec, blobs, opts);
    },
    opts.retry,
    opts.signal,
    opts.onRetry,
  );
}

/**
 * HTTP for the syncer, through undici. One shared dispatcher honours HTTP_PROXY, HTTPS_PROXY and
 * NO_PROXY (undici's EnvHttpProxyAgent). Network errors and 5xx answers are retried with
 * exponential backoff; 4xx answers are not, because asking again gives the same answer.
 */
import { EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import { HttpStatusError } from './http-status-error';
import { LocalFileMissing, readLocalFile } from './local-files';

let shared: Dispatcher | undefined;

/** dispatcher returns the process-wide proxy-aware dispatcher. */
export function dispatcher(): Dispatcher {
  shared ??= new EnvHttpProxyAgent({
    connections: 16,
    headersTimeout: 30_000,
    bodyTimeout: 60_000,
  }).compose(interceptors.redirect({ maxRedirections: 5 }));
  return shared;
}

export { HttpStatusError } from './http-status-error';

/** RetryPolicy bounds retries: `attempts` tries in all, waiting base·2ⁿ ms between them. */
export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

export const defaultRetry: RetryPolicy = { attempts: 4, baseDelayMs: 500 };

/** isRetryable tells transient failures (network, 5xx, truncation) from permanent ones. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof HttpStatusError) return error.status >= 500;
  if (error instanceof Error && error.name === 'AbortError') return false;
  if (error instanceof Error && (error as { retryable?: boolean }).retryable === false)
    return false;
  return true;
}

/** sleep waits `ms`, ending early (with the abort reason) when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError(signal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** abortError is the error a cancelled operation rejects with. */
export function abortError(signal?: AbortSignal): Error {
  const e = new Error(
    signal?.reason instanceof Error ? signal.reason.message : 'The operation was cancelled',
  );
  e.name = 'AbortError';
  return e;
}

/** withRetries runs `attempt` until it succeeds, fails permanently, or runs out of tries. */
export async function withRetries<T>(
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  signal?: AbortSignal,
  onRetry?: (error: unknown, n: number) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      if (n >= policy.attempts || !isRetryable(error)) throw error;
      onRetry?.(error, n);
      await sleep(policy.baseDelayMs * 2 ** (n - 1), signal);
    }
  }
}

/** FetchOptions for small files (index, product files, keys). */
export interface FetchOptions {
  signal?: AbortSignal;
  attempts?: number;
  baseDelayMs?: number;
  maxBytes?: number;
}

/** fetchBytes GETs a small file whole, with retries; refuses bodies over `maxBytes`. */
export async function fetchBytes(url: string, opts: FetchOptions = {}): Promise<Uint8Array> {
  const maxBytes = opts.maxBytes ?? 256 * 1024 * 1024;
  if (url.startsWith('file:')) return readLocalFile(url, maxBytes);
  return withRetries(
    async () => {
      const res = await request(url, { dispatcher: dispatcher(), signal: opts.signal });
      if (res.statusCode < 200 || res.statusCode >= 300) {
        await res.body.dump();
        throw new HttpStatusError(url, res.statusCode);
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        total += buf.length;
        if (total > maxBytes) {
          res.body.destroy();
          const e = new Error(`larger than ${maxBytes} bytes`);
          (e as { retryable?: boolean }).retryable = false;
          throw e;
        }
        chunks.push(buf);
      }
      return new Uint8Array(Buffer.concat(chunks));
    },
    {
      attempts: opts.attempts ?? defaultRetry.attempts,
      baseDelayMs: opts.baseDelayMs ?? defaultRetry.baseDelayMs,
    },
    opts.signal,
  );
}

/** describeHttpError turns a fetch failure into a short phrase for a one-sentence message. */
export function describeHttpError(error: unknown): string {
  if (error instanceof LocalFileMissing) return 'no such file';
  if (error instanceof HttpStatusError) {
    return error.status === 404 ? 'HTTP 404 not found' : `HTTP ${error.status}`;
  }
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connection timed out';
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')
    return 'the connection dropped mid-transfer';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return 'the server stopped answering';
  return (e.message ?? String(error)).split('\n')[0] ?? 'network error';
}

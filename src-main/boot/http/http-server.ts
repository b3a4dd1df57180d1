/**
 * BootHttpServer streams boot content over HTTP/1.x with `node:http`: single Range requests
 * (206/416), HEAD, Content-Length, ETag and Last-Modified. Bound to the serving address only
 * (default port 5248, as MAAS uses). lpxelinux speaks HTTP/1.0, GRUB and iPXE HTTP/1.1; a plain 200
 * with Content-Length satisfies all of them. File bodies go out with sendfile where the native
 * module has it (`send-file.ts`), so a rack of machines fetching images costs no copies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  BootContentError,
  closeContent,
  type BootContent,
  type BootContentResolver,
  type BytesContent,
} from '../boot-files';
import { bindError } from '../bind-errors';
import { createLogger, type Logger } from '../../logger';
import { toSafeName } from '../tftp/safe-name';
import { decideRange } from './range';
import { nativeSendfileEngine, sendFileBody, type SendfileEngine } from './send-file';

/** MAAS serves boot files on 5248; keeping it lets MAAS-style configs and docs carry over. */
export const DEFAULT_HTTP_PORT = 5248;

/** HttpRequestEvent is the boot-log record of one request. */
export interface HttpRequestEvent {
  readonly client: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** Body bytes actually written. */
  readonly bytes: number;
  readonly durationMs: number;
  /** Why the name was not served, for the boot log (never sent to the client). */
  readonly detail: string | null;
  /** A missing name the loader probes for on purpose (not a failure). */
  readonly probe: boolean;
  /** The client's User-Agent: iPXE and UEFI HTTP Boot name themselves there. */
  readonly userAgent: string | undefined;
}

/** Settings for one BootHttpServer. */
export interface BootHttpServerOptions {
  readonly address: string;
  readonly port: number;
  readonly resolver: BootContentResolver;
  readonly onRequest?: (event: HttpRequestEvent) => void;
  /** Where server-side failures go with their detail; clients only ever get generic words. */
  readonly log?: Pick<Logger, 'warn' | 'error'>;
  /** Takes small POSTs (deploy installers' reports); without it POST is refused like any write. */
  readonly post?: (path: string, body: string) => { status: number; body: string };
  /**
   * Sends file bodies with sendfile through the native module where it is built (the default);
   * false streams them through buffers, the path every other platform takes.
   */
  readonly sendfile?: boolean;
}

/** The largest POST body read (an installer's report is a few hundred bytes). */
const MAX_POST_BYTES = 16 * 1024;

/** Content served with validators and ranges: a file, or stored bytes that carry an ETag. */
type CacheableContent = (BootContent & { kind: 'file' }) | (BytesContent & { etag: string });

function etagOf(content: CacheableContent): string {
  if (content.kind === 'bytes') return `"${content.etag}"`;
  return `"${content.etag ?? `${content.size.toString(16)}-${Math.floor(content.mtimeMs).toString(16)}`}"`;
}

/** Percent-decodes a URL path; undefined when the encoding is broken. */
function decodePath(rawUrl: string): string | undefined {
  const path = rawUrl.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/** BootHttpServer serves GET and HEAD until `close()`. */
export class BootHttpServer {
  private readonly log: Pick<Logger, 'warn' | 'error'>;
  private readonly sendfile: SendfileEngine | undefined;

  private constructor(
    private readonly server: Server,
    private readonly options: BootHttpServerOptions,
  ) {
    this.log = options.log ?? createLogger({ stderrLevel: 'warn' });
    this.sendfile = options.sendfile === false ? undefined : nativeSendfileEngine();
  }

  /** Listens on address:port; bind failures become a UserError with the fix. */
  static async start(options: BootHttpServerOptions): Promise<BootHttpServer> {
    const server = createServer({ keepAlive: true });
    const self = new BootHttpServer(server, options);
    server.on('request', (req, res) => {
      self.handle(req, res).catch((error: unknown) => {
        self.log.error(
          'http',
          `${req.method ?? ''} ${JSON.stringify(req.url ?? '')}: ${describe(error)}`,
        );
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('server error\n');
        } else res.destroy();
      });
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: options.address, port: options.port, exclusive: true }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      throw bindError(error, 'HTTP', options.address, options.port);
    }
    // After listening, an error of the server's socket would otherwise be thrown as unhandled.
    server.on('error', (error) =>
      self.log.error('http', `listening socket on ${options.address}: ${error.message}`),
    );
    return self;
  }

  /** The bound TCP port. */
  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a !== null ? a.port : 0;
  }

  /** Stops listening and drops open connections (boot clients reconnect and resume with Range). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let bytes = 0;
    let detail: string | null = null;
    let probe = false;
    const rawPath = req.url ?? '/';
    let body: Promise<unknown> = Promise.resolve();
    res.on('close', () => {
      const client = req.socket.remoteAddress ?? '';
      const status = res.statusCode;
      // A sendfile body cut short learns how many bytes went out after the connection closed.
      void body.then(() =>
        this.options.onRequest?.({
          client,
          method: req.method ?? '',
          path: rawPath,
          status,
          bytes,
          durationMs: Math.round(performance.now() - started),
          detail,
          probe,
          userAgent: req.headers['user-agent'],
        }),
      );
    });
    const fail = (status: number, message: string): void => {
      const body = `${message}\n`;
      res.writeHead(status, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
      });
      if (req.method === 'HEAD') res.end();
      else {
        bytes = Buffer.byteLength(body);
        res.end(body);
      }
    };
    if (req.method === 'POST' && this.options.post !== undefined) {
      await this.takePost(req, rawPath, this.options.post, fail);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      fail(405, 'LabBoot serves boot files read-only: use GET or HEAD');
      return;
    }
    const decoded = decodePath(rawPath);
    const safe = decoded === undefined ? undefined : toSafeName(decoded);
    if (safe === undefined || !safe.ok) {
      fail(400, `bad path: ${safe?.reason ?? 'broken percent-encoding'}`);
      return;
    }
    let content: BootContent;
    try {
      content = await this.options.resolver.resolve(safe.path, {
        address: req.socket.remoteAddress ?? '',
        protocol: 'http',
      });
    } catch (error) {
      if (error instanceof BootContentError) {
        detail = error.message;
        probe = error.probe;
        fail(
          error.kind === 'denied' ? 403 : 404,
          error.kind === 'denied' ? 'forbidden' : 'not found',
        );
      } else {
        this.log.error('http', `${req.method} ${JSON.stringify(rawPath)}: ${describe(error)}`);
        fail(500, 'server error');
      }
      return;
    }
    try {
      const sending = this.send(req, res, content, (n) => (bytes += n), rawPath);
      body = sending.catch(() => undefined);
      await sending;
    } finally {
      await closeContent(content);
    }
  }

  private async takePost(
    req: IncomingMessage,
    rawPath: string,
    post: NonNullable<BootHttpServerOptions['post']>,
    answer: (status: number, message: string) => void,
  ): Promise<void> {
    const decoded = decodePath(rawPath);
    const safe = decoded === undefined ? undefined : toSafeName(decoded);
    if (safe === undefined || !safe.ok) {
      answer(400, 'bad path');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_POST_BYTES) {
        answer(413, 'too large');
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const result = post(safe.path, Buffer.concat(chunks).toString('utf8'));
    answer(result.status, result.body);
  }

  private async send(
    req: IncomingMessage,
    res: ServerResponse,
    content: BootContent,
    count: (n: number) => void,
    rawPath: string,
  ): Promise<void> {
    if (content.kind === 'bytes' && content.etag === undefined) {
      // Generated per request (configs): never cached, since a per-MAC choice can change any time.
      res.writeHead(200, {
        'Content-Type': content.contentType,
        'Content-Length': content.data.length,
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') res.end();
      else {
        count(content.data.length);
        res.end(content.data);
      }
      return;
    }
    const cacheable = content as CacheableContent;
    const failure = await this.sendFile(req, res, cacheable, count);
    if (failure !== undefined)
      this.log.error(
        'http',
        `${req.method} ${JSON.stringify(rawPath)} (${cacheable.kind === 'file' ? cacheable.path : 'stored bytes'}): ${failure}`,
      );
  }

  /** Sends a file answer from its open handle; resolves once done, with a read failure if any. */
  private async sendFile(
    req: IncomingMessage,
    res: ServerResponse,
    content: CacheableContent,
    count: (n: number) => void,
  ): Promise<string | undefined> {
    const etag = etagOf(content);
    const size = content.kind === 'file' ? content.size : content.data.length;
    // Canonical header case on purpose: GRUB 2.06's HTTP client matches "Content-Length: " exactly
    // and fails with "timeout reading" on Node's lower-case spelling (seen in the QEMU e2e boots).
    const headers: Record<string, string | number> = {
      'Content-Type': content.kind === 'file' ? 'application/octet-stream' : content.contentType,
      'Accept-Ranges': 'bytes',
      ETag: etag,
    };
    if (content.kind === 'file') headers['Last-Modified'] = new Date(content.mtimeMs).toUTCString();
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return undefined;
    }
    // If-Range (RFC 9110 §13.1.5): a stale validator means "send the whole new file".
    const ifRange = req.headers['if-range'];
    const rangeHeader = ifRange === undefined || ifRange === etag ? req.headers.range : undefined;
    const range = decideRange(rangeHeader, size);
    if (range.kind === 'unsatisfiable') {
      res.writeHead(416, {
        ...headers,
        'Content-Range': `bytes */${size}`,
        'Content-Length': 0,
      });
      res.end();
      return undefined;
    }
    const start = range.kind === 'partial' ? range.start : 0;
    const end = range.kind === 'partial' ? range.end : size - 1;
    const length = Math.max(0, end - start + 1);
    if (range.kind === 'partial') headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    headers['Content-Length'] = length;
    res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
    if (req.method === 'HEAD' || length === 0) {
      res.end();
      return undefined;
    }
    if (content.kind === 'bytes') {
      count(length);
      res.end(content.data.subarray(start, start + length));
      return undefined;
    }
    return sendFileBody({ res, file: content.handle, start, length, count }, this.sendfile);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

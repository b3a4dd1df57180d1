/**
 * The loopback HTTP transport of the contract, for `labboot console` and tests:
 * - `POST /api/call/<name>` with a JSON body → the dispatcher's CallResult as JSON;
 * - `GET /api/events` → Server-Sent Events carrying every contract event (event-stream.ts);
 * - `POST /api/session` with `{"code"}` → the token, once per one-time code (login-codes.ts);
 * - `POST /api/upload/custom-image?name=…` with a file as the body → a custom image (image-upload.ts);
 * - everything else → the built renderer (static files, same UI as the Electron window).
 * Only 127.0.0.1 is bound. Every other API request needs the per-run token
 * (`Authorization: Bearer …`); the Host header must name this server (DNS-rebinding guard) and a
 * browser Origin must be ours (cross-site request guard).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { extname } from 'node:path';
import { pipeline } from 'node:stream';
import { openConfined, type FileContent } from '../boot/boot-files';
import { toSafeName } from '../boot/tftp/safe-name';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from './dispatch';
import type { EventBus } from '../event-bus';
import type { Logger } from '../logger';
import { EventStreamHub, defaultEventStreamLimits, type EventStreamLimits } from './event-stream';
import { LoginCodes, defaultLoginCodeOptions, type LoginCodeOptions } from './login-codes';
import { receiveImageUpload, type ImageUploader } from './image-upload';
import { IMAGE_UPLOAD_PATH } from '../../src-shared/contract/deploy';

/** The Content-Security-Policy of the UI, in the browser console and the Electron window alike. */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const maxBodyBytes = 4 * 1024 * 1024;
/** A code exchange carries a few dozen bytes; anything bigger is not one. */
const maxSessionBodyBytes = 1024;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

export interface ApiHttpServerOptions {
  dispatcher: Dispatcher;
  events: EventBus;
  /** Folder of the built renderer (`out/renderer`); omit to serve the API only. */
  rendererDir?: string;
  log?: Logger;
  /** Fixed token for tests; a random one per run otherwise. */
  token?: string;
  /** Event-stream limits (backlog per client, replay ring); defaults suit the UI. */
  eventStream?: EventStreamLimits;
  /** One-time code lifetime and count; defaults: 60 s, 8 codes. */
  loginCodes?: LoginCodeOptions;
  /** Stores uploaded custom images; omit to refuse uploads. */
  imageUpload?: ImageUploader;
}

/** ApiHttpServer serves the contract and the UI on 127.0.0.1. */
export class ApiHttpServer {
  readonly token: string;
  private readonly server: Server;
  private readonly eventStream: EventStreamHub;
  private readonly loginCodes: LoginCodes;
  private port = 0;

  constructor(private readonly options: ApiHttpServerOptions) {
    this.token = options.token ?? randomBytes(24).toString('base64url');
    this.eventStream = new EventStreamHub(
      options.events,
      options.eventStream ?? defaultEventStreamLimits,
      options.log,
    );
    this.loginCodes = new LoginCodes(options.loginCodes ?? defaultLoginCodeOptions);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        options.log?.error('http-api', `request failed: ${String(error)}`);
        if (!res.headersSent)
          sendJson(res, 500, {
            ok: false,
            error: { code: 'internal', message: 'Internal error.' },
          });
        else res.destroy();
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /** listen binds 127.0.0.1:port (0 picks a free port) and resolves with the port. */
  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** url is the address a person opens, with the token in the fragment (never sent to servers). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/#token=${this.token}`;
  }

  /**
   * issueBrowserUrl is the address for a browser opener's command line: it carries a fresh one-time
   * code instead of the token, so reading it from `ps` gives nothing once the page has used it.
   */
  issueBrowserUrl(): string {
    return `http://127.0.0.1:${this.port}/#code=${this.loginCodes.issue()}`;
  }

  /** eventStreams reports the open event streams and their unsent bytes (for tests and logs). */
  get eventStreams(): { clients: number; backlogBytes: number } {
    return {
      clients: this.eventStream.clientCount,
      backlogBytes: this.eventStream.backlogBytes,
    };
  }

  async dispose(): Promise<void> {
    this.eventStream.dispose();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCommonHeaders(res);
    if (!this.hostAllowed(req.headers.host)) {
      sendJson(
        res,
        403,
        denied(
          'bad-host',
          'This server only answers requests addressed to 127.0.0.1 or localhost.',
        ),
      );
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${this.port}`);
    if (url.pathname.startsWith('/api/')) {
      await this.handleApi(req, res, url);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, denied('method', 'Only GET and HEAD are allowed here.'));
      return;
    }
    await this.serveStatic(req, res, url.pathname);
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin)) {
      sendJson(
        res,
        403,
        denied(
          'bad-origin',
          `Requests from ${origin} are refused; open the console URL LabBoot printed.`,
        ),
      );
      return;
    }
    if (url.pathname === '/api/session') {
      await this.exchangeCode(req, res, origin);
      return;
    }
    if (!this.tokenValid(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="labboot"');
      sendJson(
        res,
        401,
        denied(
          'unauthorized',
          'Missing or wrong token; open the console URL LabBoot printed (it carries the token).',
        ),
      );
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      this.eventStream.open(req, res);
      return;
    }
    if (url.pathname === IMAGE_UPLOAD_PATH && this.options.imageUpload !== undefined) {
      const answer = await receiveImageUpload(req, url, this.options.imageUpload, this.options.log);
      if (res.destroyed) return;
      // Refused before its end: close rather than read the rest of a large body for nothing.
      if (!req.complete) res.setHeader('Connection', 'close');
      sendJson(res, answer.status, answer.body);
      return;
    }
    const match = /^\/api\/call\/([A-Za-z0-9_.-]+)$/.exec(url.pathname);
    if (match === null || req.method !== 'POST') {
      sendJson(res, 404, denied('not-found', 'Unknown API path; calls are POST /api/call/<name>.'));
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      sendJson(res, 415, denied('content-type', 'Send the call input as application/json.'));
      return;
    }
    let body: unknown;
    try {
      body = await readJsonBody(req);
    } catch (error) {
      sendJson(res, 400, denied('bad-json', (error as Error).message));
      return;
    }
    const result = await this.options.dispatcher.call(match[1], body);
    const status = result.ok ? 200 : statusFor(result.error.code);
    sendJson(res, status, result);
  }

  /**
   * exchangeCode trades a one-time code for the token. Only the page itself may ask: a POST from
   * a browser always carries Origin, so a missing one means a script outside the browser.
   */
  private async exchangeCode(
    req: IncomingMessage,
    res: ServerResponse,
    origin: string | undefined,
  ): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, 405, denied('method', 'Trade a sign-in code with POST /api/session.'));
      return;
    }
    if (origin === undefined) {
      sendJson(
        res,
        403,
        denied('bad-origin', 'Sign-in codes are traded only by the LabBoot page in a browser.'),
      );
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      sendJson(res, 415, denied('content-type', 'Send the code as application/json.'));
      return;
    }
    let body: unknown;
    try {
      body = await readJsonBody(req, maxSessionBodyBytes);
    } catch (error) {
      sendJson(res, 400, denied('bad-json', (error as Error).message));
      return;
    }
    const code =
      typeof body === 'object' && body !== null && 'code' in body ? body.code : undefined;
    if (typeof code !== 'string' || !this.loginCodes.redeem(code)) {
      sendJson(
        res,
        401,
        denied(
          'bad-code',
          'This sign-in link was already used or has expired; open the console URL LabBoot printed.',
        ),
      );
      return;
    }
    sendJson(res, 200, { ok: true, value: { token: this.token } });
  }

  private async serveStatic(
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
  ): Promise<void> {
    const root = this.options.rendererDir;
    if (root === undefined) {
      sendJson(res, 404, denied('no-ui', 'This server has no UI build; run `npm run build`.'));
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    } catch {
      sendJson(res, 400, denied('bad-path', 'Malformed path.'));
      return;
    }
    // The same two guards the boot server uses: a clean relative name, then the real path inside
    // the real root (symlinks resolved).
    const safe = toSafeName(relative);
    if (!safe.ok) {
      sendJson(res, 400, denied('bad-path', 'Malformed path.'));
      return;
    }
    let file: FileContent;
    try {
      file = await openConfined(root, safe.path);
    } catch {
      sendJson(res, 404, denied('not-found', `No such file: ${pathname}`));
      return;
    }
    // Served from the descriptor the confinement check examined, never by reopening the path.
    const stream = file.handle.createReadStream({ start: 0, autoClose: true });
    res.setHeader('Content-Length', file.size);
    res.setHeader('Content-Type', contentTypes[extname(file.path)] ?? 'application/octet-stream');
    if (file.path.endsWith('.html')) {
      res.setHeader('Content-Security-Policy', contentSecurityPolicy);
      res.setHeader('Cache-Control', 'no-store');
    } else {
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    }
    res.writeHead(200);
    if (req.method === 'HEAD') {
      stream.destroy();
      res.end();
      return;
    }
    // pipeline closes the file when the client goes away early, too; only read errors are news.
    pipeline(stream, res, (error) => {
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
        this.options.log?.error('http-api', `reading ${file.path} failed: ${String(error)}`);
    });
  }

  private hostAllowed(host: string | undefined): boolean {
    if (host === undefined) return false;
    return [`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`].includes(
      host.toLowerCase(),
    );
  }

  private originAllowed(origin: string): boolean {
    return [`http://127.0.0.1:${this.port}`, `http://localhost:${this.port}`].includes(
      origin.toLowerCase(),
    );
  }

  private tokenValid(header: string | undefined): boolean {
    if (header === undefined || !header.startsWith('Bearer ')) return false;
    const given = Buffer.from(header.slice('Bearer '.length).trim());
    const expected = Buffer.from(this.token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function setCommonHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function denied(
  code: string,
  message: string,
): { ok: false; error: { code: string; message: string } } {
  return { ok: false, error: { code, message } };
}

function statusFor(code: string): number {
  if (code === 'unknown-call') return 404;
  if (code === 'bad-input') return 400;
  if (code === 'internal') return 500;
  return 422;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function readJsonBody(req: IncomingMessage, limit = maxBodyBytes): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new Error(`Request body over ${limit} bytes.`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error('The request body is not valid JSON.');
  }
}

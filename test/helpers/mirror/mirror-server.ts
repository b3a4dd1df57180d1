/**
 * MirrorServer serves a folder over HTTP on 127.0.0.1 with Range support and fault injection:
 * drop the connection mid-file, answer a status (404/500), go slow, send wrong bytes, or tamper
 * with a signed file's text. Each fault applies to paths matching it, a bounded number of times.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Fault is one injected misbehaviour. */
export type Fault = { path: string | RegExp; times?: number } & (
  | { kind: 'drop'; afterBytes: number }
  | { kind: 'status'; status: number }
  | { kind: 'slow'; bytesPerSecond: number }
  | { kind: 'corrupt' }
  | { kind: 'tamper'; find: string; replace: string }
  | { kind: 'hang' }
);

/** RequestLog records what the server was asked. */
export interface RequestLog {
  path: string;
  range: string | undefined;
  status: number;
}

export class MirrorServer {
  readonly requests: RequestLog[] = [];
  private faults: (Fault & { used: number })[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private port = 0;

  constructor(readonly root: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** start listens on 127.0.0.1; pass the port of an earlier run to come back "online" there. */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  setFaults(faults: Fault[]): void {
    this.faults = faults.map((f) => ({ ...f, used: 0 }));
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  private takeFault(path: string): Fault | undefined {
    const f = this.faults.find(
      (x) =>
        (typeof x.path === 'string' ? x.path === path : x.path.test(path)) &&
        (x.times === undefined || x.used < x.times),
    );
    if (f !== undefined) f.used++;
    return f;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(
      /^\//,
      '',
    );
    const file = join(this.root, normalize(path));
    const log: RequestLog = { path, range: req.headers.range, status: 200 };
    this.requests.push(log);
    const fault = this.takeFault(path);
    if (fault?.kind === 'status') {
      log.status = fault.status;
      res.writeHead(fault.status).end(`injected ${fault.status}`);
      return;
    }
    if (fault?.kind === 'hang') return; // never answers; the client must time out or cancel
    if (!file.startsWith(this.root)) {
      log.status = 403;
      res.writeHead(403).end();
      return;
    }
    let size: number;
    try {
      const s = await stat(file);
      if (!s.isFile()) throw new Error('not a file');
      size = s.size;
    } catch {
      log.status = 404;
      res.writeHead(404).end('not found');
      return;
    }
    if (fault?.kind === 'tamper') {
      const text = (await readFile(file, 'utf8')).replace(fault.find, fault.replace);
      res.writeHead(200, { 'content-length': Buffer.byteLength(text) }).end(text);
      return;
    }
    let start = 0;
    let end = size - 1;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m?.[1] !== undefined) {
      start = Number(m[1]);
      if (m[2]) end = Math.min(Number(m[2]), size - 1);
      if (start >= size) {
        log.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      log.status = 206;
      res.writeHead(206, {
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${size}`,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
    }
    const stream = createReadStream(file, { start, end, highWaterMark: 256 * 1024 });
    if (fault === undefined) {
      // No body fault: let the stream machinery run at full speed.
      await pipeline(stream, res).catch(() => undefined);
      return;
    }
    let sent = 0;
    for await (const chunk of stream) {
      let buf = chunk as Buffer;
      if (fault?.kind === 'drop' && sent + buf.length > fault.afterBytes) {
        buf = buf.subarray(0, Math.max(0, fault.afterBytes - sent));
        if (buf.length > 0) await write(res, buf);
        stream.destroy();
        res.socket?.destroy();
        return;
      }
      if (fault?.kind === 'corrupt' && sent === 0 && buf.length > 0) {
        buf = Buffer.from(buf);
        buf[0] = (buf[0] ?? 0) ^ 0xff;
      }
      if (fault?.kind === 'slow') {
        const step = Math.max(1, Math.floor(fault.bytesPerSecond / 20));
        for (let o = 0; o < buf.length; o += step) {
          await write(res, buf.subarray(o, o + step));
          await new Promise((r) => setTimeout(r, 50));
          if (res.destroyed) return;
        }
      } else {
        await write(res, buf);
      }
      sent += buf.length;
    }
    res.end();
  }
}

function write(res: ServerResponse, buf: Buffer): Promise<void> {
  // Resolves once the bytes are handed to the kernel, so a following destroy() cannot drop them.
  return new Promise((resolve) => {
    const onClose = (): void => resolve();
    res.once('close', onClose);
    res.write(buf, () => {
      res.removeListener('close', onClose);
      resolve();
    });
  });
}

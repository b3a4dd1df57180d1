/**
 * How BootHttpServer writes a file's bytes once the response's headers are decided: with sendfile
 * through the native module (no copy through user space, as nginx does) where it can, otherwise
 * through a few reused buffers. Both resolve once the body is done or the client went away, with
 * the failure that cut it short, if any; the caller closes the file handle afterwards.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  loadNativeAddon,
  type NativeSendfileHandle,
  type NativeSendfileOptions,
  type NativeSendfileResult,
} from '../native-addon';

/**
 * Bodies below this go through the buffers: a thread per response costs more than copying a small
 * file. Measured on loopback with keep-alive, the buffers were faster at 64 KiB, the two paths even
 * at 256 KiB and sendfile ahead from a few MiB (kernels, initrds, squashfs).
 */
export const SENDFILE_MIN_BYTES = 256 * 1024;

/** A client that takes no byte for this long holds a thread for nothing; its transfer ends. */
export const SENDFILE_STALL_MS = 60_000;

/** The native module's sendfile pair, as one object that is either whole or absent. */
export interface SendfileEngine {
  start(
    options: NativeSendfileOptions,
    done: (result: NativeSendfileResult) => void,
  ): NativeSendfileHandle;
  abort(handle: NativeSendfileHandle): void;
}

/** The native sendfile engine, or undefined where the module is not built or has no sendfile. */
export function nativeSendfileEngine(): SendfileEngine | undefined {
  const addon = loadNativeAddon();
  const start = addon?.startSendfile;
  const abort = addon?.abortSendfile;
  if (start === undefined || abort === undefined) return undefined;
  return { start: (options, done) => start(options, done), abort: (handle) => abort(handle) };
}

/**
 * socketDescriptor is the OS descriptor of a plain TCP socket, or undefined (TLS, closed, a
 * platform without descriptors). Node exposes it only on the socket's internal `_handle` (its
 * TCPWrap); this is the one place that reaches in.
 */
export function socketDescriptor(socket: Socket | null): number | undefined {
  if (socket === null || socket instanceof TLSSocket || socket.destroyed) return undefined;
  const handle: unknown = (socket as unknown as { _handle?: unknown })._handle;
  if (typeof handle !== 'object' || handle === null || !('fd' in handle)) return undefined;
  const fd = handle.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

/** What a file body needs: where it goes, which bytes, and a counter of body bytes sent. */
export interface FileBody {
  readonly res: ServerResponse;
  readonly file: FileHandle;
  readonly start: number;
  readonly length: number;
  readonly count: (n: number) => void;
  /** How long the client may take no byte before the sendfile path gives up (default 60 s). */
  readonly stallMs?: number;
}

/**
 * sendFileBody writes the body after `res.writeHead`: with `engine` when it is given, the body is
 * large enough and the socket is plain TCP; through buffers otherwise.
 */
export async function sendFileBody(
  body: FileBody,
  engine: SendfileEngine | undefined,
): Promise<string | undefined> {
  if (body.res.destroyed || body.res.closed) return undefined;
  if (engine !== undefined && body.length >= SENDFILE_MIN_BYTES) {
    const sent = await sendfileBody(body, engine);
    if (sent !== 'unavailable') return sent;
  }
  return pumpFile(body);
}

/**
 * Resolves once everything node:http queued on the socket (the headers) is in the kernel: sendfile
 * writes straight to the descriptor, so it must not start ahead of bytes still in Node's queue. An
 * empty write's callback runs after every earlier write has completed. False when that takes
 * longer than a client may stall.
 */
function flushed(socket: Socket, stallMs: number): Promise<boolean> {
  if (socket.writableLength === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), stallMs);
    socket.write(Buffer.alloc(0), () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Sends the body with sendfile; 'unavailable' when this socket cannot take it (nothing sent). */
async function sendfileBody(
  { res, file, start, length, count, stallMs = SENDFILE_STALL_MS }: FileBody,
  engine: SendfileEngine,
): Promise<string | undefined | 'unavailable'> {
  const socket = res.socket;
  if (socket === null || socketDescriptor(socket) === undefined) return 'unavailable';
  res.flushHeaders();
  const inKernel = await flushed(socket, stallMs);
  if (res.destroyed || res.closed) return undefined;
  const socketFd = socketDescriptor(socket);
  // From here on the headers are out (or stuck): any failure must cut the connection.
  if (!inKernel) {
    res.destroy();
    return `the client took nothing for ${stallMs / 1000} s`;
  }
  if (socketFd === undefined) {
    res.destroy(); // closed while the headers went out: the client went away
    return undefined;
  }
  if (socket.writableLength !== 0) {
    res.destroy();
    return 'bytes were queued on the socket after the headers; the body was not sent';
  }
  let settle: (result: NativeSendfileResult) => void = () => undefined;
  const done = new Promise<NativeSendfileResult>((resolve) => (settle = resolve));
  let handle: NativeSendfileHandle;
  try {
    // Throws synchronously (dup, eventfd, thread) before a byte is sent.
    handle = engine.start(
      { socketFd, fileFd: file.fd, offset: start, length, stallTimeoutMs: stallMs },
      settle,
    );
  } catch (error) {
    res.destroy();
    return error instanceof Error ? error.message : String(error);
  }
  const abort = (): void => engine.abort(handle);
  res.once('close', abort);
  const result = await done;
  res.off('close', abort);
  count(result.bytesSent);
  if (result.outcome === 'complete') {
    res.end();
    return undefined;
  }
  // Part of the body may be out: the connection cannot carry another response.
  res.destroy();
  return result.outcome === 'error' ? result.detail : undefined;
}

/** Buffers per response and their size: small enough to stay in CPU cache, enough to keep reads ahead. */
const PUMP_BUFFERS = 4;
const PUMP_CHUNK = 256 * 1024;

/**
 * pumpFile writes `length` bytes of the open file from `start` to `res` through a few reused
 * buffers: the portable path, and the one for small files.
 *
 * Why not `createReadStream().pipe()`: it allocates a fresh buffer per chunk, and every fresh large
 * buffer costs page faults, which showed against nginx (test/bench/http-throughput.ts). A buffer
 * is reused only after the socket reports it written.
 */
async function pumpFile({
  res,
  file,
  start,
  length,
  count,
}: FileBody): Promise<string | undefined> {
  const free: Buffer[] = Array.from({ length: PUMP_BUFFERS }, () => Buffer.allocUnsafe(PUMP_CHUNK));
  let waiting: (() => void) | undefined;
  const wake = (): void => {
    const w = waiting;
    waiting = undefined;
    w?.();
  };
  let aborted = false;
  res.on('close', () => {
    aborted = true;
    wake();
  });
  res.on('drain', wake);
  try {
    let position = start;
    let left = length;
    while (left > 0 && !aborted) {
      const buf = free.pop();
      if (buf === undefined || res.writableNeedDrain) {
        if (buf !== undefined) free.push(buf);
        await new Promise<void>((resolve) => (waiting = resolve));
        continue;
      }
      const { bytesRead } = await file.read(buf, 0, Math.min(PUMP_CHUNK, left), position);
      if (bytesRead === 0) throw new Error('file shrank while being served');
      position += bytesRead;
      left -= bytesRead;
      count(bytesRead);
      res.write(buf.subarray(0, bytesRead), () => {
        free.push(buf);
        wake();
      });
    }
    if (!aborted) res.end();
    return undefined;
  } catch (error) {
    res.destroy();
    return error instanceof Error ? error.message : String(error);
  }
}

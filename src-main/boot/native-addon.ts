/**
 * The `labboot_native` Node-API module (`./native`, built by node-gyp at `npm install` like
 * better-sqlite3, Linux only): UDP sockets pinned to one interface for DHCP (`netdev.c`), TFTP
 * transfers on blocking threads (`tftp_transfer.c`) and HTTP file bodies sent with sendfile
 * (`http_sendfile.c`). This file finds and loads it once; each user decides what a missing module
 * means (DHCP refuses to start, TFTP uses its portable engine, HTTP streams through buffers).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What `tftp_transfer.c` reports once per transfer. */
export interface NativeTransferResult {
  readonly outcome: 'complete' | 'timeout' | 'aborted' | 'error' | 'stopped';
  readonly ackedBlocks: number;
  readonly dataPackets: number;
  readonly retransmissions: number;
  readonly detail: string;
}

/** Options of `startTftpTransfer`; the C side checks every one and throws on a bad value. */
export interface NativeTransferOptions {
  readonly localAddress: string;
  readonly clientAddress: string;
  readonly clientPort: number;
  /** Descriptor to pread from (the module reads its own duplicate), or -1 when `bytes` holds the content. */
  readonly fileFd: number;
  readonly bytes: Buffer | null;
  readonly size: number;
  readonly blksize: number;
  readonly windowsize: number;
  /** The encoded OACK to send first, or null when no option was accepted. */
  readonly oack: Buffer | null;
  /** The client's timeout option in ms, or 0 to adapt to the round trip. */
  readonly fixedTimeoutMs: number;
  readonly initialTimeoutMs: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly maxRetries: number;
  /** Retransmissions of the first packet while the client has acknowledged nothing. */
  readonly maxRetriesUnconfirmed: number;
  /** After the last retransmission, how long to wait for a late ACK. */
  readonly lateAckWaitMs: number;
}

/** Opaque handle of a running native transfer. */
export type NativeTransferHandle = { readonly __nativeTransfer: unique symbol };

/** Options of `startSendfile`; the C side checks every one and throws on a bad value. */
export interface NativeSendfileOptions {
  /** A connected, non-blocking TCP socket (the module sends through its own duplicate). */
  readonly socketFd: number;
  /** The file to send from (the module reads its own duplicate). */
  readonly fileFd: number;
  readonly offset: number;
  readonly length: number;
  /** The transfer fails once the client has taken nothing for this long. */
  readonly stallTimeoutMs: number;
}

/**
 * What `http_sendfile.c` reports once per transfer: `disconnected` when the client closed or reset
 * the connection, `aborted` after `abortSendfile`, `error` with the reason in `detail` otherwise.
 */
export interface NativeSendfileResult {
  readonly outcome: 'complete' | 'aborted' | 'disconnected' | 'error';
  readonly bytesSent: number;
  readonly detail: string;
}

/** Opaque handle of a running sendfile transfer. */
export type NativeSendfileHandle = { readonly __nativeSendfile: unique symbol };

export interface NativeAddon {
  openBoundUdp(ifname: string, port: number, address?: string): number;
  closeFd(fd: number): void;
  /** Absent where the platform has no native TFTP engine. */
  startTftpTransfer?(
    options: NativeTransferOptions,
    done: (result: NativeTransferResult) => void,
  ): NativeTransferHandle;
  abortTftpTransfer?(handle: NativeTransferHandle): void;
  /** True once the client has acknowledged anything; false after the transfer ended. */
  tftpTransferConfirmed?(handle: NativeTransferHandle): boolean;
  /** Absent where the platform has no sendfile engine. */
  startSendfile?(
    options: NativeSendfileOptions,
    done: (result: NativeSendfileResult) => void,
  ): NativeSendfileHandle;
  abortSendfile?(handle: NativeSendfileHandle): void;
}

const addonName = 'labboot_native.node';
const addonFile = join('build', 'Release', addonName);

/** The addon's path inside the source tree, where `npm run build:native` writes it. */
const addonInTree = join('src-main', 'boot', 'native', addonFile);

/**
 * Where the built addon lives: `LABBOOT_NATIVE_DIR` (packaged app), next to this source file (tsx,
 * tests), or — from the bundle in `out/main/` — in the source tree of the package it belongs to.
 */
export function nativeAddonPath(): string {
  const override = process.env.LABBOOT_NATIVE_DIR;
  if (override) return join(override, addonName);
  const here = dirname(fileURLToPath(import.meta.url));
  const besideSource = join(here, 'native', addonFile);
  if (existsSync(besideSource)) return besideSource;
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, addonInTree);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return besideSource;
  }
}

let cached: NativeAddon | null | undefined;

/** The loaded addon, or undefined when it is not built (or not loadable) on this machine. */
export function loadNativeAddon(): NativeAddon | undefined {
  if (cached !== undefined) return cached ?? undefined;
  const path = nativeAddonPath();
  try {
    cached = existsSync(path) ? (createRequire(import.meta.url)(path) as NativeAddon) : null;
  } catch {
    cached = null; // built for another Node/Electron ABI: treated as not built
  }
  return cached ?? undefined;
}

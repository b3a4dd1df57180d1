/**
 * The native TFTP engine: each transfer runs on its own thread in the native module
 * (`../native/tftp_transfer.c`), with one blocking recv and one sendmsg per block. It exists for
 * lock-step speed — a PXE ROM's transfer is as fast as the server's turn-around per ACK — and
 * follows ReadSession's rules exactly; the portable engine remains where the module is missing.
 */
import { loadNativeAddon } from '../native-addon';
import type { RunningTransfer, TransferEngine, TransferResult, TransferSpec } from './transfer';

/** The module takes Node Buffers; this views the same memory without copying. */
const asBuffer = (bytes: Uint8Array): Buffer =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The native engine, or undefined when the module is not built here or has no TFTP part. */
export function nativeTransferEngine(): TransferEngine | undefined {
  const addon = loadNativeAddon();
  const start = addon?.startTftpTransfer;
  const abort = addon?.abortTftpTransfer;
  const confirmed = addon?.tftpTransferConfirmed;
  if (start === undefined || abort === undefined || confirmed === undefined) return undefined;
  return {
    name: 'native',
    start: (spec: TransferSpec): Promise<RunningTransfer> => {
      const source = spec.reader.source;
      if (source === undefined)
        return Promise.reject(
          new Error('the native engine reads a descriptor or bytes, not a stream'),
        );
      let settle: (result: TransferResult) => void = () => undefined;
      const done = new Promise<TransferResult>((resolve) => (settle = resolve));
      let finished = false;
      // Throws synchronously (socket, bind, connect) before anything is sent; the caller reports it.
      // The module takes its own duplicate of the descriptor, so the transfer's thread keeps reading
      // the same file even if this side closes its handle early.
      const handle = start(
        {
          localAddress: spec.localAddress,
          clientAddress: spec.clientAddress,
          clientPort: spec.clientPort,
          fileFd: 'fd' in source ? source.fd : -1,
          bytes: 'bytes' in source ? asBuffer(source.bytes) : null,
          size: spec.reader.size,
          blksize: spec.blksize,
          windowsize: spec.windowsize,
          oack: spec.oack ? asBuffer(spec.oack) : null,
          fixedTimeoutMs: spec.fixedTimeoutMs ?? 0,
          ...spec.timing,
        },
        (result) => {
          finished = true;
          settle({ ...result, detail: result.detail === '' ? undefined : result.detail });
        },
      );
      return Promise.resolve({
        done,
        get confirmed() {
          return !finished && confirmed(handle);
        },
        stop: () => {
          if (!finished) abort(handle);
        },
      });
    },
  };
}

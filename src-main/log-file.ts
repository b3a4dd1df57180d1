/**
 * LogFile is LabBoot's one log file in the data folder (`labboot.log`), rotated by size to
 * `labboot.log.1` … `.4` (five files of 5 MB by default).
 *
 * Several processes may share a data folder (`labboot serve` and the app), so the file is never
 * rewritten in place: each process appends whole lines through its own O_APPEND descriptor, which
 * the kernel positions at the end for every write. Before a write the process checks that its
 * descriptor still names `labboot.log` (another process may have rotated it) and reopens if not; a
 * line written in that short window lands in `labboot.log.1`, never nowhere. Rotation is renames
 * only, done by whoever finds the file full while holding `labboot.log.lock` (created exclusively);
 * a process that cannot take the lock waits briefly for that rotation, then appends, so the cap is
 * soft only when the rotating process stalls.
 */
import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Disposable } from './lifecycle';

/** logFileName is the log file inside the data folder. */
export const logFileName = 'labboot.log';

/** LogFileOptions size the rotation (tests make it small). */
export interface LogFileOptions {
  /** A file is rotated before a line would take it past this size. */
  maxBytes?: number;
  /** Files kept, the current one included. */
  files?: number;
  /** Where a failure to write the log itself is reported, once. */
  onFailure?: (message: string) => void;
}

/** A rotation lock older than this was left by a process that died while rotating. */
const staleLockMs = 10_000;
/**
 * A writer that finds another process rotating waits up to this long for its renames (well under
 * a millisecond unless that process is descheduled), so its line goes to the new file instead of
 * past the cap of the full one. Only a lock younger than `freshLockMs` is waited for.
 */
const rotationWaitMs = 20;
const freshLockMs = 1_000;
const pause = new Int32Array(new SharedArrayBuffer(4));

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/** LogFile appends lines to the data folder's rotating log file. */
export class LogFile implements Disposable {
  /** The current log file. */
  readonly path: string;
  private readonly maxBytes: number;
  private readonly files: number;
  private fd: number | undefined;
  private failureReported = false;

  constructor(
    dataDir: string,
    private readonly options: LogFileOptions = {},
  ) {
    this.path = join(dataDir, logFileName);
    this.maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
    this.files = Math.max(1, options.files ?? 5);
  }

  /** rotatedPath names the n-th older file (`labboot.log.1` is the newest of them). */
  rotatedPath(n: number): string {
    return n === 0 ? this.path : `${this.path}.${n}`;
  }

  /** append writes one line (a newline is added); a failing disk never throws into the caller. */
  append(line: string): void {
    const bytes = Buffer.from(line.endsWith('\n') ? line : `${line}\n`, 'utf8');
    try {
      let fd = this.current();
      if (fstatSync(fd).size + bytes.length > this.maxBytes && this.rotate(bytes.length)) {
        fd = this.current();
      }
      writeSync(fd, bytes);
    } catch (error) {
      this.closeFd();
      if (!this.failureReported) {
        this.failureReported = true;
        const report = this.options.onFailure ?? ((m: string) => process.stderr.write(`${m}\n`));
        report(
          `[log] cannot write the log file ${this.path} (${errorCode(error) ?? String(error)}); log lines go to the console only.`,
        );
      }
    }
  }

  /** tail returns up to `maxLines` last lines of the current file (empty when there is none). */
  tail(maxLines: number, maxBytes = 256 * 1024): string[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(0, size - maxBytes);
      const buf = Buffer.alloc(size - start);
      let read = 0;
      while (read < buf.length) {
        const n = readSync(fd, buf, read, buf.length - read, start + read);
        if (n === 0) break;
        read += n;
      }
      const lines = buf.subarray(0, read).toString('utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      // A window that starts inside the file starts inside a line: drop that piece.
      if (start > 0) lines.shift();
      return lines.slice(-maxLines);
    } finally {
      closeSync(fd);
    }
  }

  dispose(): void {
    this.closeFd();
  }

  /** current returns a descriptor for `labboot.log`, reopening when another process rotated it. */
  private current(): number {
    if (this.fd !== undefined) {
      let onDisk: { ino: number; dev: number } | undefined;
      try {
        onDisk = statSync(this.path);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') throw error;
      }
      const mine = fstatSync(this.fd);
      if (onDisk !== undefined && onDisk.ino === mine.ino && onDisk.dev === mine.dev) {
        return this.fd;
      }
      this.closeFd();
    }
    this.fd = openSync(this.path, 'a', 0o644);
    return this.fd;
  }

  /**
   * rotate shifts the files by one under the rotation lock, unless another process has already
   * rotated. Returns whether the current file changed (so the caller reopens it).
   */
  private rotate(incoming: number): boolean {
    const lock = `${this.path}.lock`;
    if (!this.takeLock(lock)) return this.awaitRotation(lock);
    try {
      const size = statSync(this.path, { throwIfNoEntry: false })?.size ?? 0;
      if (size + incoming <= this.maxBytes) return true;
      if (this.files === 1) {
        unlinkSync(this.path);
        return true;
      }
      for (let n = this.files - 1; n >= 1; n--) {
        try {
          renameSync(this.rotatedPath(n - 1), this.rotatedPath(n));
        } catch (error) {
          if (errorCode(error) !== 'ENOENT') throw error;
        }
      }
      return true;
    } finally {
      try {
        unlinkSync(lock);
      } catch {
        // Already removed as stale by another process: nothing to give back.
      }
    }
  }

  /** awaitRotation waits briefly for a fresh lock to go; true when it went (the file changed). */
  private awaitRotation(lock: string): boolean {
    const deadline = Date.now() + rotationWaitMs;
    for (;;) {
      const mtime = statSync(lock, { throwIfNoEntry: false })?.mtimeMs;
      if (mtime === undefined) return true;
      if (Date.now() - mtime > freshLockMs || Date.now() >= deadline) return false;
      Atomics.wait(pause, 0, 0, 1);
    }
  }

  private takeLock(lock: string): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        closeSync(openSync(lock, 'wx'));
        return true;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw error;
      }
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age < staleLockMs) return false;
      try {
        unlinkSync(lock);
      } catch {
        // Someone else removed it first; try to take it once more.
      }
    }
    return false;
  }

  private closeFd(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closing a descriptor of a file that is gone cannot fail in a way that matters here.
    }
    this.fd = undefined;
  }
}

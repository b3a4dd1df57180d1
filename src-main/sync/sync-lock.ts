/**
 * SyncLock makes sure one sync runs at a time per data folder, across processes.
 *
 * The lock is the folder `sync.lock/` holding `owner.json` (pid, host, a random token). It is built
 * under a private name and renamed into place; renaming onto a folder that exists fails, so exactly
 * one process wins and whoever sees the folder also sees its owner. The holder touches
 * `owner.json` every few seconds (a heartbeat) and checks that the lock is still its own.
 *
 * A lock is stale when its process is gone (same host: right away, so a sync killed with -9 does
 * not block the next one), when its heartbeat has stopped for minutes (the pid was reused), or,
 * for a lock written on another host, when its heartbeat has stopped for `staleMs`. A stale lock
 * is taken over by renaming it to `sync.lock.stale-<its token>`: of several processes taking over
 * the same stale lock, one rename succeeds and the others fail (the name is taken, or the lock is
 * gone) and start over, so two takers cannot both win. Those folders are removed a while later.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { mkdir, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../../src-shared/errors';

/** isProcessAlive tells whether a pid exists (signal 0 checks without sending anything). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** SyncLockOptions tune timing (tests shorten them). */
export interface SyncLockOptions {
  /** How often the holder touches its owner file. */
  heartbeatMs?: number;
  /** A lock from another host is stale after this long without a heartbeat. */
  staleMs?: number;
  /** A lock whose pid is alive is still stale after this long without a heartbeat (pid reuse). */
  reusedPidMs?: number;
  /** Called when the holder finds that its lock is no longer its own. */
  onLost?: () => void;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
}

/** What was found at `sync.lock`: a lock folder, a pid-only file (older LabBoot), or nothing. */
type Holder =
  | { kind: 'folder'; owner: Owner; heartbeatAgeMs: number }
  | { kind: 'legacy-file'; pid: number; ageMs: number }
  | { kind: 'gone' };

const lockName = 'sync.lock';
const ownerFile = 'owner.json';
const defaults = { heartbeatMs: 2_000, staleMs: 30_000, reusedPidMs: 5 * 60_000 } as const;
const maxAttempts = 20;
const legacyPidGraceMs = 10_000;

function errorCode(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

/** lockTaken tells the errors a rename gives when its target name is taken. */
function lockTaken(code: string | undefined): boolean {
  if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') return true;
  // Windows refuses to rename onto an existing folder with EPERM.
  return process.platform === 'win32' && code === 'EPERM';
}

function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o.pid === 'number' && typeof o.host === 'string' && typeof o.token === 'string') {
      return { pid: o.pid, host: o.host, token: o.token };
    }
  } catch {
    // fall through: not ours
  }
  return undefined;
}

async function readHolder(lockPath: string): Promise<Holder> {
  const file = join(lockPath, ownerFile);
  try {
    const [text, s] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const owner = parseOwner(text);
    // A folder is renamed into place with its owner written, so an unreadable owner is damage:
    // treat it as a lock of a dead process on this host.
    return {
      kind: 'folder',
      owner: owner ?? { pid: 0, host: hostname(), token: 'unreadable' },
      heartbeatAgeMs: Date.now() - s.mtimeMs,
    };
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return { kind: 'gone' };
    if (code !== 'ENOTDIR') throw error;
  }
  // `sync.lock` is a file: the pid-only lock of an older LabBoot.
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  const s = await stat(lockPath).catch(() => undefined);
  if (s === undefined) return { kind: 'gone' };
  return { kind: 'legacy-file', pid: Number(text.trim()), ageMs: Date.now() - s.mtimeMs };
}

function isStale(h: Exclude<Holder, { kind: 'gone' }>, o: Required<SyncLockOptions>): boolean {
  if (h.kind === 'legacy-file') {
    // That version created the file before writing its pid: an empty one may be just starting.
    const pidKnown = Number.isInteger(h.pid) && h.pid > 0;
    return pidKnown ? !isProcessAlive(h.pid) : h.ageMs > legacyPidGraceMs;
  }
  if (h.owner.host !== hostname()) return h.heartbeatAgeMs > o.staleMs;
  return !isProcessAlive(h.owner.pid) || h.heartbeatAgeMs > o.reusedPidMs;
}

function busy(h: Exclude<Holder, { kind: 'gone' }>): UserError {
  const raw = h.kind === 'legacy-file' ? h.pid : h.owner.pid;
  const pid = Number.isInteger(raw) && raw > 0 ? String(raw) : 'not written yet';
  const where = h.kind === 'folder' && h.owner.host !== hostname() ? ` on ${h.owner.host}` : '';
  return new UserError(
    `A sync is already running in this data folder (pid ${pid}${where}); wait for it to finish or cancel it, then run sync again.`,
    'sync-busy',
  );
}

/**
 * removeOldTakeovers deletes taken-over locks once no taker can still aim at them, and the
 * staging or released folders of processes killed in the middle of taking or giving up the lock.
 */
async function removeOldTakeovers(dataDir: string, keepMs: number): Promise<void> {
  for (const name of await readdir(dataDir).catch(() => [] as string[])) {
    if (!/^sync\.lock\.(stale|new|released)-/.test(name)) continue;
    const path = join(dataDir, name);
    const s = await stat(path).catch(() => undefined);
    if (s !== undefined && Date.now() - s.mtimeMs > keepMs) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

/** SyncLock is held while a sync runs. */
export class SyncLock {
  private readonly timer: NodeJS.Timeout;
  private readonly staleMs: number;
  private released = false;

  private constructor(
    private readonly dataDir: string,
    private readonly token: string,
    opts: Required<SyncLockOptions>,
  ) {
    this.staleMs = opts.staleMs;
    this.timer = setInterval(() => void this.heartbeat(opts.onLost), opts.heartbeatMs);
    this.timer.unref();
  }

  private get path(): string {
    return join(this.dataDir, lockName);
  }

  /** acquire takes the lock or throws a UserError naming the process that holds it. */
  static async acquire(dataDir: string, options: SyncLockOptions = {}): Promise<SyncLock> {
    const o: Required<SyncLockOptions> = { ...defaults, onLost: () => undefined, ...options };
    await mkdir(dataDir, { recursive: true });
    await removeOldTakeovers(dataDir, o.staleMs);
    const lockPath = join(dataDir, lockName);
    const token = randomUUID();
    const owner: Owner = { pid: process.pid, host: hostname(), token };
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      const staging = join(dataDir, `${lockName}.new-${token}`);
      await mkdir(staging, { recursive: true });
      await writeFile(join(staging, ownerFile), JSON.stringify(owner));
      try {
        await rename(staging, lockPath);
        return new SyncLock(dataDir, token, o);
      } catch (error) {
        await rm(staging, { recursive: true, force: true });
        if (!lockTaken(errorCode(error))) throw error;
      }
      const holder = await readHolder(lockPath);
      if (holder.kind === 'gone') continue; // released meanwhile: try again
      if (!isStale(holder, o)) throw busy(holder);
      const tag = holder.kind === 'folder' ? holder.owner.token : `pid-${holder.pid}`;
      const grave = join(dataDir, `${lockName}.stale-${tag}`);
      try {
        await rename(lockPath, grave);
        // Mark the grave's age from now, so it outlives every taker that read the same owner.
        await utimes(grave, new Date(), new Date()).catch(() => undefined);
      } catch (error) {
        // Another taker won (the grave is taken or the lock is gone): start over.
        if (errorCode(error) !== 'ENOENT' && !lockTaken(errorCode(error))) throw error;
      }
      // A short random pause keeps simultaneous takers from colliding every round.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
    }
    throw new UserError(
      `Could not take the sync lock in ${dataDir}: other syncs keep starting at the same moment; try again.`,
      'sync-busy',
    );
  }

  /** heartbeat refreshes the owner file's time, and notices if the lock is no longer ours. */
  private async heartbeat(onLost: () => void): Promise<void> {
    if (this.released) return;
    const holder = await readHolder(this.path).catch(() => ({ kind: 'gone' }) as const);
    if (this.released) return;
    if (holder.kind !== 'folder' || holder.owner.token !== this.token) {
      clearInterval(this.timer);
      onLost();
      return;
    }
    const now = new Date();
    await utimes(join(this.path, ownerFile), now, now).catch(() => undefined);
  }

  /** release gives the lock up; it only ever removes a lock that is still its own. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    const holder = await readHolder(this.path).catch(() => ({ kind: 'gone' }) as const);
    if (holder.kind !== 'folder' || holder.owner.token !== this.token) return;
    // Renamed away first: deleting in place could empty a folder another process just renamed in.
    const away = join(this.dataDir, `${lockName}.released-${this.token}`);
    try {
      await rename(this.path, away);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return;
      throw error;
    }
    await rm(away, { recursive: true, force: true });
    await removeOldTakeovers(this.dataDir, this.staleMs);
  }
}

import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../../helpers/temp-dir';
import { repoRoot } from '../../helpers/mirror/run-cli';
import { kept, openStore, runScenario, seedStore, unpackDir } from './publish-prune-scenario';

const childScript = fileURLToPath(new URL('./publish-prune-child.ts', import.meta.url));
const children = new Set<ChildProcess>();
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  for (const c of cleanups.splice(0)) c();
});

const sha256 = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');

/** filesUnder lists every file below `dir` (relative paths); folders listed end with `/`. */
function entriesUnder(dir: string, depth: number): string[] {
  const out: string[] = [];
  const walk = (d: string, left: number): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && left > 1) walk(p, left - 1);
      else out.push(relative(dir, p) + (e.isDirectory() ? '/' : ''));
    }
  };
  walk(dir, depth);
  return out.sort();
}

/**
 * runUntilStep runs the scenario in a child, lets it pass `boundary` step boundaries and kills it
 * with SIGKILL at the next one. Returns the steps seen, or `done: true` when it ran to the end.
 */
async function runUntilStep(
  dataDir: string,
  boundary: number,
): Promise<{ steps: string[]; done: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, dataDir], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  const steps: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const outcome = await new Promise<{ done: boolean }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child stalled after ${steps.join(', ')}`)),
      20_000,
    );
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line === 'done') {
          clearTimeout(timer);
          resolve({ done: true });
        } else if (line.startsWith('step ')) {
          steps.push(line.slice(5));
          if (steps.length > boundary) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            resolve({ done: false });
          } else child.stdin.write('go\n');
        }
      }
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited ${String(code)} after ${steps.join(', ')}: ${stderr}`));
    });
  });
  await exited;
  return { steps, ...outcome };
}

/**
 * expectConsistent reopens the store as a fresh process would: every version it lists has every
 * blob present with its size and digest (and its unpack folder), `hasVersion` agrees, and every
 * blob at a published path holds exactly the bytes its name promises.
 */
function expectConsistent(dataDir: string): void {
  const store = openStore(dataDir);
  try {
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const r of store.listResources()) {
      for (const v of r.versions) {
        for (const f of v.files) {
          expect(statSync(f.path).size).toBe(f.size);
          expect(sha256(f.path)).toBe(f.sha256);
        }
        if (v.unpackDir !== null) expect(statSync(v.unpackDir).isDirectory()).toBe(true);
        expect(store.hasVersion(r, v.version)).toBe(true);
      }
    }
    for (const sha of entriesUnder(store.blobs.root, 2).map((p) => p.split('/')[1] ?? '')) {
      expect(sha256(store.blobs.pathFor(sha))).toBe(sha);
    }
  } finally {
    store.db.close();
  }
}

/** expectFinal checks the state after a complete run: the kept versions and nothing else. */
function expectFinal(dataDir: string): void {
  const store = openStore(dataDir);
  try {
    const listed = store
      .listResources()
      .flatMap((r) => r.versions.map((v) => `${r.kind}@${v.version}`));
    expect(listed.sort()).toEqual(kept.map((v) => `${v.resource.kind}@${v.version}`).sort());
    const blobs = new Set(kept.flatMap((v) => v.files.map((f) => f.sha256)));
    expect(entriesUnder(store.blobs.root, 2).map((p) => p.split('/')[1])).toEqual(
      [...blobs].sort(),
    );
    expect(readdirSync(store.blobs.partialDir)).toEqual([]);
    const folders = kept.flatMap((v) => {
      const dir = unpackDir(dataDir, v);
      return dir === null ? [] : [`${relative(join(dataDir, 'bootloaders'), dir)}/`];
    });
    expect(entriesUnder(join(dataDir, 'bootloaders'), 3)).toEqual(folders.sort());
    expect(store.db.prepare('SELECT count(*) FROM pending_removals').pluck().get()).toBe(0);
  } finally {
    store.db.close();
  }
}

/** killAt kills a fresh run at one boundary, checks the store, then lets a next run finish. */
async function killAt(boundary: number): Promise<string | undefined> {
  const tmp = makeTempDir();
  cleanups.push(tmp.remove);
  await seedStore(tmp.path);
  const { steps, done } = await runUntilStep(tmp.path, boundary);
  if (done) return undefined;
  expectConsistent(tmp.path);
  // The next sync: it must repair whatever the kill left and end in the same state.
  await runScenario(tmp.path);
  expectConsistent(tmp.path);
  expectFinal(tmp.path);
  return steps[boundary];
}

describe('kill -9 between the steps of publish and prune', { timeout: 120_000 }, () => {
  it('leaves a consistent store at every step boundary, and the next run completes it', async () => {
    const seen: (string | undefined)[] = [];
    // A few children at once: most of each one's time is starting Node and tsx.
    const batch = 4;
    for (let first = 0; first < 40 && !seen.includes(undefined); first += batch) {
      seen.push(...(await Promise.all(Array.from({ length: batch }, (_, i) => killAt(first + i)))));
    }
    // Every boundary of the scenario was hit once, in order, including the ones inside prune.
    expect(seen.filter((s) => s !== undefined)).toEqual([
      'partial-half boot-kernel',
      'partial-done boot-kernel',
      'blob-stored boot-kernel',
      'partial-half squashfs',
      'partial-done squashfs',
      'blob-stored squashfs',
      'published 20250301',
      'partial-half syslinux.tar.xz',
      'partial-done syslinux.tar.xz',
      'blob-stored syslinux.tar.xz',
      'unpacked 1.3',
      'published 1.3',
      'versions-dropped',
      'folders-removed',
      'blobs-collected',
    ]);
  });
});

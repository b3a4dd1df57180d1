/**
 * Benchmark: manifest import, search and diff over 200 manifests × 1,500 packages in LabBoot's real
 * store (ManifestStore, the code `labboot manifest search|diff` runs), side by side in the same
 * process with a real peer doing the same job over the same rows: SQLite FTS5 with the trigram
 * tokenizer (substring search) plus a plain (manifest, package) table for diff, in a second SQLite
 * file with LabBoot's journal and sync settings. (ripgrep is not installed on this machine, and a
 * `grep` per query would mostly measure process spawns.) Every search and diff result of the two
 * is asserted equal. The order alternates per operation, the process is pinned to CPU 0, medians
 * and p95 are reported with the ratio. Goals: search p95 < 10 ms, diff < 5 ms, import < 20 ms.
 * Run: `npx tsx test/bench/manifest-search.ts`.
 */
import BetterSqlite3 from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ManifestDiff } from '../../src-shared/manifest/diff';
import { parseManifest } from '../../src-shared/manifest/parse';
import { BlobStore } from '../../src-main/store/blob-store';
import { openDatabase } from '../../src-main/store/database';
import { ManifestStore, type ManifestHit } from '../../src-main/store/manifest-store';
import { RegionStore } from '../../src-main/store/region-store';
import { makeTempDir } from '../helpers/temp-dir';
import { median } from './bench-stats';
import { assertQuietMachine } from './load-guard';

assertQuietMachine();
// Both sides run in this process: pinning it pins them alike.
execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

const manifests = 200;
const packagesPer = 1500;
const queries = 200;

// Deterministic pseudo-random numbers so every run measures the same data.
let seed = 42;
const rand = (n: number): number => {
  // mulberry32: 32-bit integer math, so it never loses precision.
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) % n;
};
const syllables = [
  'lib',
  'gnu',
  'ssl',
  'core',
  'util',
  'net',
  'data',
  'perl',
  'python3',
  'x11',
  'gtk',
  'dev',
  'common',
  'tools',
  'bin',
  'base',
  'cloud',
  'init',
  'sys',
  'fs',
];
const pool = Array.from(
  { length: 3000 },
  (_, i) => `${syllables[i % 20]}${syllables[(i * 7) % 20]}-${i}`,
);

/** timed runs fn and returns its wall time in ms and its result. */
function timed<T>(fn: () => T): [number, T] {
  const t0 = performance.now();
  const out = fn();
  return [performance.now() - t0, out];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** LabBoot's search limit (ManifestStore.search's default, which the CLI and API use). */
const searchLimit = 10_000;

/**
 * PeerStore is the peer: the same rows in SQLite FTS5 (trigram tokenizer, so MATCH finds
 * substrings, case-insensitively) for search and in a plain table keyed by (image, version,
 * package) for diff; it answers in LabBoot's result order and limit so the results compare equal.
 */
class PeerStore {
  private readonly db: BetterSqlite3.Database;
  private readonly insertFts: BetterSqlite3.Statement;
  private readonly insertRow: BetterSqlite3.Statement;
  private readonly searchStmt: BetterSqlite3.Statement;
  private readonly diffStmt: BetterSqlite3.Statement;

  constructor(file: string, journalMode: string, synchronous: number) {
    this.db = new BetterSqlite3(file);
    this.db.pragma(`journal_mode = ${journalMode}`);
    this.db.pragma(`synchronous = ${synchronous}`);
    this.db.exec(`
      CREATE VIRTUAL TABLE pkg USING fts5(name, arch UNINDEXED, qualified UNINDEXED,
        pkg_version UNINDEXED, image UNINDEXED, version UNINDEXED, tokenize = 'trigram');
      CREATE TABLE rows (image TEXT, version TEXT, qualified TEXT, pkg_version TEXT,
        PRIMARY KEY (image, version, qualified)) WITHOUT ROWID;`);
    this.insertFts = this.db.prepare('INSERT INTO pkg VALUES (?, ?, ?, ?, ?, ?)');
    this.insertRow = this.db.prepare('INSERT INTO rows VALUES (?, ?, ?, ?)');
    this.searchStmt = this.db.prepare(
      `SELECT image, version, qualified AS package, pkg_version AS pkgVersion FROM pkg
       WHERE pkg MATCH ? ORDER BY name, arch, image, version DESC LIMIT ${searchLimit}`,
    );
    this.diffStmt = this.db.prepare(
      `SELECT a.qualified AS package, a.pkg_version AS old, b.pkg_version AS new FROM rows a
         LEFT JOIN rows b ON b.image = @image AND b.version = @vb AND b.qualified = a.qualified
         WHERE a.image = @image AND a.version = @va AND b.pkg_version IS NOT a.pkg_version
       UNION ALL
       SELECT b.qualified, NULL, b.pkg_version FROM rows b
         WHERE b.image = @image AND b.version = @vb AND NOT EXISTS (SELECT 1 FROM rows a
           WHERE a.image = @image AND a.version = @va AND a.qualified = b.qualified)
       ORDER BY 1`,
    );
  }

  /** import parses `name[:arch]<TAB>version` lines and inserts them in one transaction. */
  import(image: string, version: string, text: string): void {
    this.db.transaction(() => {
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const [qualified = '', pkgVersion = ''] = line.split('\t');
        const [name = '', arch = ''] = qualified.split(':');
        this.insertFts.run(name, arch, qualified, pkgVersion, image, version);
        this.insertRow.run(image, version, qualified, pkgVersion);
      }
    })();
  }

  search(term: string): ManifestHit[] {
    if (term.length < 3) throw new Error(`trigram search needs 3 characters or more: ${term}`);
    return this.searchStmt.all(`"${term.replaceAll('"', '""')}"`) as ManifestHit[];
  }

  diff(image: string, va: string, vb: string): ManifestDiff {
    const rows = this.diffStmt.all({ image, va, vb }) as {
      package: string;
      old: string | null;
      new: string | null;
    }[];
    const diff: ManifestDiff = { added: [], removed: [], changed: [] };
    for (const r of rows) {
      if (r.old === null) diff.added.push({ package: r.package, pkgVersion: r.new ?? '' });
      else if (r.new === null) diff.removed.push({ package: r.package, pkgVersion: r.old });
      else diff.changed.push({ package: r.package, from: r.old, to: r.new });
    }
    return diff;
  }

  close(): void {
    this.db.close();
  }
}

/** sameResult throws when the two sides disagree: a faster wrong answer is no win. */
function sameResult(what: string, ours: unknown, theirs: unknown): void {
  if (JSON.stringify(ours) !== JSON.stringify(theirs))
    throw new Error(`LabBoot and the peer disagree on ${what}`);
}

type Side = 'labboot' | 'peer';
/** alternate runs both sides, LabBoot first on even turns and the peer first on odd ones. */
function alternate<A, B>(turn: number, ours: () => A, theirs: () => B): [number, A, number, B] {
  if (turn % 2 === 0) {
    const [a, x] = timed(ours);
    const [b, y] = timed(theirs);
    return [a, x, b, y];
  }
  const [b, y] = timed(theirs);
  const [a, x] = timed(ours);
  return [a, x, b, y];
}

const tmp = makeTempDir('labboot-bench-');
try {
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  const region = new RegionStore(db, new BlobStore(tmp.path));
  const store = new ManifestStore(db);
  const peer = new PeerStore(
    join(tmp.path, 'peer.sqlite'),
    String(db.pragma('journal_mode', { simple: true })),
    Number(db.pragma('synchronous', { simple: true })),
  );
  const ms: Record<'import' | 'search' | 'diff', Record<Side, number[]>> = {
    import: { labboot: [], peer: [] },
    search: { labboot: [], peer: [] },
    diff: { labboot: [], peer: [] },
  };
  const image = (release: string): string => `ubuntu/${release}/amd64`;
  const versionOf = (step: number): string => `2025${String(100 + step).padStart(4, '0')}`;
  for (let m = 0; m < manifests; m++) {
    const names = new Set<string>();
    while (names.size < packagesPer) names.add(pool[rand(pool.length)] ?? 'x');
    const text = [...names]
      .sort()
      .map(
        (n) =>
          `${n}${rand(3) === 0 ? ':amd64' : ''}\t${1 + rand(3)}.${rand(20)}-${rand(5)}ubuntu${rand(3)}\n`,
      )
      .join('');
    const sha = createHash('sha256').update(text).digest('hex');
    const release = `rel${m % 10}`;
    const version = versionOf(Math.floor(m / 10));
    const [a, , b] = alternate(
      m,
      () => {
        const entries = parseManifest(text);
        region.publishVersion(
          {
            kind: 'image',
            os: 'ubuntu',
            release,
            arch: 'amd64',
            subarch: 'ga',
            kflavor: 'generic',
            label: 'stable',
            bootloaderType: '',
            product: 'p',
            sourceUrl: 'u',
            sourceName: 'bench',
          },
          version,
          [{ name: 'manifest', ftype: 'manifest', sha256: sha, size: text.length, path: 'x' }],
          null,
          () => store.importManifest(sha, entries),
        );
      },
      () => peer.import(image(release), version, text),
    );
    ms.import.labboot.push(a);
    ms.import.peer.push(b);
  }
  const terms = Array.from({ length: queries }, (_, i) =>
    i % 2 === 0 ? (pool[rand(pool.length)] ?? 'x') : `${syllables[rand(20)]}${syllables[rand(20)]}`,
  );
  let hits = 0;
  let capped = 0;
  terms.forEach((t, i) => {
    const [a, ours, b, theirs] = alternate(
      i,
      () => store.search(t),
      () => peer.search(t),
    );
    sameResult(`search "${t}"`, ours, theirs);
    hits += ours.length;
    if (ours.length === searchLimit) capped++;
    ms.search.labboot.push(a);
    ms.search.peer.push(b);
  });
  const diffs = 50;
  for (let i = 0; i < diffs; i++) {
    const r = `rel${rand(10)}`;
    const [va, vb] = [versionOf(0), versionOf(10 + rand(10))];
    const [a, ours, b, theirs] = alternate(
      i,
      () => store.diff(`${image(r)}@${va}`, `${image(r)}@${vb}`),
      () => peer.diff(image(r), va, vb),
    );
    sameResult(`diff ${image(r)} ${va} ${vb}`, ours, theirs);
    ms.diff.labboot.push(a);
    ms.diff.peer.push(b);
  }
  peer.close();
  db.close();

  const f = (x: number): string => x.toFixed(2);
  const line = (
    what: string,
    xs: Record<Side, number[]>,
    goalAt: 50 | 95,
    limit: number,
    note: string,
  ): string => {
    const ours = percentile(xs.labboot, goalAt);
    const met = ours < limit ? 'met' : 'MISSED';
    return [
      `  ${what}: labboot median ${f(median(xs.labboot))} ms, p95 ${f(percentile(xs.labboot, 95))} ms;`,
      `peer median ${f(median(xs.peer))} ms, p95 ${f(percentile(xs.peer, 95))} ms;`,
      `ratio (peer/labboot) median ${(median(xs.peer) / median(xs.labboot)).toFixed(2)}x,`,
      `p95 ${(percentile(xs.peer, 95) / percentile(xs.labboot, 95)).toFixed(2)}x`,
      `(goal p${goalAt} < ${limit} ms: ${met})${note}`,
    ].join(' ');
  };
  console.log(
    `manifest bench: ${manifests} manifests x ${packagesPer} packages in one process pinned to CPU 0, order alternating per operation`,
  );
  console.log(
    '  peer: SQLite FTS5 (trigram) for search, a plain (image, version, package) table for diff; same journal/sync settings',
  );
  console.log(line('import one manifest (parse + insert)', ms.import, 95, 20, ''));
  console.log(
    line(
      `search (${queries} terms, ${hits} hits, ${capped} at the ${searchLimit} limit)`,
      ms.search,
      95,
      10,
      '; every result equal',
    ),
  );
  console.log(line(`diff (${diffs} pairs)`, ms.diff, 50, 5, '; every result equal'));
} finally {
  tmp.remove();
}

/**
 * Benchmark: manifest import, search and diff over 200 manifests × 1,500 packages in a real store,
 * side by side with the plain-file peers a person would use: `grep -F TERM` over the 200 manifest
 * files for search and `diff A B` for diff. Goals: search p95 < 10 ms, diff < 5 ms, import < 20 ms.
 * Run: `npx tsx test/bench/manifest-search.ts`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseManifest } from '../../src-shared/manifest/parse';
import { BlobStore } from '../../src-main/store/blob-store';
import { openDatabase } from '../../src-main/store/database';
import { ManifestStore } from '../../src-main/store/manifest-store';
import { RegionStore } from '../../src-main/store/region-store';
import { makeTempDir } from '../helpers/temp-dir';

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

/** timed runs fn and returns [wall ms, CPU ms]; CPU time is what the work costs on a busy machine. */
function timed(fn: () => unknown): [number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

const tmp = makeTempDir('labboot-bench-');
try {
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  const region = new RegionStore(db, new BlobStore(tmp.path));
  const store = new ManifestStore(db);
  const files: string[] = [];
  mkdirSync(join(tmp.path, 'files'));
  const importMs: number[] = [];
  const importCpu: number[] = [];
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
    const file = join(tmp.path, 'files', `m${m}.manifest`);
    writeFileSync(file, text);
    files.push(file);
    const sha = createHash('sha256').update(text).digest('hex');
    const release = `rel${m % 10}`;
    const version = `2025${String(100 + Math.floor(m / 10)).padStart(4, '0')}`;
    const [wall, cpu] = timed(() => {
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
    });
    importMs.push(wall);
    importCpu.push(cpu);
  }
  const terms = Array.from({ length: queries }, (_, i) =>
    i % 2 === 0 ? (pool[rand(pool.length)] ?? 'x') : `${syllables[rand(20)]}${syllables[rand(20)]}`,
  );
  const searchMs: number[] = [];
  const searchCpu: number[] = [];
  let hits = 0;
  for (const t of terms) {
    const [wall, cpu] = timed(() => (hits += store.search(t).length));
    searchMs.push(wall);
    searchCpu.push(cpu);
  }
  const grepMs: number[] = [];
  for (const t of terms.slice(0, 40)) {
    const t0 = performance.now();
    spawnSync('grep', ['-F', '-H', t, ...files], { maxBuffer: 1 << 28 });
    grepMs.push(performance.now() - t0);
  }
  const diffMs: number[] = [];
  const diffCpu: number[] = [];
  const diffPeerMs: number[] = [];
  for (let i = 0; i < 50; i++) {
    const a = rand(10);
    const b = 10 + rand(10);
    const [wall, cpu] = timed(() =>
      store.diff(
        `ubuntu/rel${a}/amd64@2025${String(100 + 0).padStart(4, '0')}`,
        `ubuntu/rel${a}/amd64@2025${String(100 + b).padStart(4, '0')}`,
      ),
    );
    diffMs.push(wall);
    diffCpu.push(cpu);
    const t1 = performance.now();
    spawnSync('diff', [files[a] ?? '', files[b * 10 + a] ?? '']);
    diffPeerMs.push(performance.now() - t1);
  }
  db.close();
  const f = (x: number): string => x.toFixed(2);
  // The verdict uses wall time: what a person waits for, on however busy this machine is.
  const goal = (what: string, x: number, limit: number): string =>
    `goal ${what} < ${limit} ms: ${x < limit ? 'met' : 'MISSED'}`;
  console.log(
    `  (load average ${loadavg()[0]?.toFixed(1)}; CPU = user+system time of the work itself)`,
  );
  console.log(
    `manifest bench: ${manifests} manifests x ${packagesPer} packages, ${queries} searches (${hits} hits)`,
  );
  console.log(
    `  import one manifest (parse + insert): p50 ${f(percentile(importMs, 50))} ms, p95 ${f(percentile(importMs, 95))} ms; CPU p95 ${f(percentile(importCpu, 95))} ms (${goal('p95', percentile(importMs, 95), 20)})`,
  );
  console.log(
    `  search: p50 ${f(percentile(searchMs, 50))} ms, p95 ${f(percentile(searchMs, 95))} ms; CPU p95 ${f(percentile(searchCpu, 95))} ms (${goal('p95', percentile(searchMs, 95), 10)})`,
  );
  console.log(
    `  peer grep -F over ${manifests} files: p50 ${f(percentile(grepMs, 50))} ms, p95 ${f(percentile(grepMs, 95))} ms`,
  );
  console.log(
    `  search ratio (grep p95 / labboot p95): ${(percentile(grepMs, 95) / percentile(searchMs, 95)).toFixed(1)}x`,
  );
  console.log(
    `  diff: p50 ${f(percentile(diffMs, 50))} ms, p95 ${f(percentile(diffMs, 95))} ms; CPU p50 ${f(percentile(diffCpu, 50))} ms, p95 ${f(percentile(diffCpu, 95))} ms (${goal('p50', percentile(diffMs, 50), 5)})`,
  );
  console.log(
    `  peer diff(1) of two files: p50 ${f(percentile(diffPeerMs, 50))} ms; ratio ${(percentile(diffPeerMs, 50) / percentile(diffMs, 50)).toFixed(1)}x`,
  );
} finally {
  tmp.remove();
}

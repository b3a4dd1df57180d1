import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BootResources } from '../../../src-main/store/boot-resources';
import { openDatabase } from '../../../src-main/store/database';
import { RegionStore } from '../../../src-main/store/region-store';
import { BlobStore } from '../../../src-main/store/blob-store';
import { generateTestKey, type TestKey } from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, sha256File, type SyncEnv } from '../../helpers/mirror/sync-env';
import { repoRoot } from '../../helpers/mirror/run-cli';

const childScript = fileURLToPath(new URL('../../helpers/mirror/sync-child.ts', import.meta.url));
let key: TestKey;
let env: SyncEnv | undefined;
const children = new Set<ChildProcess>();
beforeAll(async () => {
  key = await generateTestKey();
});
afterEach(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  children.clear();
  await env?.cleanup();
  env = undefined;
});

/** startChild runs a sync in a child process and resolves once it has printed `lines` events. */
function startChild(dataDir: string): {
  child: ChildProcess;
  events: () => number;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let lines = 0;
  child.stdout?.on('data', (d: Buffer) => (lines += d.toString().split('\n').length - 1));
  child.stderr?.resume();
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, events: () => lines, exited };
}

/** checkStore reopens the store like a fresh process would and checks every visible file. */
function checkStore(dataDir: string): { versions: string[] } {
  const db = openDatabase(join(dataDir, 'labboot.sqlite'));
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const versions: string[] = [];
    for (const img of new BootResources(db, dataDir).listImages()) {
      expect(img.files.map((f) => f.ftype).sort()).toEqual([
        'boot-initrd',
        'boot-kernel',
        'manifest',
        'squashfs',
      ]);
      for (const f of img.files) expect(sha256File(f.path)).toBe(f.sha256);
      versions.push(`${img.subarch}@${img.version}`);
    }
    return { versions };
  } finally {
    db.close();
  }
}

describe('kill -9 of a sync child process', { timeout: 180_000 }, () => {
  it('leaves a store that reopens cleanly with only complete versions, and a resync completes', async () => {
    env = await makeSyncEnv({ key });
    // Slow file transfers so kills land mid-download, mid-publish or mid-unpack.
    env.server.setFaults([
      { path: /^(jammy|bootloaders)\//, kind: 'slow', bytesPerSecond: 60_000 },
    ]);
    env.db.close();
    // Deterministic "random" points: after N events (start, file, progress, verified, published …).
    for (const afterEvents of [1, 4, 9, 15]) {
      const { child, events, exited } = startChild(env.dataDir);
      const deadline = Date.now() + 20_000;
      while (events() < afterEvents && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      child.kill('SIGKILL');
      await exited;
      checkStore(env.dataDir);
    }
    env.server.setFaults([]);
    const { exited } = startChild(env.dataDir);
    expect(await exited).toBe(0);
    expect(checkStore(env.dataDir).versions.sort()).toEqual([
      'ga-22.04@20250701',
      'hwe-22.04-lowlatency@20250701',
    ]);
    // The killed runs are recorded as interrupted, and no partial file is left behind.
    const db = openDatabase(join(env.dataDir, 'labboot.sqlite'));
    try {
      const runs = new RegionStore(db, new BlobStore(env.dataDir)).listRuns();
      expect(runs[0]?.status).toBe('done');
      expect(runs.slice(1).every((r) => r.status === 'interrupted')).toBe(true);
      expect(readdirSync(join(env.dataDir, 'blobs', 'partial'))).toEqual([]);
      // Nor an unpack folder of a killed run, nor the lock.
      for (const type of readdirSync(join(env.dataDir, 'bootloaders'))) {
        for (const arch of readdirSync(join(env.dataDir, 'bootloaders', type))) {
          const names = readdirSync(join(env.dataDir, 'bootloaders', type, arch));
          expect(names.filter((n) => n.includes('.tmp-'))).toEqual([]);
        }
      }
      // (Taken-over locks stay as `sync.lock.stale-*` for a while, so no late taker can hit a new lock.)
      const left = readdirSync(env.dataDir).filter((n) => n.startsWith('sync.'));
      expect(left.filter((n) => !n.startsWith('sync.lock.stale-'))).toEqual([]);
    } finally {
      db.close();
    }
  });
});

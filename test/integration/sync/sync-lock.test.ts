/**
 * Five `labboot sync` processes released at the same moment, with no lock and with the stale lock
 * of a killed sync: exactly one syncs, the others say in one sentence that a sync is already
 * running, with the winner's pid. (The older pid-only lock file is covered by the unit test.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BootResources } from '../../../src-main/store/boot-resources';
import { openDatabase } from '../../../src-main/store/database';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { repoRoot } from '../../helpers/mirror/run-cli';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';

const script = fileURLToPath(new URL('../../helpers/mirror/cli-on-go.ts', import.meta.url));
let env: SyncEnv;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  env = await makeSyncEnv({ key: await generateTestKey() });
  // A slow index keeps the winner holding the lock while the others try.
  env.server.setFaults([{ path: /index\.sjson$/, kind: 'slow', bytesPerSecond: 4_000 }]);
  env.db.close();
});
afterEach(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
});
afterAll(async () => {
  await env.cleanup();
});

interface Run {
  pid: number;
  status: number | null;
  stderr: string;
}

/** race starts n CLI syncs, waits until each has loaded, then releases them together. */
async function race(n: number, round: string): Promise<Run[]> {
  const go = join(env.tmp, `go-${round}`);
  const runs = Array.from({ length: n }, () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, go, '--data', env.dataDir, 'sync'],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    let stdout = '';
    let stderr = '';
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('READY\n')) resolve();
      }),
    );
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    const done = new Promise<Run>((resolve) =>
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ pid: child.pid ?? 0, status, stderr });
      }),
    );
    return { ready, done };
  });
  await Promise.all(runs.map((r) => r.ready));
  writeFileSync(go, '');
  return Promise.all(runs.map((r) => r.done));
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

const stale: Record<string, () => void> = {
  'no lock': () => undefined,
  'a stale lock folder': () => {
    mkdirSync(join(env.dataDir, 'sync.lock'));
    writeFileSync(
      join(env.dataDir, 'sync.lock', 'owner.json'),
      JSON.stringify({ pid: deadPid(), host: hostname(), token: 'killed' }),
    );
  },
};

describe('five syncs started at once', { timeout: 240_000 }, () => {
  for (const [name, plant] of Object.entries(stale)) {
    it(`with ${name}: exactly one runs`, async () => {
      plant();
      const runs = await race(5, name.replace(/\W+/g, '-'));
      const winners = runs.filter((r) => r.status === 0);
      expect(winners, runs.map((r) => r.stderr).join('\n')).toHaveLength(1);
      const winner = winners[0];
      for (const r of runs) {
        if (r === winner) continue;
        expect(r.status).toBe(1);
        expect(r.stderr).toBe(
          `labboot: A sync is already running in this data folder (pid ${winner?.pid}); wait for it to finish or cancel it, then run sync again.\n`,
        );
      }
      expect(existsSync(join(env.dataDir, 'sync.lock'))).toBe(false);
      const db = openDatabase(join(env.dataDir, 'labboot.sqlite'));
      try {
        expect(new BootResources(db, env.dataDir).findImage('ubuntu/jammy/amd64')?.version).toBe(
          '20250701',
        );
      } finally {
        db.close();
      }
    });
  }
});

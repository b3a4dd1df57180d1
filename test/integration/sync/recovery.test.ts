/**
 * A disk that fills up mid-download and the leftovers of a sync killed mid-unpack: the first ends
 * in one sentence with the run marked failed, the second is cleaned up by the next sync.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BootResources } from '../../../src-main/store/boot-resources';
import {
  buildMirror,
  generateTestKey,
  manifestText,
  type TestKey,
} from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';

let key: TestKey;
beforeAll(async () => {
  key = await generateTestKey();
});
let env: SyncEnv | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (this test needs root): ${r.stderr}`);
  }
}

/** smallDisk mounts a tmpfs of `mb` MB as the data folder (the test's own mount, removed after). */
function smallDisk(mb: number): (dataDir: string) => Promise<() => unknown> {
  return async (dataDir) => {
    mkdirSync(dataDir, { recursive: true });
    run('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0700`, 'labboot-test', dataDir]);
    return () => run('umount', [dataDir]);
  };
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('a full disk', () => {
  it('mid-download ends in one sentence, the run is marked failed, and a resync completes', async () => {
    const e = (env = await makeSyncEnv({
      key,
      // The up-front check passes: the disk fills up while the sync runs (another program, say).
      sync: { freeBytes: async () => 1e12 },
      prepareDataDir: smallDisk(6),
      build: (root, k) =>
        buildMirror({
          root,
          key: k,
          images: [
            {
              release: 'jammy',
              version: '22.04',
              arch: 'amd64',
              subarch: 'ga-22.04',
              versions: {
                '20250701': {
                  kernel: 'kernel '.repeat(1000),
                  initrd: 'initrd '.repeat(1000),
                  squashfs: Buffer.alloc(10 * 1024 * 1024, 'squashfs '),
                  manifest: manifestText({ bash: '5.1' }),
                },
              },
            },
          ],
        }),
    }));
    const err = await e.run();
    expect(err?.message).toMatch(
      new RegExp(
        `^The disk holding ${e.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is full; free \\d+ MB and run sync again\\.$`,
      ),
    );
    const needed = Number(/free (\d+) MB/.exec(err?.message ?? '')?.[1]);
    expect(needed).toBeGreaterThanOrEqual(3);
    expect(needed).toBeLessThanOrEqual(12);
    expect(e.events.at(-1)).toEqual({ event: 'error', code: 'disk-full', message: err?.message });
    expect(e.sources.store.listRuns()[0]).toMatchObject({ status: 'failed', error: err?.message });
    // Freed space (a bigger disk): the next sync resumes and completes.
    run('mount', ['-o', 'remount,size=32m', e.dataDir]);
    expect(await e.run()).toBeUndefined();
    expect(new BootResources(e.db, e.dataDir).findImage('ubuntu/jammy/amd64')?.version).toBe(
      '20250701',
    );
  });
});

describe('leftovers of a sync killed mid-unpack', () => {
  it('are removed by the next sync when their process is gone', async () => {
    const e = (env = await makeSyncEnv({ key }));
    const dir = join(e.dataDir, 'bootloaders', 'pxe', 'i386');
    const dead = join(dir, `pxelinux-20210203.0.tmp-${deadPid()}`);
    // pid 1 is alive and not this process: its folder is left alone.
    const alive = join(dir, 'pxelinux-20210203.0.tmp-1');
    for (const d of [dead, alive]) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, 'lpxelinux.0'), 'half');
    }
    expect(await e.run()).toBeUndefined();
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(alive)).toBe(true);
    expect(existsSync(join(dir, 'pxelinux-20210203.0', 'lpxelinux.0'))).toBe(true);
  });
});

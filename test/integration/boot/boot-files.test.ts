/**
 * openConfined on a real filesystem: what it refuses (outside links, FIFOs, devices), and a race
 * in which another process keeps swapping a directory on the way for a symlink out of the root.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { BootContentError, openConfined } from '../../../src-main/boot/boot-files';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir('labboot-confined-');
const root = join(tmp.path, 'root');
const outside = join(tmp.path, 'outside');

beforeAll(() => {
  mkdirSync(join(root, 'd'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'd', 'f'), 'inside');
  writeFileSync(join(outside, 'f'), 'SECRET');
  symlinkSync(join(outside, 'f'), join(root, 'link-out'));
  symlinkSync('d/f', join(root, 'link-in'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
  execFileSync('mknod', [join(root, 'zero'), 'c', '1', '5']);
});

afterAll(() => tmp.remove());

async function refusal(name: string): Promise<string> {
  try {
    const content = await openConfined(root, name);
    await content.handle.close();
    return 'served';
  } catch (error) {
    return error instanceof BootContentError ? error.kind : String(error);
  }
}

describe('openConfined', () => {
  it('returns the open file, following links that stay inside the root', async () => {
    const content = await openConfined(root, 'link-in');
    try {
      expect(content.path).toBe(join(root, 'd', 'f'));
      expect(content.size).toBe(6);
      expect((await content.handle.readFile()).toString()).toBe('inside');
    } finally {
      await content.handle.close();
    }
  });

  it('refuses links out of the root, FIFOs and devices, at once', async () => {
    const t0 = performance.now();
    expect(await refusal('link-out')).toBe('denied');
    expect(await refusal('missing')).toBe('not-found');
    expect(await refusal('d')).toBe('not-found');
    // Eight FIFO opens: more than libuv's four pool threads, which a blocking open would all take.
    expect(await Promise.all(Array.from({ length: 8 }, () => refusal('fifo')))).toEqual(
      Array.from({ length: 8 }, () => 'not-found'),
    );
    expect(await refusal('zero')).toBe('not-found');
    expect(await refusal('d/f')).toBe('served');
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('never opens a file outside the root while a directory on the way is swapped for a symlink', async () => {
    // Another process flips root/d between the real folder and a symlink to `outside` as fast as
    // it can, for at most two seconds; the check and the open race against it.
    const flipper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs');
         const [d, real, link] = process.argv.slice(1);
         fs.symlinkSync(${JSON.stringify(outside)}, link);
         const end = Date.now() + 2000;
         while (Date.now() < end) {
           try {
             fs.renameSync(d, real); fs.renameSync(link, d);
             fs.renameSync(d, link); fs.renameSync(real, d);
           } catch {}
         }`,
        join(root, 'd'),
        join(root, 'd-real'),
        join(root, 'd-link'),
      ],
      { stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => flipper.once('exit', resolve));
    const seen = { inside: 0, refused: 0 };
    try {
      const end = performance.now() + 1500;
      while (performance.now() < end) {
        try {
          const content = await openConfined(root, 'd/f');
          try {
            expect((await content.handle.readFile()).toString()).toBe('inside');
            seen.inside += 1;
          } finally {
            await content.handle.close();
          }
        } catch (error) {
          if (!(error instanceof BootContentError)) throw error;
          seen.refused += 1;
        }
      }
    } finally {
      if (flipper.exitCode === null) flipper.kill();
      await exited;
    }
    // Both sides of the race happened: the guard was tested, not skipped.
    expect(seen.inside).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});

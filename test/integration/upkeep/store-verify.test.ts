/**
 * `store verify [--repair]` on a store synced from a signed loopback mirror, with one blob
 * truncated, one deleted and one corrupted in place: the report in words, repair from the mirror,
 * and repair with the mirror gone (versions marked incomplete, not served, fetched by the next sync).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { BlobStore } from '../../../src-main/store/blob-store';
import { BootResources } from '../../../src-main/store/boot-resources';
import type { StoredResource } from '../../../src-main/store/types';
import { verifyStore, type VerifyProgress } from '../../../src-main/upkeep/store-verify';
import { generateTestKey, type TestKey } from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { fastRetry, makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';

let key: TestKey;
beforeAll(async () => {
  key = await generateTestKey();
});
let env: SyncEnv | undefined;
const servers: MirrorServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
  await env?.cleanup();
  env = undefined;
});

interface Damage {
  env: SyncEnv;
  blobs: BlobStore;
  ga: StoredResource;
  hwe: StoredResource;
  /** sha256 of each damaged file, by what was done to it. */
  truncated: string;
  deleted: string;
  corrupt: string;
}

function fileOf(r: StoredResource, ftype: string): { sha256: string; size: number } {
  const f = r.versions[0]?.files.find((x) => x.ftype === ftype);
  if (f === undefined) throw new Error(`no ${ftype}`);
  return f;
}

async function damaged(): Promise<Damage> {
  env = await makeSyncEnv({ key });
  expect(await env.run()).toBeUndefined();
  const blobs = new BlobStore(env.dataDir);
  const images = env.sources.store.listResources('image');
  const ga = images.find((r) => r.subarch === 'ga-22.04');
  const hwe = images.find((r) => r.subarch === 'hwe-22.04-lowlatency');
  if (ga === undefined || hwe === undefined) throw new Error('fixture changed');
  const truncated = fileOf(ga, 'squashfs');
  truncateSync(blobs.pathFor(truncated.sha256), 100);
  const deleted = fileOf(hwe, 'boot-kernel');
  rmSync(blobs.pathFor(deleted.sha256));
  const corrupt = fileOf(ga, 'boot-initrd');
  const bytes = readFileSync(blobs.pathFor(corrupt.sha256));
  bytes[10] = (bytes[10] ?? 0) ^ 0xff;
  writeFileSync(blobs.pathFor(corrupt.sha256), bytes);
  return {
    env,
    blobs,
    ga,
    hwe,
    truncated: truncated.sha256,
    deleted: deleted.sha256,
    corrupt: corrupt.sha256,
  };
}

const sha256Of = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');

describe('store verify', () => {
  it('reports a truncated, a deleted and a corrupted blob per version, in words', async () => {
    const d = await damaged();
    const progress: VerifyProgress[] = [];
    const r = await verifyStore(d.env.sources.store, d.blobs, {
      repair: false,
      onProgress: (p) => progress.push(p),
    });
    expect(r.ok).toBe(false);
    expect(r.repaired).toBe(false);
    const squashSize = fileOf(d.ga, 'squashfs').size;
    expect(r.versions.map((v) => v.summary)).toEqual([
      `ubuntu/jammy/amd64/ga-22.04 20250701: boot-initrd is corrupt (sha256 mismatch); squashfs is truncated (100 of ${squashSize} bytes)`,
      // Both kernels share one squashfs: it is reported for each version, hashed once.
      `ubuntu/jammy/amd64/hwe-22.04-lowlatency 20250701: boot-kernel is missing; squashfs is truncated (100 of ${squashSize} bytes)`,
    ]);
    expect(r.versions[1]?.problems).toEqual([
      expect.objectContaining({ ftype: 'boot-kernel', problem: 'missing', repair: null }),
      expect.objectContaining({ ftype: 'squashfs', problem: 'truncated', repair: null }),
    ]);
    // Progress counts every distinct blob once; the last report is the whole store.
    const last = progress.at(-1);
    expect(last?.files).toBe(last?.totalFiles);
    expect(r.checkedFiles).toBe(last?.totalFiles);
    // Reporting changes nothing.
    expect(statSync(d.blobs.pathFor(d.truncated)).size).toBe(100);
  });

  it('--repair fetches exactly the damaged files again from the source, verified', async () => {
    const d = await damaged();
    const before = d.env.server.requests.length;
    const progress: VerifyProgress[] = [];
    const r = await verifyStore(d.env.sources.store, d.blobs, {
      repair: true,
      retry: fastRetry,
      onProgress: (p) => progress.push(p),
    });
    expect(r.repaired).toBe(true);
    // After the check, the fetching counts the three damaged files and ends with all of them.
    const fetching = progress.filter((p) => p.phase === 'fetching');
    expect(progress.findIndex((p) => p.phase === 'fetching')).toBeGreaterThan(0);
    expect(
      progress.slice(progress.indexOf(fetching[0]!)).every((p) => p.phase === 'fetching'),
    ).toBe(true);
    expect(fetching[0]).toMatchObject({ files: 0, totalFiles: 3, bytes: 0 });
    expect(fetching.at(-1)).toMatchObject({ files: 3, totalFiles: 3 });
    expect(fetching.at(-1)?.bytes).toBe(fetching.at(-1)?.totalBytes);
    expect(fetching.every((p) => p.bytes <= p.totalBytes)).toBe(true);
    expect(r.versions.map((v) => v.summary)).toEqual([
      expect.stringMatching(
        /^ubuntu\/jammy\/amd64\/ga-22\.04 20250701: boot-initrd is corrupt \(sha256 mismatch\), fetched again and verified; squashfs is truncated \(100 of \d+ bytes\), fetched again and verified$/,
      ),
      expect.stringMatching(
        /^ubuntu\/jammy\/amd64\/hwe-22\.04-lowlatency 20250701: boot-kernel is missing, fetched again and verified; squashfs is truncated \(100 of \d+ bytes\), fetched again and verified$/,
      ),
    ]);
    // The shared squashfs is fetched once: three files, three requests.
    const fetched = d.env.server.requests.slice(before).map((q) => q.path);
    expect(fetched).toHaveLength(3);
    for (const sha of [d.truncated, d.deleted, d.corrupt]) {
      expect(sha256Of(d.blobs.pathFor(sha))).toBe(sha);
    }
    const again = await verifyStore(d.env.sources.store, d.blobs, { repair: false });
    expect(again.ok).toBe(true);
  });

  it('--repair with the source unreachable marks the versions incomplete; the next sync fetches them', async () => {
    const d = await damaged();
    const store = d.env.sources.store;
    const bootloader = store.listResources('bootloader').find((b) => b.os === 'pxelinux');
    const unpacked = bootloader?.versions[0]?.unpackDir;
    if (unpacked === undefined || unpacked === null) throw new Error('fixture changed');
    rmSync(unpacked, { recursive: true });
    const port = Number(new URL(d.env.server.url).port);
    await d.env.server.stop();

    const r = await verifyStore(store, d.blobs, { repair: true, retry: fastRetry });
    expect(r.ok).toBe(false);
    expect(r.repaired).toBe(false);
    expect(r.versions.every((v) => v.markedIncomplete)).toBe(true);
    const hwe = r.versions.find((v) => v.image.includes('hwe'));
    expect(hwe?.summary).toMatch(
      /^ubuntu\/jammy\/amd64\/hwe-22\.04-lowlatency 20250701: boot-kernel is missing, could not be fetched again \(.+\); marked incomplete, so it is not served until the next sync fetches it again$/,
    );
    expect(r.versions.find((v) => v.image === 'pxelinux/pxe/i386')?.summary).toContain(
      'its unpacked folder',
    );
    // Not trusted, not served, shown as incomplete.
    expect(store.hasVersion({ ...d.ga, kind: 'image' }, '20250701')).toBe(false);
    const boot = new BootResources(d.env.db, d.env.dataDir);
    expect(boot.findImage('ubuntu/jammy/amd64/ga-22.04')).toBeUndefined();
    expect(boot.bootloaderDir('pxe', 'i386')).toBeUndefined();
    expect(store.listResources('image').map((i) => i.versions[0]?.complete)).toEqual([
      false,
      false,
    ]);

    // Back online on the same address: the next sync fetches what is missing and publishes again.
    servers.push(await new MirrorServer(d.env.mirror.root).start(port));
    expect(await d.env.run()).toBeUndefined();
    expect(store.listResources().every((x) => x.versions[0]?.complete === true)).toBe(true);
    expect(boot.findImage('ubuntu/jammy/amd64/ga-22.04')?.version).toBe('20250701');
    expect(boot.bootloaderDir('pxe', 'i386')).toBe(unpacked);
    const again = await verifyStore(store, d.blobs, { repair: false });
    expect(again.ok).toBe(true);
  });
});

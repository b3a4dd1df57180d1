/**
 * `mirror export` onto bad disks (needs root to mount): a tmpfs too small for the tree (refused up
 * front, and with the space check fooled, ENOSPC mid-copy), and a read-only mount. Each ends in one
 * sentence, and a later check of the folder finds every file at its final name whole and no
 * temporary file left. Also: the boot server's HTTP port serves the same tree under
 * /maas/images/ephemeral-v3/<stream>/ with Range and ETag, and nothing else of the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isUserError } from '../../../src-shared/errors';
import type { Services } from '../../../src-main/services';
import { openLabboot, syncFrom } from '../../helpers/mirror/labboot-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir();
const mounts: string[] = [];
let upServer: MirrorServer;
let lb: Services;

function mount(dir: string, options: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
}

/** filesUnder lists every file below `dir` with the sha256 of its bytes. */
function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), createHash('sha256').update(readFileSync(p)).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

/** expectNothingHalfWritten: every exported file is one the tree lists, with its digest. */
async function expectNothingHalfWritten(dir: string): Promise<void> {
  const tree = (await lb.mirror.trees('verbatim'))[0];
  for (const [path, sha] of filesUnder(dir)) {
    expect(path.endsWith('.labboot-partial'), path).toBe(false);
    expect(tree?.entries.get(path)?.sha256, path).toBe(sha);
  }
}

beforeAll(async () => {
  const upstream = await standardMirror(join(tmp.path, 'upstream'));
  upServer = await new MirrorServer(upstream.root).start();
  lb = await openLabboot(join(tmp.path, 'data'));
  expect(await syncFrom(lb, upServer.url, upstream.key.publicBinary)).toBeUndefined();
}, 60_000);

afterAll(async () => {
  for (const m of mounts.reverse()) execFileSync('umount', ['-l', m]);
  await lb.dispose();
  await upServer.stop();
  tmp.remove();
});

describe('mirror export onto bad disks', { timeout: 30_000 }, () => {
  it('refuses a folder too small for the tree in one sentence, writing nothing', async () => {
    const small = join(tmp.path, 'small');
    mount(small, 'size=64k');
    const error = await lb.mirror
      .export({ dir: join(small, 'stable'), mode: 'verbatim', images: [], onEvent: () => {} })
      .catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^The export folder .*small\/stable has [\d.]+ MB free but the export needs [\d.]+ MB more; free some space or choose a larger drive\.$/,
    );
    expect(filesUnder(small).size).toBe(0);
  });

  it('says so when the disk fills up mid-copy, and what was written is whole', async () => {
    const small = join(tmp.path, 'fills');
    mount(small, 'size=64k');
    const dir = join(small, 'stable');
    const error = await lb.mirror
      .export({
        dir,
        mode: 'verbatim',
        images: [],
        onEvent: () => {},
        freeBytes: () => Promise.resolve(1 << 30),
      })
      .catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('disk-full');
    expect((error as Error).message).toMatch(
      /ran out of space while writing .* files already written are whole and are kept\.$/,
    );
    expect(filesUnder(dir).size).toBeGreaterThan(0);
    await expectNothingHalfWritten(dir);
  });

  it('refuses a read-only folder in one sentence', async () => {
    const ro = join(tmp.path, 'ro');
    mount(ro, 'ro,size=1m');
    const error = await lb.mirror
      .export({ dir: join(ro, 'stable'), mode: 'verbatim', images: [], onEvent: () => {} })
      .catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect((error as Error).message).toBe(
      `Cannot export to ${join(ro, 'stable')}: it is on a read-only file system; mount the drive writable or choose another folder.`,
    );
    expect(filesUnder(ro).size).toBe(0);
  });

  it('exports only the images named (bootloaders always), and refuses one not stored', async () => {
    const dir = join(tmp.path, 'one');
    await lb.mirror.export({
      dir,
      mode: 'resigned',
      images: ['ubuntu/jammy/amd64/ga-22.04'],
      onEvent: () => {},
    });
    const paths = [...filesUnder(dir).keys()];
    expect(paths.some((p) => p.includes('/ga-22.04/'))).toBe(true);
    expect(paths.some((p) => p.includes('/hwe-22.04/'))).toBe(false);
    expect(paths.some((p) => p.startsWith('bootloaders/'))).toBe(true);
    const products = readFileSync(
      join(dir, 'streams/v1/com.ubuntu.maas:stable:v3:download.json'),
      'utf8',
    );
    expect(products).not.toContain('hwe-22.04');
    await expect(
      lb.mirror.export({
        dir,
        mode: 'verbatim',
        images: ['ubuntu/focal/amd64'],
        onEvent: () => {},
      }),
    ).rejects.toThrow('Image ubuntu/focal/amd64 is not in the store, so it cannot be exported');
  });
});

describe('the boot server serves the mirror', { timeout: 30_000 }, () => {
  it('answers /maas/images/ephemeral-v3/<stream>/ with ranges and validators, and nothing outside the tree', async () => {
    const status = await lb.boot.start({ address: '127.0.0.1', httpPort: 0, tftpPort: 0 });
    try {
      const http = status.parts.find((p) => p.name === 'http');
      const stream = (await lb.mirror.status()).streams[0]?.name ?? '';
      const base = `http://127.0.0.1:${http?.port ?? 0}/maas/images/ephemeral-v3/${stream}/`;
      const index = await fetch(`${base}streams/v1/index.sjson`);
      expect(index.status).toBe(200);
      const etag = index.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
      expect(
        (await fetch(`${base}streams/v1/index.sjson`, { headers: { 'if-none-match': etag } }))
          .status,
      ).toBe(304);
      const part = await fetch(`${base}jammy/amd64/20250701/squashfs`, {
        headers: { range: 'bytes=0-7' },
      });
      expect(part.status).toBe(206);
      expect(await part.text()).toBe('squashfs');
      const head = await fetch(`${base}jammy/amd64/20250701/squashfs`, { method: 'HEAD' });
      expect(head.headers.get('content-length')).toBe('36000');
      for (const path of ['../../labboot.sqlite', 'jammy/amd64/20250601/squashfs', 'blobs', '']) {
        expect((await fetch(`${base}${path}`)).status, path).toBeGreaterThanOrEqual(400);
      }
      expect((await fetch(`${base}streams/v1/index.sjson`, { method: 'PUT' })).status).toBe(405);
    } finally {
      await lb.boot.stop();
    }
  });
});

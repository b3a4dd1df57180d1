import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMirrorKey } from '../../../src-main/mirror/mirror-key';
import { buildResignedTrees, buildVerbatimTrees } from '../../../src-main/mirror/mirror-tree';
import { sha256Hex } from '../../../src-main/store/stream-store';

const index = new TextEncoder().encode(
  JSON.stringify({
    format: 'index:1.0',
    index: { p: { datatype: 'image-ids', path: 'streams/v1/p.json', products: ['x:v3:y'] } },
  }),
);
const products = new TextEncoder().encode(
  JSON.stringify({
    content_id: 'p',
    products: {
      'x:v3:y': {
        versions: {
          '1': { items: { squashfs: { path: 'a/squashfs', sha256: 'b'.repeat(64), size: 1 } } },
        },
      },
    },
  }),
);

describe('mirror trees of a source added without verification', () => {
  it('are neither served verbatim nor re-signed with the mirror key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labboot-test-'));
    try {
      const docs = new Map([
        [sha256Hex(index), index],
        [sha256Hex(products), products],
      ]);
      const input = {
        sources: [{ name: 'plain', url: 'http://m/stable/' }],
        files: [
          {
            sourceUrl: 'http://m/stable/',
            path: 'streams/v1/index.json',
            contentId: '',
            sha256: sha256Hex(index),
            verified: false,
          },
          {
            sourceUrl: 'http://m/stable/',
            path: 'streams/v1/p.json',
            contentId: 'p',
            sha256: sha256Hex(products),
            verified: false,
          },
        ],
        held: [
          {
            kind: 'image' as const,
            os: 'ubuntu',
            release: 'jammy',
            arch: 'amd64',
            subarch: 'ga-22.04',
            product: 'x:v3:y',
            version: '1',
            sourceUrl: 'http://m/stable/',
            document: sha256Hex(products),
            files: [
              {
                name: 'squashfs',
                ftype: 'squashfs',
                sha256: 'b'.repeat(64),
                size: 1,
                path: 'a/squashfs',
              },
            ],
          },
        ],
        document: (sha: string) => docs.get(sha),
      };
      expect(await buildVerbatimTrees(input)).toEqual([]);
      expect(await buildResignedTrees(input, await loadMirrorKey(dir))).toEqual([]);
      // The same files, verified: both modes serve the version.
      const verified = { ...input, files: input.files.map((f) => ({ ...f, verified: true })) };
      const [resigned] = await buildResignedTrees(verified, await loadMirrorKey(dir));
      expect(resigned?.versions).toEqual([
        { product: 'x:v3:y', version: '1', complete: true, files: 1, bytes: 1 },
      ]);
      expect(resigned?.name).toBe('stable');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

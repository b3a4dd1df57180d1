import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { diffManifests } from '../../../src-shared/manifest/diff';
import { ManifestParseError, parseManifest } from '../../../src-shared/manifest/parse';

const excerpt = new URL(
  '../../../../shared/spec/data/manifest/jammy-amd64-squashfs.manifest.EXCERPT.txt',
  import.meta.url,
);

describe('squashfs.manifest parsing', () => {
  it('parses the real jammy excerpt: arch qualifiers and epochs', () => {
    const entries = parseManifest(readFileSync(excerpt, 'utf8'));
    expect(entries.length).toBeGreaterThan(30);
    expect(entries).toContainEqual({ name: 'adduser', arch: '', version: '3.118ubuntu5' });
    expect(entries).toContainEqual({
      name: 'bind9-libs',
      arch: 'amd64',
      version: '1:9.18.1-1ubuntu1.1',
    });
  });

  it('refuses malformed and hostile lines with the line number', () => {
    const bad = [
      'bash 5.1',
      'Bash\t5.1',
      'bash\t5 1',
      'bash:AMD64\t1',
      'a\t1\na\t2',
      'x\t' + 'y'.repeat(600),
    ];
    for (const text of bad) expect(() => parseManifest(text)).toThrow(ManifestParseError);
    expect(() => parseManifest('ok\t1\nbad line')).toThrow(/line 2/);
    expect(() => parseManifest('a\t1\n'.repeat(100_001))).toThrow(/too many lines/);
  });

  it('tolerates CRLF and blank lines', () => {
    expect(parseManifest('a\t1\r\n\r\nb\t2\n')).toEqual([
      { name: 'a', arch: '', version: '1' },
      { name: 'b', arch: '', version: '2' },
    ]);
  });
});

describe('manifest diff', () => {
  it('lists added, removed and changed packages by qualified name', () => {
    const a = parseManifest('bash\t5.1\nold\t1\nlibc6:amd64\t2.35-0ubuntu3\n');
    const b = parseManifest('bash\t5.2\nnew\t1\nlibc6:amd64\t2.35-0ubuntu3\n');
    expect(diffManifests(a, b)).toEqual({
      added: [{ package: 'new', pkgVersion: '1' }],
      removed: [{ package: 'old', pkgVersion: '1' }],
      changed: [{ package: 'bash', from: '5.1', to: '5.2' }],
    });
  });
});

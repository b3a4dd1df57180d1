import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../../src-main/store/database';
import { SourcesService } from '../../../src-main/sync/sources-service';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function open(): { sources: SourcesService; dir: string } {
  const tmp = makeTempDir();
  const db = openDatabase(join(tmp.path, 'labboot.sqlite'));
  cleanups.push(tmp.remove, () => db.close());
  return { sources: new SourcesService(db, tmp.path), dir: tmp.path };
}

const urls = (s: SourcesService): string[] => s.effectiveSources().map((x) => x.url);

describe('MAAS streams and local folders as sources', () => {
  it('--stream alone names the images.maas.io stream; with a URL it is the folder under it', async () => {
    const { sources } = open();
    const candidate = await sources.add({ stream: 'candidate', verify: true });
    expect(candidate).toMatchObject({
      name: 'maas-candidate',
      url: 'https://images.maas.io/ephemeral-v3/candidate/',
      keyringKind: 'default',
    });
    const local = await sources.add({
      url: 'http://mirror.lab/maas/images/ephemeral-v3',
      stream: 'candidate',
      verify: true,
    });
    expect(local.url).toBe('http://mirror.lab/maas/images/ephemeral-v3/candidate/');
    await expect(sources.add({ stream: 'daily', verify: true })).rejects.toThrow(
      'images.maas.io has no stream "daily"',
    );
    await expect(sources.add({ stream: '../x', verify: true })).rejects.toThrow(
      'is not a stream name',
    );
  });

  it('switches the default between stable and candidate, leaving other sources alone', async () => {
    const { sources } = open();
    expect(sources.defaultStream()).toBe('stable');
    await sources.useDefaultStream('candidate');
    expect(urls(sources)).toEqual(['https://images.maas.io/ephemeral-v3/candidate/']);
    expect(sources.defaultStream()).toBe('candidate');
    await sources.add({ url: 'http://mirror.lab/stable/', verify: true });
    await sources.useDefaultStream('stable');
    expect(urls(sources)).toEqual([
      'http://mirror.lab/stable/',
      'https://images.maas.io/ephemeral-v3/stable/',
    ]);
    sources.remove('mirror.lab/stable');
    // Only stable left: it is the built-in default again once it is the only source wanted.
    await sources.useDefaultStream('candidate');
    await sources.useDefaultStream('stable');
    expect(urls(sources)).toEqual(['https://images.maas.io/ephemeral-v3/stable/']);
  });

  it('takes a plain absolute path or a file:// URL of a folder, and refuses a missing one', async () => {
    const { sources, dir } = open();
    const added = await sources.add({ url: dir, name: 'usb', verify: true });
    expect(added.url).toBe(`file://${dir}/`);
    await expect(
      sources.add({ url: `file://${join(dir, 'nope')}/`, name: 'gone', verify: true }),
    ).rejects.toThrow(
      `The local mirror folder ${join(dir, 'nope')} does not exist or is not a folder`,
    );
    await expect(sources.add({ url: 'ftp://x/', verify: true })).rejects.toThrow(
      'or from a local folder (file:// URL or absolute path)',
    );
  });
});

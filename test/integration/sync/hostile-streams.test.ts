/**
 * Attacks through a correctly signed mirror: names and archives that try to reach outside the
 * data folder. Each is refused with one sentence and leaves nothing outside (or links inside).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { BootResources } from '../../../src-main/store/boot-resources';
import {
  buildMirror,
  generateTestKey,
  makeRawTarXz,
  manifestText,
  rewriteSignedStream,
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

/** links lists every symbolic link below a folder. */
function links(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = lstatSync(p);
    if (s.isSymbolicLink()) out.push(p);
    else if (s.isDirectory()) out.push(...links(p));
  }
  return out;
}

/** plantVictim puts a folder beside the data folder, where the attacks aim. */
function plantVictim(e: SyncEnv): () => string[] {
  const victim = join(e.tmp, 'victim');
  mkdirSync(victim);
  writeFileSync(join(victim, 'keep.txt'), 'mine');
  return () => readdirSync(victim).map((n) => `${n}=${readFileSync(join(victim, n), 'utf8')}`);
}

const jammy = {
  release: 'jammy',
  version: '22.04',
  arch: 'amd64',
  subarch: 'ga-22.04',
  versions: {
    '20250701': {
      kernel: 'kernel',
      initrd: 'initrd',
      squashfs: 'squashfs',
      manifest: manifestText({ bash: '5.1' }),
    },
  },
};

describe('hostile but signed streams', () => {
  it('a bootloader archive whose symlink chain leads out of the unpack folder', async () => {
    // a -> . ; a/b -> .. ; then every further link climbs one level; the file lands beside data/.
    const chain = await makeRawTarXz([
      { name: 'lpxelinux.0', body: 'LPXELINUX' },
      { name: 'a', type: 'symlink', linkname: '.' },
      { name: 'a/b', type: 'symlink', linkname: '..' },
      { name: 'b/c1', type: 'symlink', linkname: '..' },
      { name: 'b/c1/c2', type: 'symlink', linkname: '..' },
      { name: 'b/c1/c2/c3', type: 'symlink', linkname: '..' },
      { name: 'b/c1/c2/c3/c4', type: 'symlink', linkname: '..' },
      { name: 'b/c1/c2/c3/c4/escaped.txt', body: 'escaped' },
    ]);
    const e = (env = await makeSyncEnv({
      key,
      build: (root, k) =>
        buildMirror({
          root,
          key: k,
          images: [jammy],
          bootloaders: [
            { os: 'pxelinux', type: 'pxe', arch: 'i386', versions: { '1.0': { syslinux: chain } } },
          ],
        }),
    }));
    const err = await e.run();
    expect(err?.message).toMatch(
      /^Source "loop" \(http:\/\/127\.0\.0\.1:\d+\/\): the bootloader archive of pxelinux\/pxe\/i386 1\.0 was refused \(member a is a symbolic link, which a bootloader archive never holds\); check the mirror, the previous bootloader stays in use\.$/,
    );
    expect(existsSync(join(e.tmp, 'escaped.txt'))).toBe(false);
    expect(links(e.tmp)).toEqual([]);
    expect(readdirSync(join(e.dataDir, 'bootloaders', 'pxe', 'i386'))).toEqual([]);
    expect(new BootResources(e.db, e.dataDir).listBootloaders()).toEqual([]);
    // The image of the same run is unaffected.
    expect(new BootResources(e.db, e.dataDir).findImage('ubuntu/jammy/amd64')?.version).toBe(
      '20250701',
    );
  });

  it('a bootloader version that is a path to a sibling of the data folder', async () => {
    const e = (env = await makeSyncEnv({
      key,
      build: (root, k) =>
        buildMirror({
          root,
          key: k,
          images: [jammy],
          bootloaders: [
            {
              os: 'pxelinux',
              type: 'pxe',
              arch: 'i386',
              versions: { '9': { syslinux: { 'lpxelinux.0': 'LPXELINUX' } } },
            },
          ],
        }),
    }));
    await rewriteSignedStream(e.mirror, 'com.ubuntu.maas:stable:1:bootloader-download', (doc) => {
      for (const p of Object.values(doc.products)) {
        const versions = p.versions as Record<string, unknown>;
        versions['9/../../../../../victim'] = versions['9'];
        delete versions['9'];
      }
    });
    const victim = plantVictim(e);
    const err = await e.run();
    expect(err?.message).toBe(
      `Source "loop" (${e.server.url}): streams/v1/com.ubuntu.maas:stable:1:bootloader-download.sjson is not usable: product com.ubuntu.maas.stable:1:pxelinux:pxe:i386: version name "9/../../../../../victim" is not a plain name (letters, digits and . _ + ~ - only, no ".."); check the mirror, previously synced images are unchanged.`,
    );
    expect(victim()).toEqual(['keep.txt=mine']);
    expect(existsSync(join(e.dataDir, 'bootloaders'))).toBe(false);
  });

  it('an image version that is a path', async () => {
    const e = (env = await makeSyncEnv({
      key,
      build: (root, k) => buildMirror({ root, key: k, images: [jammy] }),
    }));
    await rewriteSignedStream(e.mirror, 'com.ubuntu.maas:stable:v3:download', (doc) => {
      for (const p of Object.values(doc.products)) {
        const versions = p.versions as Record<string, unknown>;
        versions['99/../../x'] = versions['20250701'];
      }
    });
    const victim = plantVictim(e);
    const err = await e.run();
    expect(err?.message).toMatch(
      /streams\/v1\/com\.ubuntu\.maas:stable:v3:download\.sjson is not usable: product com\.ubuntu\.maas\.stable:v3:boot:22\.04:amd64:ga-22\.04: version name "99\/\.\.\/\.\.\/x" is not a plain name/,
    );
    expect(victim()).toEqual(['keep.txt=mine']);
    expect(new BootResources(e.db, e.dataDir).listImages()).toEqual([]);
    expect(existsSync(join(e.tmp, 'x'))).toBe(false);
  });
});

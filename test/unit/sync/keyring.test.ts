import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readKeys } from 'openpgp';
import {
  defaultKeyringCachePath,
  parseKeyring,
  pinnedSubset,
  resolveDefaultKeyring,
  ubuntuCloudImagePins,
} from '../../../src-main/sync/keyring';
import { SignatureError, verifyClearsigned } from '../../../src-main/sync/clearsign';
import { clearsign, generateTestKey } from '../../helpers/mirror/build-mirror';
import { makeTempDir } from '../../helpers/temp-dir';

const keys = new URL('../../../../shared/spec/data/keys/', import.meta.url);
const realKeyring = new Uint8Array(readFileSync(new URL('ubuntu-cloudimage-keyring.gpg', keys)));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('keyrings and the pinned Ubuntu cloud-image keys', () => {
  it('accepts the real Ubuntu keyring: both pinned keys', async () => {
    const ring = await pinnedSubset(realKeyring, 'ubuntu-cloudimage-keyring.gpg');
    expect(ring.fingerprints.sort()).toEqual([...ubuntuCloudImagePins].sort());
  });

  it('reads the 2013 keyring and the armored cloud-images.pub (476CF100 only)', async () => {
    const old = await pinnedSubset(
      new Uint8Array(readFileSync(new URL('ubuntu-cloudimage-keyring-2013.11.11.gpg', keys))),
      '2013',
    );
    expect(old.fingerprints).toEqual(['4A3CE3CD565D7EB5C810E2B97FF3F408476CF100']);
    const armored = await parseKeyring(
      new Uint8Array(readFileSync(new URL('cloud-images.pub', keys))),
      'pub',
    );
    expect(armored.fingerprints).toEqual(['4A3CE3CD565D7EB5C810E2B97FF3F408476CF100']);
  });

  it('refuses a keyring without the pinned keys, and a file that is not OpenPGP', async () => {
    const other = await generateTestKey();
    await expect(pinnedSubset(other.publicBinary, 'other.gpg')).rejects.toThrow(
      /The keyring other\.gpg does not contain the pinned Ubuntu cloud-image keys/,
    );
    await expect(
      parseKeyring(new TextEncoder().encode('hello, not a key'), 'notes.txt'),
    ).rejects.toThrow(
      /^The keyring notes\.txt is not an OpenPGP public key file .*; pass a binary \.gpg or armored \.asc/,
    );
  });

  it('fetches the keys from the keyserver when the host has none, checks the pins, and caches them', async () => {
    const tmp = makeTempDir();
    cleanups.push(() => tmp.remove());
    const byFpr = new Map<string, string>();
    for (const k of await readKeys({ binaryKeys: realKeyring })) {
      byFpr.set(k.getFingerprint().toUpperCase(), k.armor());
    }
    const asked: string[] = [];
    const server: Server = createServer((req, res) => {
      const fpr = /search=0x([0-9A-F]+)/.exec(req.url ?? '')?.[1] ?? '';
      asked.push(fpr);
      const body = byFpr.get(fpr);
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const keyserver = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ring = await resolveDefaultKeyring({
      dataDir: tmp.path,
      hostPath: join(tmp.path, 'none.gpg'),
      keyserver,
    });
    expect(ring.fingerprints.sort()).toEqual([...ubuntuCloudImagePins].sort());
    expect(asked.sort()).toEqual([...ubuntuCloudImagePins].sort());
    expect(existsSync(defaultKeyringCachePath(tmp.path))).toBe(true);
    // Second time: from the cache, no keyserver.
    asked.length = 0;
    await resolveDefaultKeyring({
      dataDir: tmp.path,
      hostPath: join(tmp.path, 'none.gpg'),
      keyserver,
    });
    expect(asked).toEqual([]);
  });

  it('refuses a keyserver answer that is not the pinned key, with a way out', async () => {
    const tmp = makeTempDir();
    cleanups.push(() => tmp.remove());
    const impostor = await generateTestKey('Impostor');
    const server = createServer((_req, res) => res.writeHead(200).end(impostor.publicKey));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    await expect(
      resolveDefaultKeyring({
        dataDir: tmp.path,
        hostPath: join(tmp.path, 'none.gpg'),
        keyserver: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      }),
    ).rejects.toThrow(
      /could not supply it .*install the ubuntu-keyring package or pass --keyring FILE/,
    );
    expect(existsSync(defaultKeyringCachePath(tmp.path))).toBe(false);
  });

  it('uses the host keyring file when present', async () => {
    const tmp = makeTempDir();
    cleanups.push(() => tmp.remove());
    const host = join(tmp.path, 'host.gpg');
    writeFileSync(host, realKeyring);
    const ring = await resolveDefaultKeyring({
      dataDir: tmp.path,
      hostPath: host,
      keyserver: 'http://127.0.0.1:9',
    });
    expect(ring.fingerprints).toHaveLength(2);
  });
});

describe('clearsigned files', () => {
  it('verifies a good signature and returns the body', async () => {
    const key = await generateTestKey();
    const ring = await parseKeyring(key.publicBinary, 'k');
    const signed = await clearsign('{"a": 1}\n- dash line\n', key);
    expect(await verifyClearsigned(signed, ring.keys)).toBe('{"a": 1}\n- dash line\n');
  });

  it('refuses tampered text, a foreign key, and unsigned text', async () => {
    const key = await generateTestKey();
    const other = await generateTestKey('Other');
    const ring = await parseKeyring(key.publicBinary, 'k');
    const otherRing = await parseKeyring(other.publicBinary, 'o');
    const signed = await clearsign('{"a": 1}\n', key);
    await expect(
      verifyClearsigned(signed.replace('"a": 1', '"a": 2'), ring.keys),
    ).rejects.toMatchObject({ kind: 'bad' });
    await expect(verifyClearsigned(signed, otherRing.keys)).rejects.toMatchObject({
      kind: 'unknown-key',
    });
    await expect(verifyClearsigned('{"a": 1}', ring.keys)).rejects.toBeInstanceOf(SignatureError);
  });
});

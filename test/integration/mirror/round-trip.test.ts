/**
 * LabBoot as a mirror, end to end: LabBoot A syncs from a signed loopback mirror; LabBoot B syncs
 * from A's `labboot mirror serve` (verbatim, checked with the upstream key), C from the resigned
 * tree (checked with the key `labboot mirror key` prints), D and E from A's `mirror export`
 * folders (a plain path and a file:// URL). Each ends with byte-identical blobs and the same
 * catalogue as A; gpgv accepts every signed file of both modes; an altered file:// source is
 * refused with the same code as the same alteration over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Services } from '../../../src-main/services';
import type { BuiltMirror } from '../../helpers/mirror/build-mirror';
import {
  binaryKeyring,
  blobsOf,
  catalogOf,
  gpgv,
  openLabboot,
  serveMirror,
  syncFrom,
} from '../../helpers/mirror/labboot-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir();
const opened: Services[] = [];
let upstream: BuiltMirror;
let upServer: MirrorServer;
let a: Services;
const dirA = join(tmp.path, 'a');

async function labboot(name: string): Promise<Services> {
  const lb = await openLabboot(join(tmp.path, name));
  opened.push(lb);
  return lb;
}

function sjsonFiles(root: string): string[] {
  return readdirSync(join(root, 'streams/v1')).filter((f) => f.endsWith('.sjson'));
}

beforeAll(async () => {
  upstream = await standardMirror(join(tmp.path, 'upstream'));
  upServer = await new MirrorServer(upstream.root).start();
  a = await labboot('a');
  expect(await syncFrom(a, upServer.url, upstream.key.publicBinary)).toBeUndefined();
}, 60_000);

afterAll(async () => {
  for (const lb of opened) await lb.dispose();
  await upServer.stop();
  tmp.remove();
});

describe('LabBoot as a mirror', { timeout: 60_000 }, () => {
  it('serves the upstream signed files verbatim and a second LabBoot syncs the same images from it', async () => {
    const served = await serveMirror(dirA);
    try {
      const stream = served.streams[0];
      expect(stream?.url).toMatch(/\/maas\/images\/ephemeral-v3\/[^/]+\/$/);
      const keyring = join(tmp.path, 'upstream.gpg');
      writeFileSync(keyring, upstream.key.publicBinary);
      // Byte for byte what upstream signed, and gpgv accepts it with the upstream key.
      for (const path of upstream.metadata) {
        const bytes = new Uint8Array(await (await fetch(`${stream?.url}${path}`)).arrayBuffer());
        expect(Buffer.from(bytes).equals(readFileSync(join(upstream.root, path))), path).toBe(true);
        expect(gpgv(keyring, bytes, join(tmp.path, 'gnupg')).status, path).toBe(0);
      }
      const b = await labboot('b');
      expect(await syncFrom(b, stream?.url ?? '', upstream.key.publicBinary)).toBeUndefined();
      expect(blobsOf(join(tmp.path, 'b'))).toEqual(blobsOf(dirA));
      expect(catalogOf(b)).toEqual(catalogOf(a));
    } finally {
      await served.stop();
    }
  });

  it('serves a resigned tree that lists only what it holds, checked with the key `mirror key` prints', async () => {
    const printed = await runLabboot(['--data', dirA, 'mirror', 'key']);
    expect(printed.status, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    const served = await serveMirror(dirA, ['--resigned']);
    try {
      const keyring = await binaryKeyring(printed.stdout, join(tmp.path, 'labboot.gpg'));
      const index = await (await fetch(`${served.url}streams/v1/index.sjson`)).text();
      expect(gpgv(keyring, index, join(tmp.path, 'gnupg')).status).toBe(0);
      // The upstream key does not verify it: it is LabBoot's signature.
      const upKeyring = join(tmp.path, 'upstream.gpg');
      writeFileSync(upKeyring, upstream.key.publicBinary);
      expect(gpgv(upKeyring, index, join(tmp.path, 'gnupg')).status).not.toBe(0);
      const products = await (
        await fetch(`${served.url}streams/v1/com.ubuntu.maas:stable:v3:download.json`)
      ).json();
      // focal and the versions A does not hold are gone; every listed file is fetchable.
      expect(Object.keys((products as { products: object }).products).sort()).toEqual([
        'com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04',
        'com.ubuntu.maas.stable:v3:boot:22.04:amd64:hwe-22.04-lowlatency',
      ]);
      const c = await labboot('c');
      const key = new TextEncoder().encode(printed.stdout);
      expect(await syncFrom(c, served.url, key)).toBeUndefined();
      expect(blobsOf(join(tmp.path, 'c'))).toEqual(blobsOf(dirA));
      expect(catalogOf(c)).toEqual(catalogOf(a));
    } finally {
      await served.stop();
    }
  });

  it('exports a folder that fills an offline LabBoot, resumes without copying again, and signs both ways', async () => {
    const out = join(tmp.path, 'usb', 'stable');
    mkdirSync(join(tmp.path, 'usb'));
    const first = await runLabboot(['--data', dirA, '--json', 'mirror', 'export', out]);
    expect(first.status, first.stderr).toBe(0);
    const events = first.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; copied?: number; kept?: number });
    const done = events.at(-1);
    expect(done).toMatchObject({ event: 'done', kept: 0 });
    expect(done?.copied).toBeGreaterThan(10);
    const again = await runLabboot(['--data', dirA, '--json', 'mirror', 'export', out]);
    expect(JSON.parse(again.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
      event: 'done',
      copied: 0,
      kept: done?.copied,
    });
    const keyring = join(tmp.path, 'upstream.gpg');
    writeFileSync(keyring, upstream.key.publicBinary);
    for (const f of sjsonFiles(out)) {
      const r = gpgv(keyring, readFileSync(join(out, 'streams/v1', f)), join(tmp.path, 'gnupg'));
      expect(r.status, `${f}: ${r.out}`).toBe(0);
    }
    const d = await labboot('d');
    expect(await syncFrom(d, out, upstream.key.publicBinary)).toBeUndefined();
    expect(blobsOf(join(tmp.path, 'd'))).toEqual(blobsOf(dirA));
    expect(catalogOf(d)).toEqual(catalogOf(a));

    const resigned = join(tmp.path, 'usb2');
    await a.mirror.export({
      dir: resigned,
      mode: 'resigned',
      images: [],
      onEvent: () => undefined,
    });
    const key = await a.mirror.key();
    const ownKeyring = await binaryKeyring(key.publicArmored, join(tmp.path, 'own.gpg'));
    expect(sjsonFiles(resigned).length).toBe(3);
    for (const f of sjsonFiles(resigned)) {
      const r = gpgv(
        ownKeyring,
        readFileSync(join(resigned, 'streams/v1', f)),
        join(tmp.path, 'gnupg'),
      );
      expect(r.status, `${f}: ${r.out}`).toBe(0);
    }
    const e = await labboot('e');
    const url = pathToFileURL(resigned).href;
    expect(await syncFrom(e, url, key.publicBinary)).toBeUndefined();
    expect(blobsOf(join(tmp.path, 'e'))).toEqual(blobsOf(dirA));
    expect(catalogOf(e)).toEqual(catalogOf(a));
  });

  it('refuses an altered file:// source exactly as the same alteration over HTTP', async () => {
    const clean = join(tmp.path, 'usb', 'stable');
    const squash = 'jammy/amd64/20250701/squashfs';
    const product = 'streams/v1/com.ubuntu.maas:stable:v3:download.sjson';
    const cases: [string, (root: string) => void, string][] = [
      [
        'a squashfs with one byte changed',
        (root) => {
          const bytes = readFileSync(join(root, squash));
          bytes[0] = (bytes[0] ?? 0) ^ 0xff;
          writeFileSync(join(root, squash), bytes);
        },
        'checksum-mismatch',
      ],
      [
        'a product file whose sha256 was edited',
        (root) => {
          const text = readFileSync(join(root, product), 'utf8');
          writeFileSync(join(root, product), text.replace(/"sha256": "[0-9a-f]/, '"sha256": "0'));
        },
        'bad-signature',
      ],
    ];
    for (const [what, alter, code] of cases) {
      const copy = join(tmp.path, `altered-${code}`);
      cpSync(clean, copy, { recursive: true });
      alter(copy);
      const viaFile = await labboot(`file-${code}`);
      const fileError = await syncFrom(
        viaFile,
        pathToFileURL(copy).href,
        upstream.key.publicBinary,
      );
      const server = await new MirrorServer(copy).start();
      try {
        const viaHttp = await labboot(`http-${code}`);
        const httpError = await syncFrom(viaHttp, server.url, upstream.key.publicBinary);
        expect(fileError, what).toMatchObject({ code });
        expect(httpError, what).toMatchObject({ code });
        expect(viaFile.sources.store.listResources('image'), what).toEqual([]);
      } finally {
        await server.stop();
      }
    }
  });
});

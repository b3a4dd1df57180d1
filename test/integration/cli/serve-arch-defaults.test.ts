/**
 * `labboot serve --boot IMAGE --boot IMAGE…` on loopback with DHCP off, as a separate process on a
 * data folder synced from a signed loopback mirror with an amd64 and an arm64 image and the arm64
 * bootloader product: each `--boot` becomes the default of its image's architecture, GRUB's
 * per-arch and per-MAC configs (curl over HTTP) name that architecture's kernel, and two images of
 * one architecture are refused with one sentence before anything is stored or served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMirror, generateTestKey, manifestText } from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { runLabboot } from '../../helpers/mirror/run-cli';
import { startLoopbackServe } from '../../helpers/loopback-serve';
import { requireBinaries, run } from '../../helpers/boot/udp-tools';
import { makeTempDir } from '../../helpers/temp-dir';
import { openDatabase } from '../../../src-main/store/database';
import { ChoiceStore } from '../../../src-main/boot/config/choice-store';

const tmp = makeTempDir();
let server: MirrorServer | undefined;
const data = join(tmp.path, 'data');
const lb = (...args: string[]) => runLabboot(['--data', data, ...args]);

const image = (release: string, version: string, arch: string) => ({
  release,
  version,
  arch,
  subarch: `ga-${version}`,
  versions: {
    '20251101': {
      kernel: `kernel ${release} ${arch} `.repeat(100),
      initrd: `initrd ${release} ${arch} `.repeat(100),
      squashfs: `squashfs ${release} ${arch} `.repeat(100),
      manifest: manifestText({ bash: '5.1' }),
    },
  },
});

beforeAll(async () => {
  await requireBinaries(['curl']);
  const mirror = await buildMirror({
    root: join(tmp.path, 'mirror'),
    key: await generateTestKey(),
    images: [
      image('jammy', '22.04', 'amd64'),
      image('jammy', '22.04', 'arm64'),
      image('focal', '20.04', 'amd64'),
    ],
    bootloaders: [
      {
        os: 'grub-efi',
        type: 'uefi',
        arch: 'arm64',
        versions: {
          '20231004.0': {
            'shim-signed': { 'bootaa64.efi': 'shim arm64', 'mmaa64.efi': 'mm arm64' },
            'grub2-signed': { 'grubaa64.efi': 'grub arm64' },
          },
        },
      },
    ],
  });
  server = await new MirrorServer(mirror.root).start();
  const keyFile = join(tmp.path, 'mirror.asc');
  writeFileSync(keyFile, mirror.key.publicKey);
  for (const args of [
    ['sources', 'add', server.url, '--keyring', keyFile, '--name', 'loop'],
    ['select', 'add', 'ubuntu/jammy/amd64', 'ubuntu/jammy/arm64', 'ubuntu/focal/amd64'],
    ['sync'],
  ]) {
    const r = await lb(...args);
    expect(r.status, r.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
  tmp.remove();
});

function storedDefaults(): string[] {
  const db = openDatabase(join(data, 'labboot.sqlite'));
  try {
    return new ChoiceStore(db).list().map((c) => `${c.mac} ${c.image ?? c.action}`);
  } finally {
    db.close();
  }
}

/** Runs `labboot serve --boot …` on 127.0.0.1 until its HTTP port is known, then calls `use`. */
async function withServe(boots: readonly string[], use: (httpPort: number) => Promise<void>) {
  const serve = await startLoopbackServe({
    dataDir: data,
    args: boots.flatMap((b) => ['--boot', b]),
  });
  try {
    await use(serve.httpPort);
  } finally {
    expect(await serve.stop()).toBe(0);
  }
}

const kernelOf = (config: string): string | undefined =>
  /linux\s+\S*\/images\/[0-9a-f]+\/ubuntu\/(\w+)\/ga-[\d.]+\/(\w+)\/stable\/boot-kernel/
    .exec(config)
    ?.slice(1)
    .join(' ');

describe('labboot serve --boot per architecture', { timeout: 120_000 }, () => {
  it('refuses two images of one architecture before storing anything', async () => {
    const r = await lb(
      ...['serve', '--address', '127.0.0.1', '--dhcp', 'off'],
      ...['--boot', 'ubuntu/jammy/amd64', '--boot', 'ubuntu/focal/amd64'],
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      'labboot: More than one of the default images (ubuntu/jammy/amd64, ubuntu/focal/amd64) is amd64; choose one default image per architecture.',
    );
    expect(storedDefaults()).toEqual([]);
  });

  it('serves each architecture its own default, by config name and by the bootloader fetched', async () => {
    await withServe(['ubuntu/jammy/arm64', 'ubuntu/focal/amd64'], async (port) => {
      const get = async (path: string): Promise<string> =>
        (await run('curl', ['-sSf', `http://127.0.0.1:${port}/${path}`])).stdout;
      expect(kernelOf(await get('grub/grub.cfg-default-arm64'))).toBe('arm64 jammy');
      expect(kernelOf(await get('grub/grub.cfg-default-x86_64'))).toBe('amd64 focal');
      // This client fetches the arm64 shim, so its GRUB's per-MAC config names the arm64 kernel.
      expect(await get('images/bootaa64.efi')).toBe('shim arm64');
      expect(kernelOf(await get('grub/grub.cfg-52:54:00:00:00:01'))).toBe('arm64 jammy');
    });
    expect(storedDefaults()).toEqual([
      'default-amd64 ubuntu/focal/amd64',
      'default-arm64 ubuntu/jammy/arm64',
    ]);
  });
});

/**
 * One sync's store work, step by step, for the kill -9 test: store the blobs of a new image and a
 * new bootloader version the way the downloader does (partial file, fsync, rename), unpack the
 * bootloader into its folder (temporary folder, then rename), publish both versions, then prune to
 * two versions. `step` is called at every boundary; the child process stops there on request.
 *
 * The data folder starts from `seedStore`: two versions of each resource already stored, one blob
 * shared by every image version (so pruning must keep it).
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobStore, fsyncDir } from '../../../src-main/store/blob-store';
import { openDatabase, databaseFileName } from '../../../src-main/store/database';
import { RegionStore } from '../../../src-main/store/region-store';
import type { Resource } from '../../../src-main/store/types';

/** ScenarioFile is one file of a version with its deterministic content. */
interface ScenarioFile {
  name: string;
  ftype: string;
  data: Buffer;
  sha256: string;
}

/** ScenarioVersion is one version of one of the two resources. */
export interface ScenarioVersion {
  resource: Resource;
  version: string;
  files: ScenarioFile[];
  /** Folder name under `bootloaders/` for a bootloader version. */
  unpack: string | null;
}

const image: Resource = {
  kind: 'image',
  os: 'ubuntu',
  release: 'jammy',
  arch: 'amd64',
  subarch: 'ga-22.04',
  kflavor: 'generic',
  label: 'stable',
  bootloaderType: '',
  product: 'com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04',
  sourceUrl: 'http://mirror.test/',
  sourceName: 'mirror',
};
const bootloader: Resource = {
  ...image,
  kind: 'bootloader',
  os: 'pxelinux',
  release: 'pxe',
  arch: 'i386',
  subarch: '',
  kflavor: '',
  label: '',
  bootloaderType: 'pxe',
  product: 'com.ubuntu.maas.stable:1:pxelinux:pxe:i386',
};

function file(name: string, ftype: string, seed: string, size: number): ScenarioFile {
  const unit = Buffer.from(`${seed};`);
  const data = Buffer.alloc(size);
  for (let o = 0; o < size; o += unit.length) unit.copy(data, o);
  return { name, ftype, data, sha256: createHash('sha256').update(data).digest('hex') };
}

function imageVersion(version: string): ScenarioVersion {
  return {
    resource: image,
    version,
    files: [
      file('boot-kernel', 'boot-kernel', `kernel ${version}`, 40_000),
      file('boot-initrd', 'boot-initrd', 'initrd shared by every version', 30_000),
      file('squashfs', 'squashfs', `squashfs ${version}`, 90_000),
    ],
    unpack: null,
  };
}

function bootloaderVersion(version: string): ScenarioVersion {
  return {
    resource: bootloader,
    version,
    files: [file('syslinux.tar.xz', 'archive.tar.xz', `archive ${version}`, 20_000)],
    unpack: `pxe/i386/pxelinux-${version}`,
  };
}

/** seeded is what the data folder holds before the scenario runs. */
export const seeded = [
  imageVersion('20250101'),
  imageVersion('20250201'),
  bootloaderVersion('1.1'),
  bootloaderVersion('1.2'),
];
/** incoming is what the scenario publishes. */
export const incoming = [imageVersion('20250301'), bootloaderVersion('1.3')];
/** kept is what the store must hold once the scenario has run to its end. */
export const kept = [incoming[0], seeded[1], incoming[1], seeded[3]].filter(
  (v): v is ScenarioVersion => v !== undefined,
);

/** Step is called at each boundary with its name. */
export type Step = (name: string) => Promise<void>;

/** openStore opens the data folder's store; close `db` when done. */
export function openStore(dataDir: string): RegionStore {
  return new RegionStore(openDatabase(join(dataDir, databaseFileName)), new BlobStore(dataDir));
}

/** unpackDir is the absolute folder of a bootloader version. */
export function unpackDir(dataDir: string, v: ScenarioVersion): string | null {
  return v.unpack === null ? null : join(dataDir, 'bootloaders', v.unpack);
}

/** storeBlob writes one blob like the downloader: partial file in two halves, fsync, rename. */
async function storeBlob(blobs: BlobStore, f: ScenarioFile, step: Step): Promise<void> {
  if (blobs.hasSync(f.sha256, f.data.length)) return;
  await blobs.ensureDirs();
  const half = Math.floor(f.data.length / 2);
  const fd = openSync(blobs.partialPathFor(f.sha256), 'w');
  try {
    writeSync(fd, f.data, 0, half);
    await step(`partial-half ${f.name}`);
    writeSync(fd, f.data, half);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  await step(`partial-done ${f.name}`);
  await blobs.publish(f.sha256);
  await step(`blob-stored ${f.name}`);
}

/** unpack fills a bootloader folder from its archive blob: temporary folder, then rename. */
function unpack(dir: string, v: ScenarioVersion): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of v.files) writeFileSync(join(tmp, `${f.name}.unpacked`), f.data);
  renameSync(tmp, dir);
  fsyncDir(join(dir, '..'));
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}

/** publish stores one version unless the store already trusts it (as sync planning does). */
async function publish(store: RegionStore, dataDir: string, v: ScenarioVersion, step: Step) {
  if (store.hasVersion(v.resource, v.version)) return;
  for (const f of v.files) await storeBlob(store.blobs, f, step);
  const dir = unpackDir(dataDir, v);
  if (dir !== null && !isDirectory(dir)) {
    unpack(dir, v);
    await step(`unpacked ${v.version}`);
  }
  store.publishVersion(
    v.resource,
    v.version,
    v.files.map((f) => ({
      name: f.name,
      ftype: f.ftype,
      sha256: f.sha256,
      size: f.data.length,
      path: `${v.version}/${f.name}`,
    })),
    dir,
  );
  await step(`published ${v.version}`);
}

const noStep: Step = () => Promise.resolve();

/** seedStore brings a fresh data folder to the state before the scenario. */
export async function seedStore(dataDir: string): Promise<void> {
  const store = openStore(dataDir);
  try {
    for (const v of seeded) await publish(store, dataDir, v, noStep);
  } finally {
    store.db.close();
  }
}

/** runScenario publishes the incoming versions and prunes, calling `step` between steps. */
export async function runScenario(dataDir: string, step: Step = noStep): Promise<void> {
  const store = openStore(dataDir);
  try {
    for (const v of incoming) await publish(store, dataDir, v, step);
    await store.prune({ keep: 2, unpackRoot: join(dataDir, 'bootloaders'), afterStep: step });
  } finally {
    store.db.close();
  }
}

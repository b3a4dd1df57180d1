/**
 * buildMirror writes a small signed simplestreams tree in the real MAAS layout (spec §a):
 * `streams/v1/index.sjson` → `com.ubuntu.maas:<label>:v3:download.sjson` and
 * `com.ubuntu.maas:<label>:1:bootloader-download.sjson`, with item files at the real paths
 * (`<release>/<arch>/<version>/squashfs`, `…/<subarch>/<kflavor>/boot-kernel`,
 * `bootloaders/<type>/<arch>/<version>/<pkg>.tar.xz`). Files can be given as text, bytes or a path
 * to a real file (the QEMU e2e test passes a real kernel/initrd/squashfs). The tree is clearsigned
 * with an OpenPGP key generated at test time (or one passed in); unsigned `.json` twins are written
 * too.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  createCleartextMessage,
  generateKey,
  readKey,
  readPrivateKey,
  sign,
  type PrivateKey,
} from 'openpgp';
import { pack } from 'tar-stream';

/** Content is a file's bytes: text, raw bytes, or `{ file }` copied from a real path. */
export type Content = string | Uint8Array | { file: string };

/** MirrorImageVersion lists the files of one version; omit one to make the version incomplete. */
export interface MirrorImageVersion {
  kernel?: Content;
  initrd?: Content;
  squashfs?: Content;
  manifest?: Content;
}

/** MirrorImage is one kernel product: release/arch/subarch[+kflavor] with its versions. */
export interface MirrorImage {
  release: string;
  /** The release number, e.g. `22.04`. */
  version: string;
  arch: string;
  subarch: string;
  kflavor?: string;
  versions: Record<string, MirrorImageVersion>;
}

/** MirrorBootloader is one bootloader product with archives per version. */
export interface MirrorBootloader {
  os: string;
  type: string;
  arch: string;
  /**
   * version → archive name (src package) → files inside the archive (flat names), or the bytes of
   * a ready-made `.tar.xz` (hostile archives with links or devices, see `makeRawTarXz`).
   */
  versions: Record<string, Record<string, Record<string, Content> | Uint8Array>>;
}

/** RawTarEntry is one tar member with any type, for hostile archives. */
export interface RawTarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
  linkname?: string;
  body?: string;
}

/** TestKey is an OpenPGP key pair in armored form. */
export interface TestKey {
  privateKey: string;
  publicKey: string;
  /** The public key in binary form (what `--keyring` files usually hold). */
  publicBinary: Uint8Array;
  fingerprint: string;
}

export interface BuildMirrorOptions {
  root: string;
  label?: string;
  images: MirrorImage[];
  bootloaders?: MirrorBootloader[];
  key?: TestKey;
}

/** MirrorItem is one file the mirror publishes. */
export interface MirrorItem {
  product: string;
  version: string;
  name: string;
  ftype: string;
  path: string;
  sha256: string;
  size: number;
}

export interface BuiltMirror {
  root: string;
  key: TestKey;
  items: MirrorItem[];
  /** Mirror-relative paths of the signed metadata files. */
  metadata: string[];
}

/** generateTestKey makes a fresh ed25519 signing key. */
export async function generateTestKey(name = 'LabBoot Test Mirror'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name, email: 'mirror@labboot.invalid' }],
    format: 'armored',
  });
  const pub = await readKey({ armoredKey: publicKey });
  return {
    privateKey,
    publicKey,
    publicBinary: pub.write(),
    fingerprint: pub.getFingerprint().toUpperCase(),
  };
}

async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), size: (await stat(path)).size };
}

/** writeContent stores content at `dest` and returns its digest and size. */
async function writeContent(
  dest: string,
  content: Content,
): Promise<{ sha256: string; size: number }> {
  await mkdir(dirname(dest), { recursive: true });
  if (typeof content === 'object' && 'file' in content) {
    await copyFile(content.file, dest);
    return sha256File(dest);
  }
  const bytes = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  await writeFile(dest, bytes);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

async function contentBytes(content: Content): Promise<Buffer> {
  if (typeof content === 'object' && 'file' in content) return readFile(content.file);
  return typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
}

/** makeTarXz packs flat files into a `.tar.xz` (tar-stream, then the xz command). */
export async function makeTarXz(files: Record<string, Content>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) {
    p.entry({ name, mode: 0o644 }, await contentBytes(content));
  }
  p.finalize();
  await done;
  return xzCompress(Buffer.concat(chunks));
}

/** makeRawTarXz packs members of any type (links, devices, FIFOs) into a `.tar.xz`. */
export async function makeRawTarXz(entries: readonly RawTarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    p.entry(
      { name: e.name, type, linkname: e.linkname, mode: 0o644 },
      type === 'file' ? (e.body ?? '') : '',
    );
  }
  p.finalize();
  await done;
  return xzCompress(Buffer.concat(chunks));
}

/** xzCompress runs `xz -c` (xz-utils) — test-only, LabBoot itself only decompresses. */
export function xzCompress(data: Buffer): Buffer {
  const r = spawnSync('xz', ['-c', '-0', '-T1'], { input: data, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`xz failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** clearsign signs text with the key, like `gpg --clearsign`. */
export async function clearsign(text: string, key: TestKey): Promise<string> {
  const signingKey: PrivateKey = await readPrivateKey({ armoredKey: key.privateKey });
  return sign({ message: await createCleartextMessage({ text }), signingKeys: signingKey });
}

const now = 'Thu, 24 Jul 2025 08:01:49 +0000';

/** buildMirror writes the tree and returns what it published. */
export async function buildMirror(opts: BuildMirrorOptions): Promise<BuiltMirror> {
  const label = opts.label ?? 'stable';
  const key = opts.key ?? (await generateTestKey());
  const items: MirrorItem[] = [];
  const imageProducts: Record<string, unknown> = {};
  for (const img of opts.images) {
    const kflavor = img.kflavor ?? 'generic';
    const psub =
      kflavor === 'generic'
        ? img.subarch
        : img.subarch.endsWith('-edge')
          ? `${img.subarch.slice(0, -5)}-${kflavor}-edge`
          : `${img.subarch}-${kflavor}`;
    const product = `com.ubuntu.maas.${label}:v3:boot:${img.version}:${img.arch}:${psub}`;
    const versions: Record<string, unknown> = {};
    for (const [version, files] of Object.entries(img.versions)) {
      const common = `${img.release}/${img.arch}/${version}`;
      const boot = `${common}/${img.subarch}/${kflavor}`;
      const defs: [string, string, string, Content | undefined][] = [
        ['boot-kernel', 'boot-kernel', `${boot}/boot-kernel`, files.kernel],
        ['boot-initrd', 'boot-initrd', `${boot}/boot-initrd`, files.initrd],
        ['squashfs', 'squashfs', `${common}/squashfs`, files.squashfs],
        ['manifest', 'manifest', `${common}/squashfs.manifest`, files.manifest],
      ];
      const vItems: Record<string, unknown> = {};
      for (const [name, ftype, path, content] of defs) {
        if (content === undefined) continue;
        const { sha256, size } = await writeContent(join(opts.root, path), content);
        const extra = ftype.startsWith('boot-') ? { kpackage: `linux-${kflavor}` } : {};
        vItems[name] = { ftype, path, sha256, size, ...extra };
        items.push({ product, version, name, ftype, path, sha256, size });
      }
      versions[version] = { items: vItems };
    }
    imageProducts[product] = {
      arch: img.arch,
      kflavor,
      krel: img.release,
      label,
      os: 'ubuntu',
      release: img.release,
      release_codename: img.release,
      release_title: `${img.version} LTS`,
      subarch: img.subarch,
      subarches: `generic,${img.subarch}`,
      support_eol: '2032-04-21',
      version: img.version,
      versions,
    };
  }
  const blProducts: Record<string, unknown> = {};
  for (const bl of opts.bootloaders ?? []) {
    const product = `com.ubuntu.maas.${label}:1:${bl.os}:${bl.type}:${bl.arch}`;
    const versions: Record<string, unknown> = {};
    for (const [version, archives] of Object.entries(bl.versions)) {
      const vItems: Record<string, unknown> = {};
      for (const [pkg, files] of Object.entries(archives)) {
        const path = `bootloaders/${bl.type}/${bl.arch}/${version}/${pkg}.tar.xz`;
        const archive = files instanceof Uint8Array ? files : await makeTarXz(files);
        const { sha256, size } = await writeContent(join(opts.root, path), archive);
        vItems[pkg] = {
          ftype: 'archive.tar.xz',
          path,
          sha256,
          size,
          src_package: pkg,
          src_release: 'jammy',
          src_version: '1.0',
        };
        items.push({ product, version, name: pkg, ftype: 'archive.tar.xz', path, sha256, size });
      }
      versions[version] = { items: vItems };
    }
    blProducts[product] = {
      arch: bl.arch,
      arches: bl.arch,
      'bootloader-type': bl.type,
      label,
      os: bl.os,
      versions,
    };
  }
  const streams = [
    { id: `com.ubuntu.maas:${label}:v3:download`, products: imageProducts },
    { id: `com.ubuntu.maas:${label}:1:bootloader-download`, products: blProducts },
  ];
  const index: Record<string, unknown> = {};
  const unsignedIndex: Record<string, unknown> = {};
  const metadata: string[] = [];
  for (const s of streams) {
    if (Object.keys(s.products).length === 0) continue;
    const doc = {
      content_id: s.id,
      datatype: 'image-ids',
      format: 'products:1.0',
      products: s.products,
      updated: now,
    };
    const text = `${JSON.stringify(doc, null, 1)}\n`;
    const base = `streams/v1/${s.id}`;
    await writeFile2(join(opts.root, `${base}.json`), text);
    await writeFile2(join(opts.root, `${base}.sjson`), await clearsign(text, key));
    metadata.push(`${base}.sjson`);
    const entry = {
      datatype: 'image-ids',
      format: 'products:1.0',
      products: Object.keys(s.products),
      updated: now,
    };
    index[s.id] = { ...entry, path: `${base}.sjson` };
    unsignedIndex[s.id] = { ...entry, path: `${base}.json` };
  }
  const indexText = `${JSON.stringify({ format: 'index:1.0', index, updated: now }, null, 1)}\n`;
  const unsignedText = `${JSON.stringify({ format: 'index:1.0', index: unsignedIndex, updated: now }, null, 1)}\n`;
  await writeFile2(join(opts.root, 'streams/v1/index.sjson'), await clearsign(indexText, key));
  await writeFile2(join(opts.root, 'streams/v1/index.json'), unsignedText);
  metadata.unshift('streams/v1/index.sjson');
  return { root: opts.root, key, items, metadata };
}

/**
 * rewriteSignedStream edits one product file of a built mirror (its `.json` twin is the source)
 * and signs it again, for streams a builder cannot express: a hostile version name behind a
 * harmless item path, a product without a field.
 */
export async function rewriteSignedStream(
  mirror: BuiltMirror,
  contentId: string,
  edit: (doc: { products: Record<string, Record<string, unknown>> }) => void,
): Promise<void> {
  const base = join(mirror.root, `streams/v1/${contentId}`);
  const doc = JSON.parse(await readFile(`${base}.json`, 'utf8')) as {
    products: Record<string, Record<string, unknown>>;
  };
  edit(doc);
  const text = `${JSON.stringify(doc, null, 1)}\n`;
  await writeFile(`${base}.json`, text);
  await writeFile(`${base}.sjson`, await clearsign(text, mirror.key));
}

async function writeFile2(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** manifestText renders packages as a squashfs.manifest (`name[:arch]<TAB>version`). */
export function manifestText(pkgs: Record<string, string>): string {
  return Object.entries(pkgs)
    .map(([name, version]) => `${name}\t${version}\n`)
    .join('');
}

/**
 * Keyrings for boot sources: OpenPGP public keys (binary or armored), their fingerprints, and the
 * default Ubuntu cloud-image keyring, which LabBoot does not ship. Only its two fingerprints are
 * pinned here; the key itself comes from the host's keyring package, a cache in the data folder,
 * or the Ubuntu keyserver, and is accepted only when its fingerprints match the pins.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readKeys, type Key } from 'openpgp';
import { UserError } from '../../src-shared/errors';
import { fetchBytes } from './http';

/** Pinned fingerprints of the Ubuntu cloud-image keyring (ubuntu-keyring package). */
export const ubuntuCloudImagePins: readonly string[] = [
  'D2EB44626FDDC30B513D5BB71A5D6C4C7DB87C81', // UEC Image Automatic Signing Key (2009)
  '4A3CE3CD565D7EB5C810E2B97FF3F408476CF100', // Ubuntu Cloud Image Builder (2012)
];

/** The default source MAAS documents, with the default keyring. */
export const defaultSourceUrl = 'https://images.maas.io/ephemeral-v3/stable/';
export const defaultSourceName = 'maas-stable';

/** Where Ubuntu hosts keep the keyring (package ubuntu-keyring / ubuntu-cloudimage-keyring). */
export const hostKeyringPath = '/usr/share/keyrings/ubuntu-cloudimage-keyring.gpg';
export const defaultKeyserver = 'https://keyserver.ubuntu.com';

/** Keyring is a parsed set of public keys with their upper-case fingerprints. */
export interface Keyring {
  keys: Key[];
  fingerprints: string[];
  /** The public keys re-serialised in binary form (what the store keeps). */
  binary: Uint8Array;
}

/** parseKeyring reads OpenPGP public keys, armored or binary; `what` names the file for errors. */
export async function parseKeyring(bytes: Uint8Array, what: string): Promise<Keyring> {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, 64));
  let keys: Key[];
  try {
    keys = text.includes('-----BEGIN PGP')
      ? await readKeys({ armoredKeys: new TextDecoder().decode(bytes) })
      : await readKeys({ binaryKeys: bytes });
  } catch (error) {
    throw new UserError(
      `The keyring ${what} is not an OpenPGP public key file (${shortReason(error)}); pass a binary .gpg or armored .asc export of the source's signing key.`,
      'bad-keyring',
    );
  }
  if (keys.length === 0) {
    throw new UserError(
      `The keyring ${what} holds no OpenPGP keys; pass the signing key of the source.`,
      'bad-keyring',
    );
  }
  return toKeyring(keys.map((k) => (k.isPrivate() ? k.toPublic() : k)));
}

/** toKeyring bundles keys with their fingerprints and one binary serialisation. */
export function toKeyring(keys: Key[]): Keyring {
  const parts = keys.map((k) => k.write());
  const binary = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    binary.set(p, off);
    off += p.length;
  }
  return { keys, fingerprints: keys.map((k) => k.getFingerprint().toUpperCase()), binary };
}

/**
 * pinnedSubset keeps only the keys whose fingerprints are pinned; throws when none is, naming
 * where the keyring came from.
 */
export async function pinnedSubset(
  bytes: Uint8Array,
  what: string,
  pins: readonly string[] = ubuntuCloudImagePins,
): Promise<Keyring> {
  const ring = await parseKeyring(bytes, what);
  const keep = ring.keys.filter((k) => pins.includes(k.getFingerprint().toUpperCase()));
  if (keep.length === 0) {
    throw new UserError(
      `The keyring ${what} does not contain the pinned Ubuntu cloud-image keys (${pins.join(', ')}); it may be tampered with, so pass the real keyring with --keyring.`,
      'keyring-pin-mismatch',
    );
  }
  return toKeyring(keep);
}

/** DefaultKeyringOptions lets tests point the resolver at fixtures and a loopback keyserver. */
export interface DefaultKeyringOptions {
  dataDir: string;
  hostPath?: string;
  keyserver?: string;
  pins?: readonly string[];
  signal?: AbortSignal;
}

/** defaultKeyringCachePath is where a keyserver-fetched default keyring is cached. */
export function defaultKeyringCachePath(dataDir: string): string {
  return join(dataDir, 'keys', 'ubuntu-cloudimage-keyring.gpg');
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    return undefined;
  }
}

/**
 * resolveDefaultKeyring finds the Ubuntu cloud-image keys: the host's keyring file, else the
 * cached copy, else the keyserver by fingerprint (each answer checked against the pins, then
 * cached). Throws one sentence telling the person how to supply `--keyring` when all fail.
 */
export async function resolveDefaultKeyring(opts: DefaultKeyringOptions): Promise<Keyring> {
  const pins = opts.pins ?? ubuntuCloudImagePins;
  const hostPath = opts.hostPath ?? hostKeyringPath;
  const host = await readIfPresent(hostPath);
  if (host !== undefined) return pinnedSubset(host, hostPath, pins);
  const cachePath = defaultKeyringCachePath(opts.dataDir);
  const cached = await readIfPresent(cachePath);
  if (cached !== undefined) return pinnedSubset(cached, cachePath, pins);

  const base = (opts.keyserver ?? process.env.LABBOOT_KEYSERVER ?? defaultKeyserver).replace(
    /\/$/,
    '',
  );
  const keys: Key[] = [];
  const reasons: string[] = [];
  for (const pin of pins) {
    const url = `${base}/pks/lookup?op=get&options=mr&search=0x${pin}`;
    try {
      const bytes = await fetchBytes(url, { signal: opts.signal, attempts: 2, maxBytes: 1 << 20 });
      const ring = await pinnedSubset(bytes, url, [pin]);
      keys.push(...ring.keys);
    } catch (error) {
      reasons.push(shortReason(error));
    }
  }
  if (keys.length === 0) {
    throw new UserError(
      `The Ubuntu cloud-image keyring is not installed (${hostPath}) and the keyserver ${base} could not supply it (${reasons[0] ?? 'no answer'}); install the ubuntu-keyring package or pass --keyring FILE with the keyring.`,
      'keyring-unavailable',
    );
  }
  const ring = toKeyring(keys);
  await mkdir(dirname(cachePath), { recursive: true });
  await writeFile(`${cachePath}.tmp`, ring.binary);
  await rename(`${cachePath}.tmp`, cachePath);
  return ring;
}

/** shortReason is the first line of an error message, for embedding in one sentence. */
export function shortReason(error: unknown): string {
  const msg = error instanceof Error ? error.message : String(error);
  return (msg.split('\n')[0] ?? msg).replace(/[.;]\s*$/, '');
}

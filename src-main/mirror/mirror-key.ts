/**
 * LabBoot's own mirror key: an OpenPGP signing key made once per data folder, with which the
 * resigned tree is clearsigned. The secret key stays in `<data>/mirror-key/secret.asc` (folder
 * 0700, file 0600) and never leaves it; only the public half is printed or served.
 */
import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createCleartextMessage,
  generateKey,
  readPrivateKey,
  sign,
  type PrivateKey,
} from 'openpgp';
import { UserError } from '../../src-shared/errors';

/** MirrorKey is the loaded key pair and what people need of its public half. */
export interface MirrorKey {
  readonly privateKey: PrivateKey;
  /** The public key, armored (what MAAS's boot source keyring takes). */
  readonly publicArmored: string;
  /** The public key in binary form (what gpgv's --keyring reads). */
  readonly publicBinary: Uint8Array;
  readonly fingerprint: string;
}

/** mirrorKeyPath is where the secret key lives in a data folder. */
export function mirrorKeyPath(dataDir: string): string {
  return join(dataDir, 'mirror-key', 'secret.asc');
}

function describe(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function toMirrorKey(armored: string, path: string): Promise<MirrorKey> {
  let privateKey: PrivateKey;
  try {
    privateKey = await readPrivateKey({ armoredKey: armored });
  } catch (error) {
    throw new UserError(
      `The mirror key ${path} is not a readable OpenPGP secret key (${(error as Error).message.split('\n')[0]}); move it away and LabBoot makes a new one (a MAAS that trusted the old key needs the new one).`,
      'mirror-key',
    );
  }
  const pub = privateKey.toPublic();
  return {
    privateKey,
    publicArmored: pub.armor(),
    publicBinary: pub.write(),
    fingerprint: pub.getFingerprint().toUpperCase(),
  };
}

/**
 * loadMirrorKey reads the data folder's mirror key, making it on first use. Two processes making
 * it at once agree on one: each writes its own file and links it to the final name, which only
 * one link can take.
 */
export async function loadMirrorKey(dataDir: string): Promise<MirrorKey> {
  const path = mirrorKeyPath(dataDir);
  const existing = await readIfPresent(path);
  if (existing !== undefined) return toMirrorKey(existing, path);
  const dir = join(dataDir, 'mirror-key');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  } catch (error) {
    throw new UserError(
      `Cannot create the mirror key folder ${dir} (${describe(error)}); check that the data folder is writable.`,
      'mirror-key',
    );
  }
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'LabBoot mirror key' }],
    format: 'armored',
  });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(temp, 'wx', 0o600);
  try {
    await fh.writeFile(privateKey);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temp, { force: true });
  }
  return toMirrorKey(await readFile(path, 'utf8'), path);
}

/** clearsignText signs text inline, as `gpg --clearsign` does (what `.sjson` files are). */
export async function clearsignText(text: string, key: MirrorKey): Promise<string> {
  return sign({ message: await createCleartextMessage({ text }), signingKeys: key.privateKey });
}

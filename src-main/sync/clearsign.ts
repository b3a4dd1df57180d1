/**
 * Clearsigned simplestreams files (`.sjson`): verify the inline signature with openpgp against
 * the source's keys and return the signed text (dash-escaping removed by openpgp).
 * `expectSigned: true` makes a bad or missing signature reject instead of resolving quietly.
 */
import { readCleartextMessage, verify, type Key } from 'openpgp';

const clearsignHeader = '-----BEGIN PGP SIGNED MESSAGE-----';

/** SignatureError says why a file's signature was refused. */
export class SignatureError extends Error {
  constructor(
    message: string,
    readonly kind: 'missing' | 'bad' | 'unknown-key',
  ) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** isClearsigned tells whether text starts with an OpenPGP cleartext-signature header. */
export function isClearsigned(text: string): boolean {
  return text.trimStart().startsWith(clearsignHeader);
}

/** verifyClearsigned checks the signature against `keys` and returns the signed body. */
export async function verifyClearsigned(text: string, keys: Key[]): Promise<string> {
  if (!isClearsigned(text)) throw new SignatureError('it is not signed', 'missing');
  let message;
  try {
    message = await readCleartextMessage({ cleartextMessage: text.trimStart() });
  } catch (error) {
    throw new SignatureError(`its signature block is malformed (${firstLine(error)})`, 'bad');
  }
  try {
    await verify({ message, verificationKeys: keys, expectSigned: true });
  } catch (error) {
    const reason = firstLine(error);
    throw new SignatureError(
      /Could not find signing key/i.test(reason)
        ? `it is signed by a key that is not in the source's keyring (${reason})`
        : `its signature does not verify (${reason})`,
      /Could not find signing key/i.test(reason) ? 'unknown-key' : 'bad',
    );
  }
  return message.getText();
}

/** unwrapUnverified returns the body of a clearsigned text without checking it (verification off). */
export async function unwrapUnverified(text: string): Promise<string> {
  if (!isClearsigned(text)) return text;
  const message = await readCleartextMessage({ cleartextMessage: text.trimStart() });
  return message.getText();
}

function firstLine(error: unknown): string {
  const msg = error instanceof Error ? error.message : String(error);
  return msg.split('\n')[0] ?? msg;
}

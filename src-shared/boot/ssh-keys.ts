/** Checks OpenSSH public key lines (authorized_keys form) for the booted environment. Pure. */

const KEY_LINE =
  /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]+={0,3}( .*)?$/;

/** sshKeyLines keeps the key lines of a pasted text: trimmed, without blanks and `#` comments. */
export function sshKeyLines(text: string | readonly string[]): string[] {
  const lines = typeof text === 'string' ? text.split(/\r?\n/) : text;
  return lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * sshKeyProblem returns one sentence about the first line that is not an SSH public key
 * (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp*, sk-*), or null when every line is one.
 */
export function sshKeyProblem(lines: readonly string[]): string | null {
  for (const [i, line] of lines.entries()) {
    if (KEY_LINE.test(line)) continue;
    const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
    if (/^-----BEGIN/.test(line)) {
      return `Key ${i + 1} is a private key, which must never leave your computer; paste the public key instead (the .pub file, for example ~/.ssh/id_ed25519.pub).`;
    }
    return `Key ${i + 1} ("${shown}") is not an SSH public key; paste lines from a .pub file such as ~/.ssh/id_ed25519.pub (they start with ssh-ed25519, ssh-rsa or ecdsa-sha2-).`;
  }
  return null;
}

/** SSH public key lines: what counts as a key, and the sentence for what does not. */
import { describe, expect, it } from 'vitest';
import { sshKeyLines, sshKeyProblem } from '../../../src-shared/boot/ssh-keys';

describe('sshKeyLines', () => {
  it('drops blanks and comments from pasted text or a list', () => {
    expect(sshKeyLines('# laptop\r\n ssh-ed25519 AAAA a@b \n\n')).toEqual(['ssh-ed25519 AAAA a@b']);
    expect(sshKeyLines(['', ' ssh-rsa AAAB== ', '#x'])).toEqual(['ssh-rsa AAAB==']);
  });
});

describe('sshKeyProblem', () => {
  it('accepts ed25519, rsa, ecdsa and security-key lines, with or without a comment', () => {
    expect(
      sshKeyProblem([
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk',
        'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== me@host',
        'ecdsa-sha2-nistp256 AAAAE2VjZHNh',
        'sk-ssh-ed25519@openssh.com AAAAGnNr key',
      ]),
    ).toBeNull();
    expect(sshKeyProblem([])).toBeNull();
  });

  it('names the line that is not a key, and warns about private keys', () => {
    expect(sshKeyProblem(['ssh-ed25519 AAAA', 'hello world'])).toMatch(
      /^Key 2 \("hello world"\) is not an SSH public key; paste lines from a \.pub file/,
    );
    expect(sshKeyProblem(['ssh-dss'])).toMatch(/^Key 1 .*not an SSH public key/);
    expect(sshKeyProblem(['-----BEGIN OPENSSH PRIVATE KEY-----'])).toMatch(/private key/);
    expect(sshKeyProblem(['ecdsa-sha2-nistp999 AAAA'])).toMatch(/not an SSH public key/);
  });
});

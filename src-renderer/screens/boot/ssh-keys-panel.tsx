import { useEffect, useState, type FormEvent } from 'react';
import { call, CallError, useBridge, useCall } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import type { ApiError } from '../../../src-shared/contract/result';
import { sshKeyLines, sshKeyProblem } from '../../../src-shared/boot/ssh-keys';

/**
 * SshKeysPanel edits the admin's SSH public keys that booted machines accept (one OpenSSH .pub line
 * each). Lines are checked as you type; Save stores them in LabBoot's database.
 */
export function SshKeysPanel() {
  const bridge = useBridge();
  const stored = useCall('boot.sshKeys', {});
  const [text, setText] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const [saving, setSaving] = useState(false);

  // The textarea starts with what is stored, once it has loaded.
  const loaded = stored.data;
  useEffect(() => {
    if (loaded !== undefined) setText((t) => t ?? loaded.keys.join('\n'));
  }, [loaded]);

  const value = text ?? '';
  const lines = sshKeyLines(value);
  const problem = sshKeyProblem(lines);

  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    setSaved(null);
    setSaving(true);
    try {
      const result = await call(bridge, 'boot.setSshKeys', { keys: lines });
      setText(result.keys.join('\n'));
      setSaved(
        result.keys.length === 0
          ? 'Saved: no SSH keys, so booted machines accept no SSH logins.'
          : `Saved ${result.keys.length} SSH key${result.keys.length === 1 ? '' : 's'}; machines booted from now on accept ${result.keys.length === 1 ? 'it' : 'them'}.`,
      );
    } catch (err) {
      if (err instanceof CallError) setError(err.error);
      else throw err;
    } finally {
      setSaving(false);
    }
  };

  return (
    <section aria-labelledby="ssh-title" className="panel">
      <h2 id="ssh-title">SSH keys for booted machines</h2>
      {stored.error !== undefined && <ErrorNotice error={stored.error} />}
      <form onSubmit={(e) => void save(e)}>
        <label className="field">
          <span>SSH public keys</span>
          <textarea
            rows={4}
            spellCheck={false}
            value={value}
            onChange={(e) => {
              setText(e.target.value);
              setSaved(null);
            }}
            placeholder="ssh-ed25519 AAAAC3Nz… you@laptop"
            aria-describedby="ssh-hint"
            aria-invalid={problem !== null}
            disabled={stored.loading && text === null}
            style={{ width: '100%', fontFamily: 'monospace' }}
          />
        </label>
        <p id="ssh-hint" className="hint">
          {problem ??
            'One key per line, as in a .pub file or authorized_keys (ssh-ed25519, ssh-rsa, ecdsa-sha2-…). Lines starting with # are ignored.'}
        </p>
        <button type="submit" className="primary" disabled={problem !== null || saving}>
          {saving ? 'Saving…' : 'Save SSH keys'}
        </button>{' '}
        {saved !== null && (
          <span role="status" className="hint">
            {saved}
          </span>
        )}
      </form>
      {error !== undefined && <ErrorNotice error={error} />}
    </section>
  );
}

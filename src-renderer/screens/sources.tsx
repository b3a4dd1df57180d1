import { useState, type FormEvent } from 'react';
import { call, CallError, useBridge, useCall } from '../lib/api';
import { readFileBase64 } from '../lib/file-read';
import { ErrorNotice } from '../components/error-notice';
import { MultiSourceBanner } from '../components/multi-source-banner';
import { Busy } from '../components/busy';
import type { ApiError } from '../../src-shared/contract/result';
import type { BootSource } from '../../src-shared/contract/sources';
import { DefaultStream } from './sources/default-stream';
import { MirrorPanel } from './sources/mirror-panel';

const keyringLabel: Record<BootSource['keyring']['kind'], string> = {
  custom: 'Uploaded keyring',
  default: 'Ubuntu cloud-image keyring',
  none: 'Not verified',
};

/** SourcesScreen lists boot sources, adds one (URL + keyring file) and removes them. */
export function SourcesScreen() {
  const list = useCall('sources.list', {});
  const sources = list.data?.sources ?? [];
  return (
    <>
      {list.data?.warning != null && <MultiSourceBanner warning={list.data.warning} />}
      <section aria-labelledby="sources-title" className="panel">
        <div className="panel-head">
          <h2 id="sources-title">Boot sources</h2>
        </div>
        <p className="lead">
          A source is a simplestreams URL and the OpenPGP keyring its index is signed with. LabBoot
          checks every signature before it trusts what a source offers.
        </p>
        {list.error !== undefined && <ErrorNotice error={list.error} />}
        {list.loading && list.data === undefined && (
          <Busy reason="Reading sources from the store…" />
        )}
        {list.data !== undefined && list.data.unverified.length > 0 && (
          <div className="notice notice-warn" role="status">
            Signatures are not checked for {list.data.unverified.join(', ')}; anyone on the path to
            it can change what you boot. Add it again with its keyring to verify it.
          </div>
        )}
        {list.data !== undefined && <SourceTable sources={sources} onRemoved={list.reload} />}
        {list.data !== undefined && (
          <DefaultStream current={list.data.defaultStream} onChanged={list.reload} />
        )}
      </section>
      <AddSourceForm onAdded={list.reload} />
      <MirrorPanel />
    </>
  );
}

function SourceTable({
  sources,
  onRemoved,
}: {
  sources: readonly BootSource[];
  onRemoved: () => void;
}) {
  const bridge = useBridge();
  const [confirm, setConfirm] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const remove = async (s: BootSource): Promise<void> => {
    setError(undefined);
    try {
      await call(bridge, 'sources.remove', { source: String(s.id) });
      setConfirm(null);
      onRemoved();
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    }
  };
  return (
    <>
      {error !== undefined && <ErrorNotice error={error} />}
      <table className="table">
        <caption className="visually-hidden">Boot sources</caption>
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">Keyring</th>
            <th scope="col">Fingerprints</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sources.map((s) => (
            <tr key={s.id}>
              <th scope="row">
                {s.name}
                {s.builtin && <span className="badge badge-muted">default</span>}
                <div className="hint">
                  <code>{s.url}</code>
                </div>
                {s.builtin && (
                  <div className="hint">
                    Used while no source is configured. Add your own source to replace it.
                  </div>
                )}
              </th>
              <td>
                <span className={s.verified ? 'badge badge-ok' : 'badge badge-warn'}>
                  {keyringLabel[s.keyring.kind]}
                </span>
              </td>
              <td>
                {s.keyring.fingerprints.length === 0
                  ? '—'
                  : s.keyring.fingerprints.map((f) => (
                      <div key={f}>
                        <code className="fingerprint">{groupFingerprint(f)}</code>
                      </div>
                    ))}
              </td>
              <td className="actions">
                {!s.builtin &&
                  (confirm === s.id ? (
                    <span className="confirm">
                      <button type="button" className="danger" onClick={() => void remove(s)}>
                        Remove {s.name}
                      </button>
                      <button type="button" onClick={() => setConfirm(null)}>
                        Keep
                      </button>
                    </span>
                  ) : (
                    <button
                      type="button"
                      aria-label={`Remove source ${s.name}`}
                      onClick={() => setConfirm(s.id)}
                    >
                      Remove…
                    </button>
                  ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** groupFingerprint prints a key fingerprint in blocks of four, as gpg does. */
function groupFingerprint(f: string): string {
  return f.toUpperCase().replace(/(.{4})(?!$)/g, '$1 ');
}

function AddSourceForm({ onAdded }: { onAdded: () => void }) {
  const bridge = useBridge();
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [verify, setVerify] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [added, setAdded] = useState<BootSource | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    setAdded(null);
    setBusy(true);
    try {
      const keyringBase64 = file !== null && verify ? await readFileBase64(file) : undefined;
      const result = await call(bridge, 'sources.add', {
        url: url.trim(),
        ...(name.trim() === '' ? {} : { name: name.trim() }),
        ...(keyringBase64 === undefined ? {} : { keyringBase64 }),
        verify,
      });
      setAdded(result.source);
      setUrl('');
      setName('');
      onAdded();
    } catch (err) {
      if (err instanceof CallError) setError(err.error);
      else throw err;
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="add-source-title" className="panel">
      <h2 id="add-source-title">Add a source</h2>
      <form className="form" onSubmit={(e) => void submit(e)}>
        <label className="field">
          <span>Stream URL</span>
          <input
            type="url"
            required
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="http://images.maas.io/ephemeral-v3/stable/"
            className="wide"
          />
        </label>
        <label className="field">
          <span>
            Name <span className="hint">(optional; defaults to the host and path)</span>
          </span>
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>
            Keyring file{' '}
            <span className="hint">
              (OpenPGP public key, binary or armored; none uses the Ubuntu cloud-image keyring)
            </span>
          </span>
          <input
            type="file"
            disabled={!verify}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={verify} onChange={(e) => setVerify(e.target.checked)} />
          Check signatures (turn off only for an unsigned mirror you control)
        </label>
        {!verify && (
          <div className="notice notice-warn" role="status">
            Without signature checks anyone on the path to this mirror can change what you boot.
          </div>
        )}
        {error !== undefined && <ErrorNotice error={error} />}
        {added !== null && (
          <div className="notice notice-ok" role="status">
            Added {added.name}
            {added.keyring.fingerprints.length > 0 && (
              <>
                {' '}
                — signed by{' '}
                {added.keyring.fingerprints.map((f, i) => (
                  <span key={f}>
                    {i > 0 && ', '}
                    <code className="fingerprint">{groupFingerprint(f)}</code>
                  </span>
                ))}
              </>
            )}
            . Select images on the <a href="#/images">Images</a> screen.
          </div>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || url.trim() === ''}>
            Add source
          </button>
          {busy && <Busy reason="Checking the keyring and saving the source…" />}
        </div>
      </form>
    </section>
  );
}

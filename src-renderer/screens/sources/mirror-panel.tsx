/**
 * The Mirror panel: LabBoot as a local image mirror for a MAAS region. It shows the boot source
 * URL a MAAS would use (while the boot server runs), the signing mode, the key to paste into MAAS
 * in resigned mode, what a consumer can fetch completely, and exports the tree to a folder with a
 * progress bar.
 */
import { useRef, useState, type FormEvent } from 'react';
import { call, CallError, useBridge, useCall, useEvent } from '../../lib/api';
import { formatBytes } from '../../lib/format';
import { ErrorNotice } from '../../components/error-notice';
import { ProgressBar } from '../../components/progress-bar';
import type { ApiError } from '../../../src-shared/contract/result';
import type { MirrorModeName } from '../../../src-shared/contract/mirror';

/** MirrorPanel is the Sources screen's mirror section. */
export function MirrorPanel() {
  const bridge = useBridge();
  const status = useCall('mirror.status', {});
  const [error, setError] = useState<ApiError | undefined>();
  // Shown at once; the status that follows is the store's answer.
  const [chosen, setChosen] = useState<MirrorModeName | undefined>();
  const mode = chosen ?? status.data?.mode ?? 'verbatim';
  const setMode = async (next: MirrorModeName): Promise<void> => {
    setError(undefined);
    setChosen(next);
    try {
      await call(bridge, 'mirror.setMode', { mode: next });
      status.reload();
    } catch (e) {
      setChosen(undefined);
      if (e instanceof CallError) setError(e.error);
      else throw e;
    }
  };
  const stream = status.data?.streams[0];
  return (
    <section aria-labelledby="mirror-title" className="panel">
      <div className="panel-head">
        <h2 id="mirror-title">Local image mirror</h2>
      </div>
      <p className="lead">
        A MAAS region (or another LabBoot) can import the images LabBoot holds: point its boot
        source at the URL below, with the keyring that matches the signing mode.
      </p>
      {status.error !== undefined && <ErrorNotice error={status.error} />}
      {error !== undefined && <ErrorNotice error={error} />}
      <dl className="facts">
        <dt>Boot source URL</dt>
        <dd>
          {status.data?.url != null ? (
            <code data-testid="mirror-url">{status.data.url}</code>
          ) : (
            <span className="hint">
              Start the boot server (or run <code>labboot mirror serve</code>) to serve it at{' '}
              <code>http://ADDRESS:PORT{stream?.path ?? '/maas/images/ephemeral-v3/STREAM/'}</code>.
            </span>
          )}
        </dd>
        <dt>Signing</dt>
        <dd>
          <fieldset className="choice">
            <legend className="visually-hidden">Signing mode</legend>
            <label className="check">
              <input
                type="radio"
                name="mirror-mode"
                checked={mode === 'verbatim'}
                onChange={() => void setMode('verbatim')}
              />
              Verbatim: the upstream signed files (MAAS keeps the Ubuntu cloud-image keyring); they
              also list what LabBoot does not hold
            </label>
            <label className="check">
              <input
                type="radio"
                name="mirror-mode"
                checked={mode === 'resigned'}
                onChange={() => void setMode('resigned')}
              />
              Resigned: lists exactly what LabBoot holds, signed with LabBoot&apos;s mirror key
            </label>
          </fieldset>
        </dd>
      </dl>
      {mode === 'resigned' && <MirrorKey />}
      {status.data !== undefined && (
        <>
          {status.data.streams.length === 0 && (
            <p className="hint">Nothing to serve yet: sync images first.</p>
          )}
          {status.data.streams.map((s) => (
            <div key={s.name}>
              <h3>
                Stream {s.name} <span className="hint">from {s.sourceName}</span>
              </h3>
              <table className="table">
                <caption className="visually-hidden">Complete versions of stream {s.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Product</th>
                    <th scope="col">Version</th>
                    <th scope="col">Files</th>
                    <th scope="col">Size</th>
                  </tr>
                </thead>
                <tbody>
                  {s.complete.map((v) => (
                    <tr key={`${v.product}@${v.version}`}>
                      <td>
                        <code>{v.product}</code>
                      </td>
                      <td>{v.version}</td>
                      <td>{v.files}</td>
                      <td>{formatBytes(v.bytes)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {s.listedNotHeld > 0 && (
                <p className="hint" role="note">
                  The upstream signed files also list {s.listedNotHeld} version(s) LabBoot does not
                  hold whole; a MAAS importing one of those fails, so select only what is listed
                  above (or use resigned mode).
                </p>
              )}
            </div>
          ))}
        </>
      )}
      <MirrorExport mode={mode} onDone={status.reload} />
    </section>
  );
}

function MirrorKey() {
  const key = useCall('mirror.key', {});
  const [copied, setCopied] = useState<'no' | 'yes' | 'select'>('no');
  const area = useRef<HTMLTextAreaElement>(null);
  const copy = async (): Promise<void> => {
    if (key.data === undefined) return;
    try {
      await navigator.clipboard.writeText(key.data.armored);
      setCopied('yes');
    } catch {
      // Without clipboard permission (the desktop window grants none): select it for Ctrl+C.
      area.current?.select();
      setCopied('select');
    }
  };
  return (
    <div className="mirror-key">
      {key.error !== undefined && <ErrorNotice error={key.error} />}
      {key.data !== undefined && (
        <>
          <label className="field">
            <span>
              Mirror key for MAAS&apos;s boot source keyring{' '}
              <span className="hint">(fingerprint {key.data.fingerprint})</span>
            </span>
            <textarea ref={area} readOnly rows={6} className="wide mono" value={key.data.armored} />
          </label>
          <div className="form-actions">
            <button type="button" onClick={() => void copy()}>
              {copied === 'yes' ? 'Copied' : 'Copy key'}
            </button>
            {copied === 'select' && (
              <span className="hint" role="status">
                The key is selected: press Ctrl+C to copy it.
              </span>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function MirrorExport({ mode, onDone }: { mode: MirrorModeName; onDone: () => void }) {
  const bridge = useBridge();
  const [dir, setDir] = useState('');
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState<{ bytes: number; total: number } | undefined>();
  const [result, setResult] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  useEvent('mirror.exportProgress', (p) => {
    if (busy) setProgress({ bytes: p.bytes, total: p.total });
  });
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    setProgress({ bytes: 0, total: 0 });
    try {
      const done = await call(bridge, 'mirror.export', { dir: dir.trim(), mode });
      setProgress({ bytes: done.bytes, total: done.bytes });
      setResult(
        `Exported to ${done.dir}: ${done.copied} file(s) copied and verified, ${done.kept} already there.`,
      );
      onDone();
    } catch (err) {
      if (err instanceof CallError) setError(err.error);
      else throw err;
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-labelledby="mirror-export-title">
      <h3 id="mirror-export-title">Export to a folder</h3>
      <label className="field">
        <span>
          Folder <span className="hint">(e.g. a USB drive; it becomes the mirror root)</span>
        </span>
        <input
          className="wide"
          value={dir}
          onChange={(e) => setDir(e.target.value)}
          placeholder="/media/usb/maas/images/ephemeral-v3/stable"
        />
      </label>
      {progress !== undefined && (
        <ProgressBar
          label="Export"
          done={progress.bytes}
          total={progress.total}
          detail={`${formatBytes(progress.bytes)} of ${formatBytes(progress.total)}`}
          tone={error !== undefined ? 'failed' : busy ? 'normal' : 'done'}
        />
      )}
      {error !== undefined && <ErrorNotice error={error} />}
      {result !== undefined && (
        <div className="notice notice-ok" role="status">
          {result}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy || dir.trim() === ''}>
          {busy ? 'Exporting…' : 'Export'}
        </button>
      </div>
    </form>
  );
}

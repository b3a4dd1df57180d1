import { useEffect, useState } from 'react';
import { call, CallError, useBridge } from '../lib/api';
import { ErrorNotice } from '../components/error-notice';
import { AnnotatedInput } from './esxi/annotated-input';
import { ResultView } from './esxi/result-view';
import { parseNicList } from './esxi/nic-list';
import type { ApiError } from '../../src-shared/contract/result';
import type { EsxiPreview } from '../../src-shared/esxi/schema';

/** Typing pauses this long before the preview is recomputed, so each keystroke stays instant. */
const debounceMs = 250;

/**
 * EsxiScreen: paste or open a MAAS network config (and optionally the host's NIC list) and see,
 * side by side, the input with every ignored item marked and what ESXi will get.
 */
export function EsxiScreen() {
  const bridge = useBridge();
  const [yaml, setYaml] = useState('');
  const [nicText, setNicText] = useState('');
  const [result, setResult] = useState<{ text: string; preview: EsxiPreview } | null>(null);
  const [error, setError] = useState<ApiError | string | undefined>();

  useEffect(() => {
    if (yaml.trim() === '') {
      setResult(null);
      setError(undefined);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      const nics = nicText.trim() === '' ? null : parseNicList(nicText);
      if (nics !== null && 'error' in nics) {
        setResult(null);
        setError(nics.error);
        return;
      }
      void call(bridge, 'esxi.preview', { yaml, ...(nics === null ? {} : { nics: nics.nics }) })
        .then((preview) => {
          if (!live) return;
          setError(undefined);
          setResult({ text: yaml, preview });
        })
        .catch((e: unknown) => {
          if (!live) return;
          // A stale preview next to an error would read as the answer for the new text.
          setResult(null);
          if (e instanceof CallError) setError(e.error);
          else setError(String(e));
        });
    }, debounceMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [bridge, yaml, nicText]);

  const open = async (file: File | undefined, set: (text: string) => void): Promise<void> => {
    if (file !== undefined) set(await file.text());
  };

  return (
    <>
      <section aria-labelledby="esxi-input-title" className="panel">
        <h2 id="esxi-input-title">Network config</h2>
        <p className="lead">
          Paste the curtin network config MAAS renders for the machine (YAML version 1, or the whole
          curtin config). The preview updates as you type.
        </p>
        <div className="esxi-inputs">
          <div className="field">
            <label htmlFor="esxi-yaml">Network config (YAML)</label>
            <textarea
              id="esxi-yaml"
              className="code-input"
              rows={12}
              spellCheck={false}
              value={yaml}
              onChange={(e) => setYaml(e.target.value)}
            />
            <label className="file-button">
              Open a file…
              <input
                type="file"
                accept=".yaml,.yml,.json,.txt"
                className="visually-hidden"
                onChange={(e) => void open(e.target.files?.[0], setYaml)}
              />
            </label>
          </div>
          <div className="field">
            <label htmlFor="esxi-nics">
              Host NICs{' '}
              <span className="hint">
                (optional: “vmnic0 MAC” per line, JSON, or esxcli output)
              </span>
            </label>
            <textarea
              id="esxi-nics"
              className="code-input"
              rows={12}
              spellCheck={false}
              value={nicText}
              onChange={(e) => setNicText(e.target.value)}
            />
            <p className="hint">
              Left empty, each physical interface becomes vmnic0, vmnic1, … in config order.
            </p>
          </div>
        </div>
        {typeof error === 'string' ? (
          <div className="notice notice-error" role="alert">
            {error}
          </div>
        ) : (
          error !== undefined && <ErrorNotice error={error} />
        )}
      </section>
      {result !== null && (
        <section aria-labelledby="esxi-preview-title" className="panel">
          <h2 id="esxi-preview-title">What the ESXi image does with it</h2>
          <div className="side-by-side">
            <AnnotatedInput text={result.text} preview={result.preview} />
            <ResultView preview={result.preview} />
          </div>
        </section>
      )}
      {result === null && error === undefined && (
        <section className="panel empty">
          <p>
            Paste a config above, or open a file, to see the vSwitches, port groups, vmk interfaces,
            routes, DNS and exact esxcli commands ESXi will get.
          </p>
        </section>
      )}
    </>
  );
}

import { useEffect, useState, type FormEvent } from 'react';
import { call, CallError, useBridge } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import type { ApiError } from '../../../src-shared/contract/result';
import type { CallOutput } from '../../../src-shared/contract/index';
import type { ImageVersionRef } from './image-versions';

/** DiffPanel compares the packages of two stored image versions: added, removed, changed. */
export function DiffPanel({ versions }: { versions: readonly ImageVersionRef[] }) {
  const bridge = useBridge();
  const [a, setA] = useState(versions[1]?.ref ?? '');
  const [b, setB] = useState(versions[0]?.ref ?? '');
  const [diff, setDiff] = useState<{
    a: string;
    b: string;
    d: CallOutput<'manifests.diff'>;
  } | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  useEffect(() => {
    if (a === '' && versions[1] !== undefined) setA(versions[1].ref);
    if (b === '' && versions[0] !== undefined) setB(versions[0].ref);
  }, [versions, a, b]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(undefined);
    try {
      setDiff({ a, b, d: await call(bridge, 'manifests.diff', { a, b }) });
    } catch (err) {
      if (err instanceof CallError) setError(err.error);
      else throw err;
    }
  };
  if (versions.length < 2) {
    return (
      <section aria-labelledby="diff-title" className="panel">
        <h2 id="diff-title">Compare two versions</h2>
        <p className="lead">
          Comparing needs two stored image versions; a later sync that brings a newer version makes
          this available.
        </p>
      </section>
    );
  }
  const options = versions.map((v) => (
    <option key={v.ref} value={v.ref}>
      {v.image} @ {v.version}
    </option>
  ));
  const total =
    diff === null ? 0 : diff.d.added.length + diff.d.removed.length + diff.d.changed.length;
  return (
    <section aria-labelledby="diff-title" className="panel">
      <h2 id="diff-title">Compare two versions</h2>
      <form className="toolbar" onSubmit={(e) => void submit(e)}>
        <label className="field inline">
          <span>Older</span>
          <select value={a} onChange={(e) => setA(e.target.value)}>
            {options}
          </select>
        </label>
        <span aria-hidden="true">→</span>
        <label className="field inline">
          <span>Newer</span>
          <select value={b} onChange={(e) => setB(e.target.value)}>
            {options}
          </select>
        </label>
        <button type="submit" disabled={a === b}>
          Compare
        </button>
      </form>
      {a === b && <p className="hint">Choose two different versions.</p>}
      {error !== undefined && <ErrorNotice error={error} />}
      {diff !== null && (
        <div className="diff" aria-live="polite">
          <p className="hint" role="status">
            {total === 0
              ? `${diff.a} and ${diff.b} have the same packages.`
              : `${diff.d.added.length} added, ${diff.d.removed.length} removed, ${diff.d.changed.length} changed from ${diff.a} to ${diff.b}.`}
          </p>
          {diff.d.changed.length > 0 && (
            <table className="table compact">
              <caption>Changed</caption>
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                </tr>
              </thead>
              <tbody>
                {diff.d.changed.map((c) => (
                  <tr key={c.package}>
                    <th scope="row">
                      <code>{c.package}</code>
                    </th>
                    <td>
                      <code className="diff-from">{c.from}</code>
                    </td>
                    <td>
                      <code className="diff-to">{c.to}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="diff-columns">
            <DiffList title="Added" kind="added" rows={diff.d.added} />
            <DiffList title="Removed" kind="removed" rows={diff.d.removed} />
          </div>
        </div>
      )}
    </section>
  );
}

function DiffList({
  title,
  kind,
  rows,
}: {
  title: string;
  kind: 'added' | 'removed';
  rows: readonly { package: string; pkgVersion: string }[];
}) {
  if (rows.length === 0) return null;
  return (
    <table className="table compact">
      <caption>
        <span className={`diff-mark diff-${kind}`} aria-hidden="true">
          {kind === 'added' ? '+' : '−'}
        </span>{' '}
        {title}
      </caption>
      <thead>
        <tr>
          <th scope="col">Package</th>
          <th scope="col">Version</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.package}>
            <th scope="row">
              <code>{r.package}</code>
            </th>
            <td>
              <code>{r.pkgVersion}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

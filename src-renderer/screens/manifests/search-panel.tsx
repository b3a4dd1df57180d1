import { useState, type FormEvent } from 'react';
import { call, CallError, useBridge } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import type { ApiError } from '../../../src-shared/contract/result';
import type { CallOutput } from '../../../src-shared/contract/index';

/** Rows shown at once; the count says when more matched, so nothing is silently hidden. */
const shown = 500;

/** SearchPanel finds a package across every stored image version, from the store alone. */
export function SearchPanel() {
  const bridge = useBridge();
  const [term, setTerm] = useState('');
  const [hits, setHits] = useState<CallOutput<'manifests.search'> | null>(null);
  const [asked, setAsked] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const t = term.trim();
    if (t === '') return;
    setError(undefined);
    try {
      setHits(await call(bridge, 'manifests.search', { term: t }));
      setAsked(t);
    } catch (err) {
      if (err instanceof CallError) setError(err.error);
      else throw err;
    }
  };
  return (
    <section aria-labelledby="search-title" className="panel">
      <h2 id="search-title">Find a package in every image</h2>
      <form className="toolbar" onSubmit={(e) => void submit(e)} role="search">
        <label className="field inline">
          <span>Package</span>
          <input
            type="search"
            value={term}
            onChange={(e) => setTerm(e.target.value)}
            placeholder="e.g. openssl"
          />
        </label>
        <button type="submit" disabled={term.trim() === ''}>
          Search
        </button>
      </form>
      {error !== undefined && <ErrorNotice error={error} />}
      {hits !== null && (
        <>
          <p className="hint" role="status">
            {hits.length === 0
              ? `No stored image has a package matching “${asked}”.`
              : `${hits.length} match${hits.length === 1 ? '' : 'es'} for “${asked}”${hits.length > shown ? `; the first ${shown} are shown, narrow the term to see the rest` : ''}.`}
          </p>
          {hits.length > 0 && (
            <table className="table compact">
              <caption className="visually-hidden">Search results for {asked}</caption>
              <thead>
                <tr>
                  <th scope="col">Package</th>
                  <th scope="col">Version</th>
                  <th scope="col">Image</th>
                  <th scope="col">Image version</th>
                </tr>
              </thead>
              <tbody>
                {hits.slice(0, shown).map((h) => (
                  <tr key={`${h.image}@${h.version}/${h.package}`}>
                    <th scope="row">
                      <code>{h.package}</code>
                    </th>
                    <td>
                      <code>{h.pkgVersion}</code>
                    </td>
                    <td>
                      <code>{h.image}</code>
                    </td>
                    <td>
                      <code>{h.version}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}

import { useEffect, useMemo, useState } from 'react';
import { call, CallError, useBridge, useCall } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import { Busy } from '../../components/busy';
import { formatBytes } from '../../lib/format';
import type { ApiError } from '../../../src-shared/contract/result';
import type { CatalogFailure, CatalogProductView } from '../../../src-shared/contract/sources';
import type { SelectionView } from '../../../src-shared/contract/images';

/** OfferKernel is one kernel product of an offered image. */
interface OfferKernel {
  subarch: string;
  kflavor: string;
  /** Bytes a sync fetches for its newest complete version (null: none is complete). */
  bytes: number | null;
}

interface OfferRow {
  /** `os/release/arch`, the unit a selection names. */
  spec: string;
  os: string;
  release: string;
  arch: string;
  kernels: OfferKernel[];
  kflavors: string[];
  newest: string | null;
  versions: number;
  source: string;
}

/** groupOffers folds products into one row per os/release/arch; the first source listing it wins. */
function groupOffers(catalog: { source: { name: string }; products: CatalogProductView[] }[]): {
  images: OfferRow[];
  bootloaders: CatalogProductView[];
} {
  const rows = new Map<string, OfferRow>();
  const bootloaders: CatalogProductView[] = [];
  for (const { source, products } of catalog) {
    for (const p of products) {
      if (p.kind === 'bootloader') {
        bootloaders.push(p);
        continue;
      }
      const spec = `${p.os}/${p.release}/${p.arch}`;
      const row = rows.get(spec) ?? {
        spec,
        os: p.os,
        release: p.release,
        arch: p.arch,
        kernels: [],
        kflavors: [],
        newest: null,
        versions: 0,
        source: source.name,
      };
      if (row.source !== source.name) continue;
      if (!row.kernels.some((k) => k.subarch === p.subarch)) {
        row.kernels.push({ subarch: p.subarch, kflavor: p.kflavor, bytes: p.newestCompleteBytes });
      }
      if (!row.kflavors.includes(p.kflavor)) row.kflavors.push(p.kflavor);
      if (p.newestComplete !== null && (row.newest === null || p.newestComplete > row.newest)) {
        row.newest = p.newestComplete;
      }
      row.versions = Math.max(row.versions, p.versions.length);
      rows.set(spec, row);
    }
  }
  const images = [...rows.values()].sort(
    (a, b) =>
      a.os.localeCompare(b.os) ||
      b.release.localeCompare(a.release) ||
      a.arch.localeCompare(b.arch),
  );
  return { images, bootloaders };
}

/**
 * CatalogPanel shows what the sources offer (fetched and signature-checked on request, since it
 * goes to the network) with one checkbox per os/release/arch that selects it for the next sync.
 */
export function CatalogPanel({
  readOnly,
  selections,
  onSelectionsChanged,
}: {
  readOnly: boolean;
  selections: readonly SelectionView[];
  onSelectionsChanged: () => void;
}) {
  const bridge = useBridge();
  const [fetchKey, setFetchKey] = useState(0);
  const [error, setError] = useState<ApiError | undefined>();
  const [pending, setPending] = useState<string | null>(null);
  // A ticked box shows at once; the store's answer replaces it when the selections reload.
  const [optimistic, setOptimistic] = useState<ReadonlyMap<string, boolean>>(new Map());
  useEffect(() => setOptimistic(new Map()), [selections]);
  const selected = useMemo(() => {
    const set = new Set(selections.map((s) => `${s.os}/${s.release}/${s.arch}`));
    for (const [spec, on] of optimistic) {
      if (on) set.add(spec);
      else set.delete(spec);
    }
    return set;
  }, [selections, optimistic]);

  const toggle = async (spec: string, on: boolean): Promise<void> => {
    setError(undefined);
    setPending(spec);
    setOptimistic((m) => new Map(m).set(spec, on));
    try {
      await call(bridge, on ? 'images.select' : 'images.unselect', { images: [spec] });
      onSelectionsChanged();
    } catch (e) {
      setOptimistic((m) => {
        const next = new Map(m);
        next.delete(spec);
        return next;
      });
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setPending(null);
    }
  };

  return (
    <section aria-labelledby="catalog-title" className="panel">
      <div className="panel-head">
        <h2 id="catalog-title">Offered by the sources</h2>
        <button type="button" onClick={() => setFetchKey((k) => k + 1)}>
          {fetchKey === 0 ? 'Check sources' : 'Check again'}
        </button>
      </div>
      {error !== undefined && <ErrorNotice error={error} />}
      {fetchKey === 0 ? (
        <>
          <p className="lead">
            Checking asks every source for its signed index and lists what it offers. Your
            selections are kept while offline:
          </p>
          <SelectionList
            selections={selections}
            readOnly={readOnly}
            pending={pending}
            onUnselect={(spec) => void toggle(spec, false)}
          />
        </>
      ) : (
        <Catalog
          fetchKey={fetchKey}
          readOnly={readOnly}
          selected={selected}
          pending={pending}
          onToggle={(spec, on) => void toggle(spec, on)}
          selections={selections}
        />
      )}
    </section>
  );
}

function SelectionList({
  selections,
  readOnly,
  pending,
  onUnselect,
}: {
  selections: readonly SelectionView[];
  readOnly: boolean;
  pending: string | null;
  onUnselect: (spec: string) => void;
}) {
  if (selections.length === 0) return <p className="hint">Nothing is selected yet.</p>;
  return (
    <ul className="chips" aria-label="Selected images">
      {selections.map((s) => {
        const spec = `${s.os}/${s.release}/${s.arch}`;
        return (
          <li key={s.id} className="chip">
            <code>{spec}</code>
            <button
              type="button"
              className="chip-remove"
              aria-label={`Unselect ${spec}`}
              disabled={readOnly || pending === spec}
              onClick={() => onUnselect(spec)}
            >
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}

function Catalog({
  fetchKey,
  readOnly,
  selected,
  pending,
  onToggle,
  selections,
}: {
  fetchKey: number;
  readOnly: boolean;
  selected: ReadonlySet<string>;
  pending: string | null;
  onToggle: (spec: string, on: boolean) => void;
  selections: readonly SelectionView[];
}) {
  const catalog = useCall('sources.catalog', {}, String(fetchKey));
  const offers = useMemo(
    () => (catalog.data === undefined ? null : groupOffers(catalog.data.sources)),
    [catalog.data],
  );
  if (catalog.loading) {
    return <Busy reason="Fetching each source's signed index and checking its signature…" />;
  }
  if (catalog.error !== undefined || offers === null) {
    return (
      <>
        {catalog.error !== undefined && <ErrorNotice error={catalog.error} />}
        <p className="hint">Selected while the sources cannot be reached:</p>
        <SelectionList
          selections={selections}
          readOnly={readOnly}
          pending={pending}
          onUnselect={(spec) => onToggle(spec, false)}
        />
      </>
    );
  }
  const failures = catalog.data?.failures ?? [];
  if (failures.length > 0 && catalog.data?.sources.length === 0) {
    return (
      <>
        <SourceFailures failures={failures} />
        <p className="hint">Selected while the sources cannot be read:</p>
        <SelectionList
          selections={selections}
          readOnly={readOnly}
          pending={pending}
          onUnselect={(spec) => onToggle(spec, false)}
        />
      </>
    );
  }
  const orphans = selections.filter(
    (s) => !offers.images.some((o) => o.spec === `${s.os}/${s.release}/${s.arch}`),
  );
  return (
    <>
      <SourceFailures failures={failures} />
      <table className="table">
        <caption className="visually-hidden">Images offered by the sources</caption>
        <thead>
          <tr>
            <th scope="col">Sync</th>
            <th scope="col">Image</th>
            <th scope="col">Kernels (subarch · size)</th>
            <th scope="col">Kernel flavours</th>
            <th scope="col">Newest complete</th>
            <th scope="col">Versions</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {offers.images.map((o) => (
            <tr key={o.spec}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Sync ${o.spec}`}
                  checked={selected.has(o.spec)}
                  disabled={readOnly}
                  onChange={(e) => onToggle(o.spec, e.target.checked)}
                />
              </td>
              <th scope="row">
                <code>{o.spec}</code>
              </th>
              <td>
                {o.kernels.map((k) => (
                  <div key={k.subarch}>
                    {k.subarch}{' '}
                    <span className="hint">
                      · {k.bytes === null ? 'none complete' : formatBytes(k.bytes)}
                    </span>
                  </div>
                ))}
              </td>
              <td>{o.kflavors.join(', ')}</td>
              <td>{o.newest ?? <span className="warn-text">none complete</span>}</td>
              <td>{o.versions}</td>
              <td>{o.source}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {offers.images.length === 0 && (
        <p className="hint">The sources list no images. Check the URL on the Sources screen.</p>
      )}
      {orphans.length > 0 && (
        <p className="hint">
          Selected but not offered by any source:{' '}
          {orphans.map((s) => `${s.os}/${s.release}/${s.arch}`).join(', ')}.
        </p>
      )}
      {offers.bootloaders.length > 0 && (
        <p className="hint">
          Bootloaders synced with every image:{' '}
          {offers.bootloaders
            .map((b) => `${b.os} (${b.arch}) ${b.newestComplete ?? ''}`)
            .join(', ')}
        </p>
      )}
    </>
  );
}

/** SourceFailures names each source that could not be read and why; the others are still listed. */
function SourceFailures({ failures }: { failures: readonly CatalogFailure[] }) {
  return (
    <>
      {failures.map((f) => (
        <div
          key={f.sourceId}
          className="notice notice-error"
          role="alert"
          data-testid="catalog-source-failed"
        >
          <strong>The source {f.sourceName} could not be read.</strong>
          <p>{f.message}</p>
        </div>
      ))}
    </>
  );
}

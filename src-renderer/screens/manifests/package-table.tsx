import { useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';

export interface PackageRow {
  package: string;
  pkgVersion: string;
}

type SortKey = 'package' | 'pkgVersion';
/** One collator for every comparison: localeCompare would build one per call. */
const compare = new Intl.Collator('en', { numeric: true }).compare;
const rowHeight = 30;
/** The scroll area's height when the rows overflow it (about 14 rows). */
const bodyHeight = 420;

/** filterPackages keeps rows whose name or version contains the term (case-insensitive). */
export function filterPackages(
  rows: readonly PackageRow[],
  lowered: readonly string[],
  term: string,
): readonly PackageRow[] {
  const t = term.trim().toLowerCase();
  if (t === '') return rows;
  const out: PackageRow[] = [];
  for (let i = 0; i < rows.length; i++) if (lowered[i]!.includes(t)) out.push(rows[i]!);
  return out;
}

/**
 * PackageTable is a virtualized, sortable, filter-as-you-type table: only the rows in view are in
 * the DOM (tanstack virtual), so thousands of packages scroll and filter without a pause.
 */
export function PackageTable({
  packages,
  label,
}: {
  packages: readonly PackageRow[];
  label: string;
}) {
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: 'package', dir: 1 });
  // Sort once per order change; each keystroke then only filters the sorted list (O(n), no sort).
  const sorted = useMemo(() => {
    const { key, dir } = sort;
    const rows = [...packages].sort((a, b) => dir * compare(a[key], b[key]));
    return { rows, lowered: rows.map((p) => `${p.package}\u0000${p.pkgVersion}`.toLowerCase()) };
  }, [packages, sort]);
  const rows = useMemo(() => filterPackages(sorted.rows, sorted.lowered, filter), [sorted, filter]);

  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });

  const header = (key: SortKey, text: string) => {
    const active = sort.key === key;
    return (
      <div
        role="columnheader"
        className="vt-cell"
        aria-sort={active ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'}
      >
        <button
          type="button"
          className="sort-button"
          onClick={() => setSort({ key, dir: active ? (sort.dir === 1 ? -1 : 1) : 1 })}
        >
          {text}
          <span aria-hidden="true" className="sort-mark">
            {active ? (sort.dir === 1 ? '▲' : '▼') : ''}
          </span>
        </button>
      </div>
    );
  };

  return (
    <div className="package-table">
      <div className="toolbar">
        <label className="field inline">
          <span>Filter</span>
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="package name or version"
            aria-controls="package-rows"
          />
        </label>
        <span className="hint" role="status" data-testid="package-count">
          {rows.length === packages.length
            ? `${packages.length} packages`
            : `${rows.length} of ${packages.length} packages`}
        </span>
      </div>
      <div role="table" aria-label={label} aria-rowcount={rows.length + 1} className="vt">
        <div role="rowgroup">
          <div role="row" aria-rowindex={1} className="vt-row vt-head">
            {header('package', 'Package')}
            {header('pkgVersion', 'Version')}
          </div>
        </div>
        <div
          ref={scroller}
          id="package-rows"
          role="rowgroup"
          className="vt-body"
          tabIndex={0}
          aria-label={`${label}, scrollable`}
          style={{ height: Math.min(bodyHeight, Math.max(rows.length, 1) * rowHeight + 2) }}
        >
          <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
            {virtual.getVirtualItems().map((item) => {
              const p = rows[item.index]!;
              return (
                <div
                  role="row"
                  key={item.key}
                  aria-rowindex={item.index + 2}
                  className="vt-row"
                  style={{ transform: `translateY(${item.start}px)`, height: rowHeight }}
                >
                  <div role="cell" className="vt-cell">
                    <code>{p.package}</code>
                  </div>
                  <div role="cell" className="vt-cell">
                    <code>{p.pkgVersion}</code>
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {rows.length === 0 && (
        <p className="hint vt-empty">No package matches “{filter}”. Clear the filter to see all.</p>
      )}
    </div>
  );
}

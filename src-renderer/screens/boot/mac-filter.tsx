import { useMemo } from 'react';
import type { BootStep } from '../../../src-shared/boot/events';

/** macFilterText is what a person typed, spelled like stored MACs (lower case, colons). */
export function macFilterText(text: string): string {
  return text.trim().toLowerCase().replaceAll('-', ':');
}

/** filterStepsByMac keeps the steps of clients whose MAC contains `filter` (all when it is empty). */
export function filterStepsByMac(steps: readonly BootStep[], filter: string): readonly BootStep[] {
  const f = macFilterText(filter);
  if (f === '') return steps;
  return steps.filter((s) => s.mac?.includes(f) === true);
}

/**
 * MacFilter narrows the live log to one machine: type part of a MAC, or pick one the log has seen
 * (newest first).
 */
export function MacFilter({
  steps,
  value,
  onChange,
}: {
  steps: readonly BootStep[];
  value: string;
  onChange: (value: string) => void;
}) {
  const seen = useMemo(() => {
    const last = new Map<string, number>();
    for (const s of steps)
      if (s.mac !== null) last.set(s.mac, Math.max(last.get(s.mac) ?? 0, s.at));
    return [...last.entries()].sort((a, b) => b[1] - a[1]).map(([mac]) => mac);
  }, [steps]);
  return (
    <div className="toolbar">
      <label className="field inline">
        <span>Show machine</span>
        <input
          type="search"
          list="seen-macs"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder="all (type or pick a MAC)"
          size={26}
          spellCheck={false}
        />
      </label>
      <datalist id="seen-macs">
        {seen.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      {value.trim() !== '' && (
        <button type="button" onClick={() => onChange('')}>
          Show all machines
        </button>
      )}
    </div>
  );
}

import { memo, useMemo, useState } from 'react';
import type { BootStep } from '../../../src-shared/boot/events';
import { stepOk } from '../../../src-shared/boot/steps';
import { clientBootPath } from './client-boot-path';
import { stepClientKey } from '../../lib/rate-series';

interface ClientRow {
  client: string;
  /** Addresses the client used (a MAC row may have several over time). */
  addresses: Set<string>;
  first: number;
  last: number;
  steps: BootStep[];
}

const protocols = ['dhcp', 'tftp', 'http'] as const;

// One formatter for every row: toLocaleTimeString builds a new one per call, hundreds per render.
const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

function time(at: number): string {
  return timeFormat.format(at);
}

/**
 * How many of a client's newest steps its timeline shows: a few, so twenty machines booting at
 * once still fit a screen or two, or up to the whole loaded history when the admin asks for it.
 */
const collapsedSteps = 8;
const expandedSteps = 200;

/** reached says how far a client got per protocol: none, ok, or only failures. */
function reached(
  steps: readonly BootStep[],
  protocol: BootStep['protocol'],
): 'none' | 'ok' | 'bad' {
  const mine = steps.filter((s) => s.protocol === protocol);
  if (mine.length === 0) return 'none';
  return mine.some((s) => stepOk(s.stage)) ? 'ok' : 'bad';
}

const reachedLabel = { none: 'not yet', ok: 'done', bad: 'failed' } as const;
const badgeFor = { none: 'badge-muted', ok: 'badge-ok', bad: 'badge-warn' } as const;
// The shared stylesheet has no stage list; a plain vertical stack of badges is all it needs.
const stagesStyle = {
  listStyle: 'none',
  margin: 0,
  padding: 0,
  display: 'grid',
  gap: '4px',
  justifyItems: 'start',
} as const;

/**
 * LiveLog shows one row per client MAC (its address until DHCP names it) with how far it got
 * (DHCP → TFTP → HTTP), the boot path it took, and its timeline in order: each DHCP step, TFTP
 * file and HTTP request, with why a step failed. Newest client first.
 */
export function LiveLog({ steps }: { steps: readonly BootStep[] }) {
  const rows = useMemo(() => {
    const byClient = new Map<string, ClientRow>();
    for (const s of steps) {
      const key = stepClientKey(s);
      const row = byClient.get(key) ?? {
        client: key,
        addresses: new Set<string>(),
        first: s.at,
        last: s.at,
        steps: [],
      };
      row.steps.push(s);
      row.last = Math.max(row.last, s.at);
      if (s.clientIp !== null && s.clientIp !== key) row.addresses.add(s.clientIp);
      byClient.set(key, row);
    }
    return [...byClient.values()].sort((a, b) => b.last - a.last);
  }, [steps]);

  if (rows.length === 0) {
    return (
      <p className="lead" role="status">
        No client has asked for anything yet. Power on a machine set to network boot on the chosen
        interface; each DHCP answer, TFTP file and HTTP request appears here as it is served.
      </p>
    );
  }
  return (
    <table className="table live-log" aria-label="Boot log by client">
      <thead>
        <tr>
          <th scope="col">Client</th>
          <th scope="col">Progress</th>
          <th scope="col">Timeline</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <ClientRowView key={r.client} row={r} />
        ))}
      </tbody>
    </table>
  );
}

/**
 * sameRow says a row shows the same thing as before: steps are only ever appended (and the oldest
 * dropped), and each step object is made once, so its ends and count tell.
 */
function sameRow(a: { row: ClientRow }, b: { row: ClientRow }): boolean {
  const x = a.row;
  const y = b.row;
  return (
    x.steps.length === y.steps.length &&
    x.steps[0] === y.steps[0] &&
    x.steps[x.steps.length - 1] === y.steps[y.steps.length - 1] &&
    x.addresses.size === y.addresses.size
  );
}

/**
 * timelineKeys names each shown step by what it is (time, protocol, stage, detail, and which
 * repeat of that), so a new step adds one item and drops the oldest shown instead of rewriting
 * every item as a key by position would.
 */
export function timelineKeys(steps: readonly BootStep[]): string[] {
  const seen = new Map<string, number>();
  return steps.map((s) => {
    const base = `${s.at}|${s.protocol}|${s.stage}|${s.detail}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return `${base}#${n}`;
  });
}

/** ClientRowView is one client's row; it renders again only when that client's steps change. */
const ClientRowView = memo(function ClientRowView({ row: r }: { row: ClientRow }) {
  const [expanded, setExpanded] = useState(false);
  const path = clientBootPath(r.steps);
  const from = Math.max(0, r.steps.length - (expanded ? expandedSteps : collapsedSteps));
  const shown = r.steps.slice(from);
  const keys = timelineKeys(shown);
  return (
    <tr>
      <th scope="row">
        <code>{r.client}</code>
        {r.addresses.size > 0 && <div className="hint">{[...r.addresses].join(', ')}</div>}
        <div className="hint">
          {time(r.first)} – {time(r.last)}
        </div>
        {path !== undefined && <div className="badge badge-muted">via {path}</div>}
      </th>
      <td>
        <ol className="stages" style={stagesStyle} aria-label={`Boot stages of ${r.client}`}>
          {protocols.map((p) => {
            const state = reached(r.steps, p);
            return (
              <li key={p} className={`badge ${badgeFor[state]}`}>
                {p.toUpperCase()} {reachedLabel[state]}
              </li>
            );
          })}
        </ol>
      </td>
      <td>
        <ol className="timeline">
          {shown.map((s, i) => (
            <li key={keys[i]} className={stepOk(s.stage) ? 'step-ok' : 'step-bad'}>
              <span className={`proto proto-${s.protocol}`}>{s.protocol.toUpperCase()}</span>{' '}
              <span className="hint">{time(s.at)}</span>{' '}
              <code>{s.protocol === 'dhcp' ? `${s.stage}: ${s.detail}` : s.detail}</code>
            </li>
          ))}
        </ol>
        {(from > 0 || expanded) && (
          <p className="hint">
            {from > 0 && `${from} earlier steps of this client are not shown. `}
            <button type="button" onClick={() => setExpanded(!expanded)}>
              {expanded ? 'Show fewer steps' : 'Show earlier steps'}
            </button>
          </p>
        )}
      </td>
    </tr>
  );
}, sameRow);

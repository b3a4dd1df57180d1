import { useMemo } from 'react';
import type { BootServeEvent } from '../../../src-shared/boot/events';
import { clientKey } from '../../lib/rate-series';
import { formatBytes, formatRate } from '../../lib/format';

interface ClientRow {
  client: string;
  first: string;
  last: string;
  events: BootServeEvent[];
}

/** A served request is fine when it completed (TFTP) or answered 2xx (HTTP). */
function ok(e: BootServeEvent): boolean {
  return e.protocol === 'tftp' ? e.outcome === 'complete' : e.status >= 200 && e.status < 300;
}

function stepText(e: BootServeEvent): string {
  if (e.protocol === 'tftp') {
    const rate =
      e.outcome === 'complete' && e.durationMs > 0 ? `, ${formatRate(e.bytesPerSecond)}` : '';
    return `${e.file} — ${e.outcome}, ${formatBytes(e.bytes)}${rate}${e.detail === null ? '' : ` (${e.detail})`}`;
  }
  return `${e.method} ${e.path} — ${e.status}, ${formatBytes(e.bytes)}`;
}

function time(at: string): string {
  return new Date(at).toLocaleTimeString();
}

/**
 * LiveLog shows one row per client with its boot timeline in order: each TFTP file and HTTP
 * request, how it ended, its size and speed. Newest client first.
 */
export function LiveLog({ events }: { events: readonly BootServeEvent[] }) {
  const rows = useMemo(() => {
    const byClient = new Map<string, ClientRow>();
    for (const e of events) {
      const key = clientKey(e);
      const row = byClient.get(key) ?? { client: key, first: e.at, last: e.at, events: [] };
      row.events.push(e);
      row.last = e.at;
      byClient.set(key, row);
    }
    return [...byClient.values()].sort((a, b) => b.last.localeCompare(a.last));
  }, [events]);

  if (rows.length === 0) {
    return (
      <p className="lead" role="status">
        No client has asked for anything yet. Power on a machine set to network boot on the chosen
        interface; each request appears here as it is served.
      </p>
    );
  }
  return (
    <table className="table live-log" aria-label="Boot log by client">
      <thead>
        <tr>
          <th scope="col">Client</th>
          <th scope="col">Timeline</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.client}>
            <th scope="row">
              <code>{r.client}</code>
              <div className="hint">
                {time(r.first)} – {time(r.last)}
              </div>
            </th>
            <td>
              <ol className="timeline">
                {r.events.slice(-40).map((e, i) => (
                  <li key={i} className={ok(e) ? 'step-ok' : 'step-bad'}>
                    <span className={`proto proto-${e.protocol}`}>{e.protocol.toUpperCase()}</span>{' '}
                    <span className="hint">{time(e.at)}</span> <code>{stepText(e)}</code>
                  </li>
                ))}
              </ol>
              {r.events.length > 40 && (
                <p className="hint">
                  {r.events.length - 40} earlier requests from this client are not shown.
                </p>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

import { useEffect, useState } from 'react';
import type { BootServeEvent } from '../../../src-shared/boot/events';
import { rateSeries } from '../../lib/rate-series';
import { formatRate } from '../../lib/format';

const seconds = 60;
const width = 600;
const height = 110;

/** niceMax rounds a peak up to 1, 2 or 5 × a power of ten so the axis reads cleanly. */
function niceMax(peak: number): number {
  if (peak <= 0) return 1024;
  const power = 10 ** Math.floor(Math.log10(peak));
  for (const m of [1, 2, 5, 10]) if (m * power >= peak) return m * power;
  return 10 * power;
}

/**
 * RateChart draws bytes served per second over the last minute as a small SVG area chart (hand
 * drawn: one path, no chart library needed for a single series). It redraws once a second.
 */
export function RateChart({ events }: { events: readonly BootServeEvent[] }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  // A transfer that finished after the last tick must show at once, not up to a second later.
  const latest = events.reduce((max, e) => Math.max(max, Date.parse(e.at) || 0), 0);
  const series = rateSeries(events, Math.max(now, latest), seconds);
  const peak = Math.max(...series);
  const top = niceMax(peak);
  const x = (i: number): number => (i / (seconds - 1)) * width;
  const y = (v: number): number => height - (v / top) * (height - 6);
  const line = series
    .map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`)
    .join('');
  const area = `${line}L${width},${height}L0,${height}Z`;
  const current = series[series.length - 1] ?? 0;
  const summary = `Transfer rate over the last minute: now ${formatRate(current)}, peak ${formatRate(peak)}.`;
  return (
    <figure className="rate-chart">
      <figcaption className="rate-caption">
        <span>Transfer rate, last 60 s</span>
        <span className="hint">
          now <strong>{formatRate(current)}</strong> · peak {formatRate(peak)}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={summary}
      >
        <line x1="0" x2={width} y1={y(top / 2)} y2={y(top / 2)} className="rate-grid" />
        <path d={area} className="rate-area" />
        <path d={line} className="rate-line" />
      </svg>
      <div className="rate-axis hint" aria-hidden="true">
        <span>−60 s</span>
        <span>scale {formatRate(top)}</span>
        <span>now</span>
      </div>
    </figure>
  );
}

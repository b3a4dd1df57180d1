import { percent } from '../lib/format';

/** ProgressBar is a labelled, determinate bar that screen readers announce as a percentage. */
export function ProgressBar({
  label,
  done,
  total,
  detail,
  tone = 'normal',
}: {
  label: string;
  done: number;
  total: number;
  detail?: string;
  tone?: 'normal' | 'done' | 'failed';
}) {
  const value = percent(done, total);
  return (
    <div className={`progress progress-${tone}`}>
      <div className="progress-text">
        <span className="progress-label">{label}</span>
        <span className="progress-detail">
          {detail !== undefined && <span>{detail} · </span>}
          <strong>{value} %</strong>
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
      >
        <div className="progress-fill" style={{ width: `${value}%` }} />
      </div>
    </div>
  );
}

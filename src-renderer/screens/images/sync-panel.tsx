import { useEffect, useState } from 'react';
import { call, CallError, useBridge, useCall, useEvent } from '../../lib/api';
import { eta, formatBytes, formatDuration, formatRate } from '../../lib/format';
import { ProgressBar } from '../../components/progress-bar';
import { ErrorNotice } from '../../components/error-notice';
import type { ApiError } from '../../../src-shared/contract/result';
import type { SyncEvent } from '../../../src-shared/contract/images';

type Progress = Extract<SyncEvent, { event: 'progress' }>;

interface RunView {
  runId: number | null;
  files: number;
  verified: number;
  total: number;
  progress: Progress | null;
  log: { id: number; level: 'info' | 'warn' | 'error'; text: string }[];
  outcome: 'running' | 'done' | 'failed' | 'cancelled';
  seconds: number | null;
}

const emptyRun: RunView = {
  runId: null,
  files: 0,
  verified: 0,
  total: 0,
  progress: null,
  log: [],
  outcome: 'running',
  seconds: null,
};

let logId = 0;

/** reduce folds one sync event into what the panel shows. */
function reduce(run: RunView, e: SyncEvent): RunView {
  const add = (level: 'info' | 'warn' | 'error', text: string): RunView['log'] =>
    [...run.log, { id: ++logId, level, text }].slice(-200);
  switch (e.event) {
    case 'start':
      return { ...emptyRun, runId: e.runId, files: e.files, total: e.bytes };
    case 'progress':
      return { ...run, progress: e };
    case 'verified':
      return { ...run, verified: run.verified + 1 };
    case 'published':
      return { ...run, log: add('info', `Published ${e.image} ${e.version}`) };
    case 'warning':
      return { ...run, log: add('warn', e.message) };
    case 'error':
      return {
        ...run,
        outcome: e.code === 'cancelled' ? 'cancelled' : 'failed',
        log: add('error', e.message),
      };
    case 'done':
      return { ...run, outcome: 'done', seconds: e.seconds, verified: run.files };
    case 'file':
      return run;
  }
}

/**
 * SyncPanel starts and cancels a sync and shows it live: one bar for the run (bytes, rate, ETA),
 * one per file in flight, and every warning or error in words.
 */
export function SyncPanel({
  readOnly,
  hasSelections,
  onFinished,
}: {
  readOnly: boolean;
  hasSelections: boolean;
  onFinished: () => void;
}) {
  const bridge = useBridge();
  const status = useCall('sync.status', {});
  const [run, setRun] = useState<RunView | null>(null);
  const [error, setError] = useState<ApiError | undefined>();
  const [asked, setAsked] = useState<'start' | 'cancel' | null>(null);

  // A sync started elsewhere (CLI, another window) still shows here once its events arrive.
  useEffect(() => {
    if (status.data?.running === true && run === null) setRun(emptyRun);
  }, [status.data, run]);

  useEvent('sync.progress', (p) => setRun((r) => reduce(r ?? emptyRun, p)));
  useEvent('sync.event', (e) => {
    setRun((r) => reduce(r ?? emptyRun, e));
    if (e.event === 'done' || e.event === 'error') {
      setAsked(null);
      status.reload();
      onFinished();
    }
  });

  const running = run?.outcome === 'running' || status.data?.running === true;
  const start = async (): Promise<void> => {
    setError(undefined);
    setAsked('start');
    setRun(emptyRun);
    try {
      const r = await call(bridge, 'sync.start', {});
      if (!r.started) status.reload();
    } catch (e) {
      setAsked(null);
      setRun(null);
      if (e instanceof CallError) setError(e.error);
      else throw e;
    }
  };
  const cancel = async (): Promise<void> => {
    setAsked('cancel');
    try {
      await call(bridge, 'sync.cancel', {});
    } catch (e) {
      setAsked(null);
      if (e instanceof CallError) setError(e.error);
      else throw e;
    }
  };

  const last = status.data?.runs[0];
  return (
    <section aria-labelledby="sync-title" className="panel">
      <div className="panel-head">
        <h2 id="sync-title">Sync</h2>
        <div className="button-row">
          {running && (
            <button type="button" onClick={() => void cancel()} disabled={asked === 'cancel'}>
              {asked === 'cancel' ? 'Cancelling…' : 'Cancel sync'}
            </button>
          )}
          <button
            type="button"
            className="primary"
            onClick={() => void start()}
            disabled={readOnly || running || !hasSelections}
          >
            Sync now
          </button>
        </div>
      </div>
      <p className="lead">
        {readOnly
          ? 'Syncing from the UI is off while more than one source is configured.'
          : hasSelections
            ? 'Downloads the newest complete version of every selected image, verifies each file and publishes it in one step. Partial downloads resume.'
            : 'Select at least one image below, then sync.'}
      </p>
      {error !== undefined && <ErrorNotice error={error} />}
      {run !== null && <RunProgress run={run} />}
      {run === null && last !== undefined && (
        <p className="hint" data-testid="last-run">
          Last sync: {last.status} at {new Date(last.startedAt).toLocaleString()}
          {last.error !== null && ` — ${last.error}`}
        </p>
      )}
    </section>
  );
}

function RunProgress({ run }: { run: RunView }) {
  const p = run.progress;
  const done = run.outcome === 'done' ? Math.max(run.total, p?.total ?? 0) : (p?.bytes ?? 0);
  const total = p?.total ?? run.total;
  const left = p === null ? null : eta(p.bytes, p.total, p.rate);
  const detail =
    run.outcome === 'done'
      ? `${formatBytes(total)} in ${formatDuration(run.seconds ?? 0)}`
      : p === null
        ? run.runId === null
          ? 'Reading the source indexes and checking signatures'
          : `${run.files} files, ${formatBytes(run.total)}`
        : `${formatBytes(p.bytes)} of ${formatBytes(p.total)} · ${formatRate(p.rate)}${left === null ? '' : ` · ${formatDuration(left)} left`}`;
  const tone = run.outcome === 'done' ? 'done' : run.outcome === 'running' ? 'normal' : 'failed';
  const label =
    run.outcome === 'done'
      ? 'Sync finished'
      : run.outcome === 'cancelled'
        ? 'Sync cancelled'
        : run.outcome === 'failed'
          ? 'Sync failed'
          : 'Sync progress';
  return (
    <div className="sync-run" aria-live="polite">
      <ProgressBar
        label={label}
        done={run.outcome === 'done' ? 1 : done}
        total={run.outcome === 'done' ? 1 : total}
        detail={detail}
        tone={tone}
      />
      <p className="hint">
        {run.verified} of {run.files} files verified
      </p>
      {run.outcome === 'running' && p !== null && p.files.length > 0 && (
        <ul className="file-progress" aria-label="Files downloading">
          {p.files.map((f) => (
            <li key={f.sha256}>
              <ProgressBar
                label={f.path}
                done={f.bytes}
                total={f.total}
                detail={`${formatBytes(f.bytes)} of ${formatBytes(f.total)}`}
              />
            </li>
          ))}
        </ul>
      )}
      {run.log.length > 0 && (
        <ul className="event-log" aria-label="Sync messages">
          {run.log.map((l) => (
            <li key={l.id} className={`log-${l.level}`}>
              {l.text}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

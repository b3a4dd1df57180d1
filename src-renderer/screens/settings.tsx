import { useState } from 'react';
import { call, CallError, useBridge, useCall, useEvent } from '../lib/api';
import { ErrorNotice } from '../components/error-notice';
import { Busy } from '../components/busy';
import type { ApiError } from '../../src-shared/contract/result';
import type {
  ConfigImportResult,
  SyncInterval,
  SyncSchedule,
} from '../../src-shared/contract/admin';
import type { SectionChange } from '../../src-shared/backup/config-document';
import { StoragePanel } from './settings/storage-panel';

/** SettingsScreen: the scheduled sync, the configuration backup and the log file. */
export function SettingsScreen() {
  return (
    <>
      <SchedulePanel />
      <StoragePanel />
      <BackupPanel />
      <LogFilePanel />
    </>
  );
}

const intervalLabels: Record<SyncInterval, string> = {
  off: 'Off',
  '6h': 'Every 6 hours',
  '12h': 'Every 12 hours',
  daily: 'Daily',
  weekly: 'Weekly',
};

function when(iso: string | null): string {
  return iso === null ? '—' : new Date(iso).toLocaleString();
}

function SchedulePanel() {
  const bridge = useBridge();
  const loaded = useCall('sync.schedule', {});
  const [live, setLive] = useState<SyncSchedule | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  useEvent('sync.schedule', setLive);
  const schedule = live ?? loaded.data;
  const change = async (interval: SyncInterval): Promise<void> => {
    setError(undefined);
    try {
      setLive(await call(bridge, 'sync.setSchedule', { interval }));
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    }
  };
  return (
    <section aria-labelledby="schedule-title" className="panel">
      <h2 id="schedule-title">Scheduled sync</h2>
      <p className="lead">
        While the app, the console or <code>labboot serve</code> runs, LabBoot syncs the selected
        images on this schedule. A run is skipped when a sync is already running or no source can be
        reached.
      </p>
      {loaded.error !== undefined && <ErrorNotice error={loaded.error} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {schedule === undefined ? (
        loaded.error === undefined && <Busy reason="Reading the schedule…" />
      ) : (
        <>
          <div className="field inline">
            <label htmlFor="schedule-interval">Sync</label>
            <select
              id="schedule-interval"
              value={schedule.interval}
              onChange={(e) => void change(e.target.value as SyncInterval)}
            >
              {(Object.keys(intervalLabels) as SyncInterval[]).map((i) => (
                <option key={i} value={i}>
                  {intervalLabels[i]}
                </option>
              ))}
            </select>
          </div>
          <dl className="facts">
            <dt>Last run</dt>
            <dd>
              {schedule.lastRun === null ? (
                'never'
              ) : (
                <>
                  {when(schedule.lastRun.at)}{' '}
                  <span className={schedule.lastRun.outcome === 'failed' ? 'warn-text' : 'hint'}>
                    {schedule.lastRun.message}
                  </span>
                </>
              )}
            </dd>
            <dt>Next run</dt>
            <dd>
              {schedule.interval === 'off'
                ? 'not scheduled'
                : schedule.active
                  ? when(schedule.nextRun)
                  : 'when the app, the console or labboot serve runs'}
            </dd>
          </dl>
        </>
      )}
    </section>
  );
}

const sectionLabels: Record<SectionChange['section'], string> = {
  sources: 'Sources',
  selections: 'Selections',
  bootChoices: 'Boot choices',
  sshKeys: 'SSH keys',
  settings: 'Settings',
  reservations: 'DHCP reservations',
  kernelOptions: 'Kernel options per machine',
};

function ChangeList({ changes }: { changes: readonly SectionChange[] }) {
  const shown = changes.filter((c) => c.added.length + c.removed.length + c.changed.length > 0);
  if (shown.length === 0) return <p className="hint">The backup matches this configuration.</p>;
  return (
    <dl className="changes" aria-label="Changes the import makes">
      {shown.map((c) => (
        <div key={c.section}>
          <dt>{sectionLabels[c.section]}</dt>
          {c.added.map((x) => (
            <dd key={`+${x}`} className="diff-added">
              <span className="diff-mark">+ </span>
              {x}
            </dd>
          ))}
          {c.removed.map((x) => (
            <dd key={`-${x}`} className="diff-removed">
              <span className="diff-mark">− </span>
              {x}
            </dd>
          ))}
          {c.changed.map((x) => (
            <dd key={`~${x}`}>
              <span className="diff-mark">~ </span>
              {x}
            </dd>
          ))}
        </div>
      ))}
    </dl>
  );
}

function BackupPanel() {
  const bridge = useBridge();
  const [error, setError] = useState<ApiError | undefined>();
  const [pending, setPending] = useState<{ name: string; document: unknown } | null>(null);
  const [preview, setPreview] = useState<ConfigImportResult | null>(null);
  const [applied, setApplied] = useState<ConfigImportResult | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const run = async (reason: string, fn: () => Promise<void>): Promise<void> => {
    setError(undefined);
    setBusy(reason);
    try {
      await fn();
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setBusy(null);
    }
  };

  const exportConfig = (): Promise<void> =>
    run('Exporting the configuration…', async () => {
      const doc = await call(bridge, 'config.export', {});
      const blob = new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `labboot-config-${doc.exportedAt.slice(0, 10)}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });

  const pick = (file: File | undefined): void => {
    setApplied(null);
    setPreview(null);
    setPending(null);
    if (file === undefined) return;
    void run('Checking the backup…', async () => {
      const text = await file.text();
      // Text that is not JSON goes as it is: the service says in one sentence what is wrong.
      let document: unknown = text;
      try {
        document = JSON.parse(text) as unknown;
      } catch {
        // keep the text
      }
      const result = await call(bridge, 'config.import', { document, dryRun: true });
      setPending({ name: file.name, document });
      setPreview(result);
    });
  };

  const apply = (): Promise<void> =>
    run('Importing the configuration…', async () => {
      if (pending === null) return;
      const result = await call(bridge, 'config.import', {
        document: pending.document,
        dryRun: false,
      });
      setApplied(result);
      setPreview(null);
      setPending(null);
    });

  const changes = preview?.changes.some(
    (c) => c.added.length + c.removed.length + c.changed.length > 0,
  );
  return (
    <section aria-labelledby="backup-title" className="panel">
      <h2 id="backup-title">Configuration backup</h2>
      <p className="lead">
        One JSON file with your sources and their keyrings, selections, boot choices, SSH keys,
        settings and DHCP reservations — not the images. Importing makes this configuration equal to
        the file, all at once or not at all; you see the changes first.
      </p>
      <div className="toolbar">
        <button type="button" onClick={() => void exportConfig()} disabled={busy !== null}>
          Export configuration
        </button>
        <label className="file-button">
          Import configuration…
          <input
            type="file"
            accept="application/json,.json"
            className="visually-hidden"
            disabled={busy !== null}
            onChange={(e) => {
              pick(e.target.files?.[0]);
              e.target.value = '';
            }}
          />
        </label>
        {busy !== null && <Busy reason={busy} />}
      </div>
      {error !== undefined && <ErrorNotice error={error} />}
      {preview !== null && pending !== null && (
        <div className="import-preview" role="region" aria-label="Import preview">
          <h3>Importing {pending.name} would change</h3>
          <ChangeList changes={preview.changes} />
          {preview.notes.map((n) => (
            <p key={n} className="hint">
              {n}
            </p>
          ))}
          <div className="form-actions">
            {changes === true && (
              <button type="button" className="primary" onClick={() => void apply()}>
                Apply these changes
              </button>
            )}
            <button
              type="button"
              onClick={() => {
                setPreview(null);
                setPending(null);
              }}
            >
              {changes === true ? 'Cancel' : 'Close'}
            </button>
          </div>
        </div>
      )}
      {applied !== null && (
        <div className="notice notice-ok" role="status">
          {applied.applied
            ? 'Imported the configuration. Sync to fetch the images it selects.'
            : 'Nothing to import: the backup matches this configuration.'}
        </div>
      )}
    </section>
  );
}

function LogFilePanel() {
  const [shown, setShown] = useState(false);
  const [tick, setTick] = useState(0);
  const tail = useCall('system.logTail', { lines: 200 }, String(tick));
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const path = tail.data?.path;
  const copy = async (): Promise<void> => {
    if (path === undefined) return;
    try {
      await navigator.clipboard.writeText(path);
      setCopied('yes');
    } catch {
      setCopied('no');
    }
  };
  return (
    <section aria-labelledby="logfile-title" className="panel">
      <h2 id="logfile-title">Log file</h2>
      <p className="lead">
        Every error and warning of the boot server, syncs and the API, and what LabBoot did, in one
        file in the data folder (five files of 5 MB, the oldest dropped).
      </p>
      {tail.error !== undefined && <ErrorNotice error={tail.error} />}
      {path !== undefined && (
        <div className="toolbar">
          <code className="path" aria-label="Log file path">
            {path}
          </code>
          <button type="button" onClick={() => void copy()}>
            Copy path
          </button>
          {copied === 'yes' && (
            <span className="hint" role="status">
              Copied.
            </span>
          )}
          {copied === 'no' && (
            <span className="hint" role="status">
              Copying is not allowed here; select the path and copy it by hand.
            </span>
          )}
          <button
            type="button"
            aria-expanded={shown}
            onClick={() => {
              setShown(!shown);
              setTick((t) => t + 1);
            }}
          >
            {shown ? 'Hide the last lines' : 'Show the last lines'}
          </button>
          {shown && (
            <button type="button" onClick={() => setTick((t) => t + 1)}>
              Refresh
            </button>
          )}
        </div>
      )}
      {shown && tail.data !== undefined && (
        <pre className="log-tail" aria-label="Last lines of the log file" tabIndex={0}>
          {tail.data.lines.length === 0 ? 'The log file is empty.' : tail.data.lines.join('\n')}
        </pre>
      )}
    </section>
  );
}

/**
 * The store check on the Settings screen: re-hash every stored image file (`store.verify`) with a
 * progress bar fed by `store.verifyProgress`, say per version what is missing or damaged, and
 * offer Repair, which fetches those files again or marks their versions incomplete.
 */
import { useState } from 'react';
import { call, CallError, useBridge, useEvent } from '../../lib/api';
import { formatBytes } from '../../lib/format';
import { Busy } from '../../components/busy';
import { ErrorNotice } from '../../components/error-notice';
import { ProgressBar } from '../../components/progress-bar';
import type { ApiError } from '../../../src-shared/contract/result';
import type {
  StoreVerifyProgress,
  StoreVerifyResult,
  StoreVersionReport,
} from '../../../src-shared/contract/store';

type Run = 'check' | 'repair';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function VerifyProgressBar({ run, progress }: { run: Run; progress?: StoreVerifyProgress }) {
  if (progress === undefined) {
    return (
      <Busy
        reason={run === 'check' ? 'Starting the check…' : 'Checking the files before repairing…'}
      />
    );
  }
  const checking = progress.phase === 'checking';
  const { files, totalFiles, bytes, totalBytes } = progress;
  return (
    <ProgressBar
      label={checking ? 'Checking stored files' : 'Fetching damaged files again'}
      done={totalBytes > 0 ? bytes : files}
      total={totalBytes > 0 ? totalBytes : totalFiles}
      detail={`${files} of ${plural(totalFiles, 'file', 'files')}, ${formatBytes(bytes)} of ${formatBytes(totalBytes)}`}
    />
  );
}

/** What is wrong with a version, without the image name and version its summary starts with. */
function VersionLine({ v }: { v: StoreVersionReport }) {
  const head = `${v.image} ${v.version}: `;
  const rest = v.summary.startsWith(head) ? v.summary.slice(head.length) : v.summary;
  return (
    <li>
      <strong>
        {v.image} {v.version}
      </strong>
      : {rest}
    </li>
  );
}

function VerifyReport({ result, run }: { result: StoreVerifyResult; run: Run }) {
  const checked = `${plural(result.checkedFiles, 'file', 'files')}, ${formatBytes(result.checkedBytes)}`;
  if (result.ok) {
    return (
      <div className="notice notice-ok" role="status">
        All good: every stored file matches its sha256 ({checked} checked).
      </div>
    );
  }
  const versions = plural(result.versions.length, 'stored version', 'stored versions');
  if (run === 'repair' && result.repaired) {
    return (
      <div className="notice notice-ok" role="status">
        <strong className="banner-title">
          Repaired: every damaged file of {versions} was fetched again from its source and verified.
        </strong>
        <ul className="store-check-list">
          {result.versions.map((v) => (
            <VersionLine key={`${v.image}@${v.version}`} v={v} />
          ))}
        </ul>
      </div>
    );
  }
  return (
    <div className="notice notice-warn" role="status">
      <strong className="banner-title">
        {run === 'repair'
          ? `Not everything could be repaired: ${versions} still have damaged files.`
          : `Damaged or missing files in ${versions} (${checked} checked).`}
      </strong>
      <ul className="store-check-list">
        {result.versions.map((v) => (
          <VersionLine key={`${v.image}@${v.version}`} v={v} />
        ))}
      </ul>
      <p className="hint">
        {run === 'repair'
          ? 'A version marked incomplete is not served; Repair again, or sync, once its source can be reached.'
          : 'Repair fetches these files again from their source; a version whose files cannot be fetched is marked incomplete and not served until a sync fetches it.'}
      </p>
    </div>
  );
}

/** StoreCheck checks the stored images' files and repairs damaged ones. */
export function StoreCheck() {
  const bridge = useBridge();
  const [running, setRunning] = useState<Run | undefined>();
  const [progress, setProgress] = useState<StoreVerifyProgress | undefined>();
  const [report, setReport] = useState<{ run: Run; result: StoreVerifyResult } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  useEvent('store.verifyProgress', (p) => {
    if (running !== undefined) setProgress(p);
  });
  const start = async (run: Run): Promise<void> => {
    setRunning(run);
    setProgress(undefined);
    setError(undefined);
    try {
      const result = await call(bridge, 'store.verify', { repair: run === 'repair' });
      setReport({ run, result });
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setRunning(undefined);
      setProgress(undefined);
    }
  };
  const canRepair =
    report !== undefined &&
    !report.result.ok &&
    !(report.run === 'repair' && report.result.repaired);
  return (
    <section aria-labelledby="store-check-title" className="store-check">
      <h3 id="store-check-title">Stored images</h3>
      <p className="lead">
        Reads every stored image file again and compares it with the sha256 its signed source
        published; missing or damaged files can be fetched again.
      </p>
      <div className="form-actions">
        <button type="button" disabled={running !== undefined} onClick={() => void start('check')}>
          {running === 'check' ? 'Checking…' : 'Check stored images'}
        </button>
        {canRepair && (
          <button
            type="button"
            className="primary"
            disabled={running !== undefined}
            onClick={() => void start('repair')}
          >
            {running === 'repair' ? 'Repairing…' : 'Repair'}
          </button>
        )}
      </div>
      {running !== undefined && <VerifyProgressBar run={running} progress={progress} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {running === undefined && report !== undefined && (
        <VerifyReport result={report.result} run={report.run} />
      )}
    </section>
  );
}

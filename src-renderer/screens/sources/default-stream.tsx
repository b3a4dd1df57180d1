/**
 * DefaultStream switches the images.maas.io source between MAAS's stable and candidate streams;
 * other sources and the multi-source rules stay as they are.
 */
import { useState } from 'react';
import { call, CallError, useBridge } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import type { ApiError } from '../../../src-shared/contract/result';

type Stream = 'stable' | 'candidate';

/** DefaultStream is the stable/candidate switch of the Sources screen. */
export function DefaultStream({
  current,
  onChanged,
}: {
  current: Stream | null;
  onChanged: () => void;
}) {
  const bridge = useBridge();
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const choose = async (stream: Stream): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      await call(bridge, 'sources.setDefaultStream', { stream });
      onChanged();
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="field">
      <label htmlFor="maas-stream">
        images.maas.io stream{' '}
        <span className="hint">
          (candidate gets every build first; stable what MAAS has tested)
        </span>
      </label>
      <select
        id="maas-stream"
        value={current ?? ''}
        disabled={busy}
        onChange={(e) => void choose(e.target.value === 'candidate' ? 'candidate' : 'stable')}
      >
        {current === null && <option value="">not used</option>}
        <option value="stable">stable</option>
        <option value="candidate">candidate</option>
      </select>
      {error !== undefined && <ErrorNotice error={error} />}
    </div>
  );
}

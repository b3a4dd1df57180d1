import { useEffect, useId, useRef, useState } from 'react';
import { call, CallError, useBridge } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import type { ApiError } from '../../../src-shared/contract/result';
import type { MachineView } from '../../../src-shared/contract/deploy';

/**
 * ReleaseDialog returns a machine to RAM-only network boots, optionally having the installer
 * first zero the start and the end of its disk (partition tables and boot loaders) at its next
 * network boot.
 */
export function ReleaseDialog({
  machine,
  onClose,
  onReleased,
}: {
  machine: MachineView;
  onClose: () => void;
  onReleased: (view: MachineView) => void;
}) {
  const bridge = useBridge();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [erase, setErase] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      onReleased(await call(bridge, 'deploy.release', { mac: machine.mac, erase }));
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} className="panel dialog" aria-labelledby={`${id}-title`} onCancel={onClose}>
      <h2 id={`${id}-title`}>Release {machine.mac}?</h2>
      <p className="lead">
        Its network boots go back to the RAM-only image
        {machine.state === 'deploying' ? ', and the deploy it waits for is cancelled' : ''}. What is
        on its disk stays there unless you erase it.
      </p>
      <label className="check">
        <input type="checkbox" checked={erase} onChange={(e) => setErase(e.target.checked)} />
        <span>
          Erase the disk first{' '}
          <span className="hint">
            (at its next network boot the installer zeroes the first 16 MiB and the last 1 MiB of
            disk {machine.disk ?? 'auto'})
          </span>
        </span>
      </label>
      {error !== undefined && <ErrorNotice error={error} />}
      <div className="button-row">
        <button
          type="button"
          className={erase ? 'danger' : 'primary'}
          disabled={busy}
          onClick={() => void confirm()}
        >
          {erase ? 'Release and erase the disk' : 'Release'}
        </button>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

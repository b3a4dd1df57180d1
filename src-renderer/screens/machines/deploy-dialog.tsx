import { useEffect, useId, useRef, useState } from 'react';
import { call, CallError, useBridge } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import { formatBytes } from '../../lib/format';
import type { ApiError } from '../../../src-shared/contract/result';
import type { CustomImageView, MachineView } from '../../../src-shared/contract/deploy';
import { deployConfirmation, diskProblem } from './machine-state';

/**
 * DeployDialog marks a machine for deploy: it picks the image (the uploaded disk images: synced
 * images hold no disk image, only what a RAM-only boot needs) and the disk (`auto` or a device),
 * and says in one sentence, before the person confirms, which MAC gets which image and that the
 * disk is overwritten.
 */
export function DeployDialog({
  machine,
  images,
  onClose,
  onDeployed,
}: {
  machine: MachineView;
  images: readonly CustomImageView[];
  onClose: () => void;
  onDeployed: (view: MachineView) => void;
}) {
  const bridge = useBridge();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [image, setImage] = useState(
    images.some((i) => i.name === machine.image) ? (machine.image ?? '') : (images[0]?.name ?? ''),
  );
  const [diskMode, setDiskMode] = useState<'auto' | 'device'>(
    machine.disk !== null && machine.disk !== 'auto' ? 'device' : 'auto',
  );
  const [device, setDevice] = useState(
    machine.disk !== null && machine.disk !== 'auto' ? machine.disk : '',
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);
  const disk = diskMode === 'auto' ? 'auto' : device.trim();
  const problem = diskMode === 'device' ? diskProblem(disk) : undefined;
  const chosen = images.find((i) => i.name === image);
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      onDeployed(await call(bridge, 'deploy.start', { mac: machine.mac, image, disk }));
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog
      ref={ref}
      className="panel dialog"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-confirm`}
      onCancel={onClose}
    >
      <h2 id={`${id}-title`}>Deploy to {machine.mac}</h2>
      {images.length === 0 ? (
        <p className="notice notice-warn">
          No disk image is uploaded yet. Upload one (a raw or compressed whole-disk image, such as a
          packer-built <code>.dd.gz</code>) on the <a href="#/images">Images</a> screen first.
          Synced images boot RAM-only and hold no disk image to write.
        </p>
      ) : (
        <div className="form">
          <div className="field">
            <label htmlFor={`${id}-image`}>Image</label>
            <select id={`${id}-image`} value={image} onChange={(e) => setImage(e.target.value)}>
              {images.map((i) => (
                <option key={i.name} value={i.name}>
                  {i.name} — {i.kind}, {i.arch}, {i.firmware}, needs {formatBytes(i.diskBytes)}
                </option>
              ))}
            </select>
            <span className="hint">
              Uploaded disk images; synced images boot RAM-only and hold no disk image to write.
            </span>
          </div>
          <fieldset className="field">
            <legend>Disk to write</legend>
            <label className="field inline">
              <input
                type="radio"
                name={`${id}-disk`}
                checked={diskMode === 'auto'}
                onChange={() => setDiskMode('auto')}
              />
              <span>
                auto{' '}
                <span className="hint">(the first fixed disk the installer does not run from)</span>
              </span>
            </label>
            <label className="field inline">
              <input
                type="radio"
                name={`${id}-disk`}
                checked={diskMode === 'device'}
                onChange={() => setDiskMode('device')}
              />
              <span>this device:</span>
              <input
                type="text"
                aria-label="Disk device"
                placeholder="/dev/sda"
                spellCheck={false}
                value={device}
                disabled={diskMode !== 'device'}
                aria-invalid={problem !== undefined}
                aria-describedby={problem === undefined ? undefined : `${id}-disk-problem`}
                onChange={(e) => setDevice(e.target.value)}
              />
            </label>
            {problem !== undefined && (
              <span id={`${id}-disk-problem`} className="field-problem">
                {problem}
              </span>
            )}
          </fieldset>
        </div>
      )}
      {chosen !== undefined && (
        <p id={`${id}-confirm`} className="notice notice-warn" data-testid="deploy-confirmation">
          {deployConfirmation(machine.mac, chosen.name, disk === '' ? '(none)' : disk)}
        </p>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
      <div className="button-row">
        <button
          type="button"
          className="danger"
          disabled={busy || chosen === undefined || problem !== undefined}
          onClick={() => void confirm()}
        >
          Deploy and overwrite the disk
        </button>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

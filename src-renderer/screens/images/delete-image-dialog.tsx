import { useEffect, useRef, useState } from 'react';
import { call, CallError, useBridge } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import type { ApiError } from '../../../src-shared/contract/result';
import type { ImageView } from '../../../src-shared/contract/images';
import type { ImageDeleteResult } from '../../../src-shared/contract/store';

/** imageLabel is `os/release/arch/subarch`, the name `labboot images delete` takes. */
export function imageLabel(i: Pick<ImageView, 'os' | 'release' | 'arch' | 'subarch'>): string {
  return `${i.os}/${i.release}/${i.arch}/${i.subarch}`;
}

/**
 * DeleteImageDialog asks before deleting stored versions of one image: it names the image and
 * the versions (all ticked at first), says what happens to the selection, and shows the service's
 * refusal (a sync running, the boot server serving it) in place.
 */
export function DeleteImageDialog({
  image,
  onClose,
  onDeleted,
}: {
  image: ImageView;
  onClose: () => void;
  onDeleted: (result: ImageDeleteResult) => void;
}) {
  const bridge = useBridge();
  const ref = useRef<HTMLDialogElement>(null);
  const all = image.versions.map((v) => v.version);
  const [chosen, setChosen] = useState<string[]>(all);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const name = imageLabel(image);
  const family = `${image.os}/${image.release}/${image.arch}`;
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
  }, []);
  const toggle = (version: string, on: boolean): void =>
    setChosen((c) =>
      on ? all.filter((v) => v === version || c.includes(v)) : c.filter((v) => v !== version),
    );
  const confirm = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const everything = chosen.length === all.length;
      onDeleted(
        await call(
          bridge,
          'images.delete',
          everything ? { image: name } : { image: name, versions: chosen },
        ),
      );
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setBusy(false);
    }
  };
  const count = chosen.length === 1 ? '1 version' : `${chosen.length} versions`;
  return (
    <dialog
      ref={ref}
      className="panel"
      aria-labelledby="delete-image-title"
      onCancel={onClose}
      // Centred like any modal: `.panel` alone would pin it to the bottom margin.
      style={{ maxWidth: 560, margin: 'auto' }}
    >
      <h2 id="delete-image-title">Delete {name}?</h2>
      <p className="lead">
        The chosen versions and the files no other version uses are removed from this machine now,
        without the network. When no kernel of <code>{family}</code> is left, it is also unselected
        so the next sync does not bring it back.
      </p>
      <fieldset className="field">
        <legend>Versions to delete</legend>
        {image.versions.map((v, n) => (
          <label key={v.version} className="field inline">
            <input
              type="checkbox"
              checked={chosen.includes(v.version)}
              onChange={(e) => toggle(v.version, e.target.checked)}
            />
            <span>
              <code>{v.version}</code>
              {n === 0 && ' (newest)'}
            </span>
          </label>
        ))}
      </fieldset>
      {error !== undefined && <ErrorNotice error={error} />}
      <div className="button-row">
        <button
          type="button"
          className="danger"
          disabled={busy || chosen.length === 0}
          onClick={() => void confirm()}
        >
          Delete {count}
        </button>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

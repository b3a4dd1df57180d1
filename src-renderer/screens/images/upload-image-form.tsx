import { useId, useState, type FormEvent } from 'react';
import { useBridge, useEvent } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import { ProgressBar } from '../../components/progress-bar';
import { formatBytes } from '../../lib/format';
import type { ApiError, CallResult } from '../../../src-shared/contract/result';
import type { CustomImageView, ImageImportSettings } from '../../../src-shared/contract/deploy';
import {
  IMAGE_ARCHES,
  IMAGE_FIRMWARES,
  IMAGE_KINDS,
  type ImageArch,
  type ImageFirmware,
  type ImageKind,
} from '../../../src-shared/deploy/image-kinds';
import { nameProblem, suggestName } from './custom-image-name';

interface Upload {
  fileName: string;
  name: string;
  sent: number;
  total: number;
}

/**
 * UploadImageForm imports a disk image file as `custom/NAME`: in the desktop window the main
 * process reads the picked file from disk; in the browser console the file streams to the
 * console. Either way a progress bar follows the bytes, and the name is checked as it is typed.
 */
export function UploadImageForm({
  taken,
  onUploaded,
}: {
  taken: readonly string[];
  onUploaded: (image: CustomImageView) => void;
}) {
  const bridge = useBridge();
  const id = useId();
  const [file, setFile] = useState<File | undefined>();
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [kind, setKind] = useState<ImageKind | 'auto'>('auto');
  const [arch, setArch] = useState<ImageArch>('amd64');
  const [firmware, setFirmware] = useState<ImageFirmware>('any');
  const [upload, setUpload] = useState<Upload | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const problem = nameProblem(name, taken);
  const showProblem = problem !== undefined && (nameTouched || file !== undefined);

  // The desktop app reports progress only as events; the console's upload reports both.
  useEvent('deploy.importProgress', (e) =>
    setUpload((u) =>
      u !== undefined && e.name === `custom/${u.name}`
        ? { ...u, sent: Math.max(u.sent, e.bytes), total: e.total }
        : u,
    ),
  );

  const pick = (picked: File | undefined): void => {
    setFile(picked);
    setError(undefined);
    if (picked !== undefined && !nameTouched) setName(suggestName(picked.name));
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (file === undefined || problem !== undefined || upload !== undefined) return;
    const settings: ImageImportSettings = { name, kind, arch, firmware };
    setError(undefined);
    setUpload({ fileName: file.name, name, sent: 0, total: file.size });
    let result: CallResult<CustomImageView>;
    const path = bridge.pathForFile?.(file);
    if (path !== undefined && path !== '') {
      result = await bridge.call('deploy.importImage', { ...settings, path });
    } else if (bridge.uploadImage !== undefined) {
      result = await bridge.uploadImage(file, settings, (sent, total) =>
        setUpload((u) => (u === undefined ? u : { ...u, sent: Math.max(u.sent, sent), total })),
      );
    } else {
      result = {
        ok: false,
        error: {
          code: 'no-upload',
          message: `${file.name} cannot be read from here; import it with labboot images import on this computer.`,
        },
      };
    }
    setUpload(undefined);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setFile(undefined);
    setName('');
    setNameTouched(false);
    setKind('auto');
    onUploaded(result.value);
  };

  return (
    <form className="upload-form" aria-label="Upload a disk image" onSubmit={(e) => void submit(e)}>
      <div className="upload-grid">
        <div className="field">
          <span id={`${id}-file-label`}>Disk image file</span>
          <span className="upload-file">
            <label className="file-button">
              Choose a file…
              <input
                type="file"
                className="visually-hidden"
                aria-labelledby={`${id}-file-label`}
                disabled={upload !== undefined}
                onChange={(e) => pick(e.target.files?.[0])}
              />
            </label>
            <span className="hint" aria-live="polite">
              {file === undefined
                ? '.img, .dd or .raw, plain or .gz/.xz/.bz2/.zst, or a tar of one'
                : `${file.name}, ${formatBytes(file.size)}`}
            </span>
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <span className="name-input">
            <span className="hint">custom/</span>
            <input
              id={`${id}-name`}
              type="text"
              spellCheck={false}
              autoComplete="off"
              value={name}
              disabled={upload !== undefined}
              aria-invalid={showProblem}
              aria-describedby={`${id}-name-help`}
              onChange={(e) => {
                setNameTouched(true);
                setName(e.target.value);
              }}
            />
          </span>
          <span
            id={`${id}-name-help`}
            className={showProblem ? 'field-problem' : 'hint'}
            aria-live="polite"
          >
            {showProblem ? problem : 'Lower-case letters, digits, dots, dashes and underscores.'}
          </span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-kind`}>Kind</label>
          <select
            id={`${id}-kind`}
            value={kind}
            disabled={upload !== undefined}
            onChange={(e) => setKind(e.target.value as ImageKind | 'auto')}
          >
            <option value="auto">auto</option>
            {IMAGE_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
          <span className="hint">auto reads it from the file&apos;s bytes</span>
        </div>
        <div className="field">
          <label htmlFor={`${id}-arch`}>Architecture</label>
          <select
            id={`${id}-arch`}
            value={arch}
            disabled={upload !== undefined}
            onChange={(e) => setArch(e.target.value as ImageArch)}
          >
            {IMAGE_ARCHES.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-firmware`}>Firmware</label>
          <select
            id={`${id}-firmware`}
            value={firmware}
            disabled={upload !== undefined}
            onChange={(e) => setFirmware(e.target.value as ImageFirmware)}
          >
            {IMAGE_FIRMWARES.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </div>
      </div>
      {upload !== undefined && (
        <ProgressBar
          label={`Uploading ${upload.fileName} as custom/${upload.name}`}
          done={upload.sent}
          total={upload.total}
          detail={`${formatBytes(upload.sent)} of ${formatBytes(upload.total)}`}
        />
      )}
      {error !== undefined && <ErrorNotice error={error} />}
      <div className="button-row">
        <button
          type="submit"
          className="primary"
          disabled={file === undefined || problem !== undefined || upload !== undefined}
        >
          Upload
        </button>
        <span className="hint">
          LabBoot checks the whole file (disk label, complete compression) before it stores it.
        </span>
      </div>
    </form>
  );
}

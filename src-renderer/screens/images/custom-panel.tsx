import { useState } from 'react';
import { call, CallError, useBridge, useCall, useEvent } from '../../lib/api';
import { ErrorNotice } from '../../components/error-notice';
import { Busy } from '../../components/busy';
import { formatBytes } from '../../lib/format';
import type { ApiError } from '../../../src-shared/contract/result';
import type { CustomImageView } from '../../../src-shared/contract/deploy';
import { CopySha } from './copy-sha';
import { UploadImageForm } from './upload-image-form';

const noWrap = { whiteSpace: 'nowrap' } as const;

/**
 * CustomPanel lists the uploaded disk images (`custom/NAME`, what Deploy writes to a machine's
 * disk) beside the synced ones: kind, size, sha256, architecture and firmware, which deploy uses
 * each; it uploads new ones and deletes unused ones.
 */
export function CustomPanel() {
  const bridge = useBridge();
  const images = useCall('deploy.images', {});
  useEvent('deploy.changed', (e) => {
    if (e.mac === null) images.reload();
  });
  const [done, setDone] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const list = images.data ?? [];
  const remove = async (name: string): Promise<void> => {
    setError(undefined);
    setDone(undefined);
    try {
      await call(bridge, 'deploy.deleteImage', { name });
      setDone(`Deleted ${name}.`);
      images.reload();
    } catch (e) {
      if (e instanceof CallError) setError(e.error);
      else throw e;
    } finally {
      setConfirming(undefined);
    }
  };
  return (
    <section aria-labelledby="custom-title" className="panel">
      <div className="panel-head">
        <h2 id="custom-title">Uploaded disk images</h2>
        <span className="hint">deployed to a machine&apos;s disk from the Machines screen</span>
      </div>
      {images.error !== undefined && <ErrorNotice error={images.error} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {done !== undefined && (
        <p className="notice notice-ok" role="status">
          {done}
        </p>
      )}
      {images.data === undefined && images.loading && <Busy reason="Reading uploaded images…" />}
      {images.data !== undefined && list.length === 0 && (
        <p className="hint">
          None yet. Upload a whole-disk image below (for instance a packer-built <code>.dd.gz</code>
          ), then deploy it on the <a href="#/machines">Machines</a> screen.
        </p>
      )}
      {list.length > 0 && (
        <table className="table" aria-label="Uploaded disk images">
          <thead>
            <tr>
              <th scope="col">Image</th>
              <th scope="col">Kind</th>
              <th scope="col">Arch / firmware</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">sha256</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <CustomRow
                key={i.name}
                image={i}
                confirming={confirming === i.name}
                onDelete={() => {
                  setDone(undefined);
                  setConfirming(i.name);
                }}
                onConfirm={() => void remove(i.name)}
                onCancel={() => setConfirming(undefined)}
              />
            ))}
          </tbody>
        </table>
      )}
      <h3 className="subhead">Upload a disk image</h3>
      <UploadImageForm
        taken={list.map((i) => i.name)}
        onUploaded={(image) => {
          setError(undefined);
          setDone(
            `Uploaded ${image.name} (${image.kind}, ${formatBytes(image.size)} for a ${formatBytes(image.diskBytes)} disk, sha256 ${image.sha256.slice(0, 12)}…); deploy it from the Machines screen.`,
          );
          images.reload();
        }}
      />
    </section>
  );
}

function CustomRow({
  image: i,
  confirming,
  onDelete,
  onConfirm,
  onCancel,
}: {
  image: CustomImageView;
  confirming: boolean;
  onDelete: () => void;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <tr>
      <th scope="row">
        <code>{i.name}</code> <span className="badge badge-muted">uploaded</span>
        {i.inUseBy !== null && <div className="hint">being deployed to {i.inUseBy}</div>}
      </th>
      <td>
        <code>{i.kind}</code>
      </td>
      <td style={noWrap}>
        {i.arch} / {i.firmware}
      </td>
      <td className="num" style={noWrap}>
        {formatBytes(i.size)}
        <div className="hint">disk {formatBytes(i.diskBytes)}</div>
      </td>
      <td style={noWrap}>
        <CopySha sha256={i.sha256} of={i.name} />
      </td>
      <td>{new Date(i.createdAt).toLocaleString()}</td>
      <td className="actions">
        {confirming ? (
          <span className="confirm">
            <button type="button" className="danger" onClick={onConfirm}>
              Delete {i.name}
            </button>
            <button type="button" onClick={onCancel}>
              Keep
            </button>
          </span>
        ) : (
          <button
            type="button"
            aria-label={`Delete ${i.name}`}
            disabled={i.inUseBy !== null}
            onClick={onDelete}
          >
            Delete…
          </button>
        )}
      </td>
    </tr>
  );
}

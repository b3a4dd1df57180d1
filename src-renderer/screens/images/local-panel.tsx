import { useState } from 'react';
import type { ImageView } from '../../../src-shared/contract/images';
import type { ImageDeleteResult } from '../../../src-shared/contract/store';
import { formatBytes } from '../../lib/format';
import { DeleteImageDialog, imageLabel } from './delete-image-dialog';
import { TestBootButton } from '../../components/test-boot';

// A size or a source name split over two lines reads as two values.
const noWrap = { whiteSpace: 'nowrap' } as const;

/** versionSize adds up the stored files of one version. */
function versionSize(v: ImageView['versions'][number]): number {
  return v.files.reduce((sum, f) => sum + f.size, 0);
}

/**
 * LocalPanel lists what is stored on this machine: every version, whether complete, its size and
 * the source that supplied it; each image can be deleted after a confirmation.
 */
export function LocalPanel({
  images,
  onChanged,
}: {
  images: readonly ImageView[];
  onChanged: () => void;
}) {
  const [deleting, setDeleting] = useState<ImageView | undefined>();
  const [done, setDone] = useState<ImageDeleteResult | undefined>();
  const kernels = images.filter((i) => i.kind === 'image');
  const bootloaders = images.filter((i) => i.kind === 'bootloader');
  const total = images.reduce(
    (sum, i) => sum + i.versions.reduce((s, v) => s + versionSize(v), 0),
    0,
  );
  return (
    <section aria-labelledby="local-title" className="panel">
      <div className="panel-head">
        <h2 id="local-title">Stored on this machine</h2>
        {images.length > 0 && <span className="hint">{formatBytes(total)} in total</span>}
      </div>
      {done !== undefined && (
        <div className="notice notice-ok" role="status">
          {done.deleted.map((d) => `Deleted ${d.image} ${d.version}.`).join(' ')} Freed{' '}
          {formatBytes(done.freedBytes)}. {done.notes.join(' ')}
        </div>
      )}
      {deleting !== undefined && (
        <DeleteImageDialog
          image={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={(result) => {
            setDeleting(undefined);
            setDone(result);
            onChanged();
          }}
        />
      )}
      {images.length === 0 ? (
        <p className="lead">
          Nothing is stored yet. Select an image above and press Sync now; it is ready to boot once
          it shows here.
        </p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Stored images</caption>
          <thead>
            <tr>
              <th scope="col">Image</th>
              <th scope="col">Kernel</th>
              <th scope="col">Versions</th>
              <th scope="col">Files</th>
              <th scope="col" className="num">
                Size
              </th>
              <th scope="col">Source</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {[...kernels, ...bootloaders].map((i) => (
              <tr key={`${i.product}`}>
                <th scope="row">
                  <code>
                    {i.os}/{i.release}/{i.arch}
                  </code>
                  {i.kind === 'bootloader' && <span className="badge badge-muted">bootloader</span>}
                  <div className="hint">{i.label}</div>
                </th>
                <td>
                  {i.kind === 'image' ? (
                    <>
                      {i.subarch}
                      <div className="hint">{i.kflavor}</div>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>
                  {i.versions.map((v, n) => (
                    <div key={v.version}>
                      <code>{v.version}</code>{' '}
                      {n === 0 && <span className="badge badge-ok">newest</span>}{' '}
                      {v.complete ? (
                        <span className="visually-hidden">complete</span>
                      ) : (
                        <span className="badge badge-warn">incomplete</span>
                      )}
                    </div>
                  ))}
                </td>
                <td>
                  {i.versions.map((v) => (
                    <div key={v.version} className="hint">
                      {v.files.map((f) => f.ftype).join(', ')}
                    </div>
                  ))}
                </td>
                <td className="num">
                  {i.versions.map((v) => (
                    <div key={v.version} style={noWrap}>
                      {formatBytes(versionSize(v))}
                    </div>
                  ))}
                </td>
                <td>
                  {i.versions.map((v) => (
                    <div key={v.version} title={v.source.url ?? undefined} style={noWrap}>
                      {v.source.name ?? v.source.url ?? 'not recorded'}
                    </div>
                  ))}
                </td>
                <td className="actions">
                  {i.kind === 'image' && i.arch === 'amd64' && (
                    <TestBootButton image={imageLabel(i)} />
                  )}
                  {i.kind === 'image' && (
                    <button
                      type="button"
                      aria-label={`Delete ${imageLabel(i)}`}
                      onClick={() => {
                        setDone(undefined);
                        setDeleting(i);
                      }}
                    >
                      Delete…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

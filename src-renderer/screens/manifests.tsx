import { useEffect, useMemo, useState } from 'react';
import { useCall } from '../lib/api';
import { ErrorNotice } from '../components/error-notice';
import { MultiSourceBanner } from '../components/multi-source-banner';
import { Busy } from '../components/busy';
import { PackageTable } from './manifests/package-table';
import { SearchPanel } from './manifests/search-panel';
import { DiffPanel } from './manifests/diff-panel';
import { imageVersions } from './manifests/image-versions';

/**
 * ManifestsScreen browses the package lists of stored images: one version's packages, a search
 * across all of them, and a diff of two. Everything answers from the local store, offline.
 */
export function ManifestsScreen() {
  const sources = useCall('sources.list', {});
  const images = useCall('images.list', {});
  const versions = useMemo(() => imageVersions(images.data ?? []), [images.data]);
  const [ref, setRef] = useState('');
  useEffect(() => {
    if (ref === '' && versions[0] !== undefined) setRef(versions[0].ref);
  }, [versions, ref]);
  const warning = sources.data?.warning ?? null;

  return (
    <>
      {warning !== null && <MultiSourceBanner warning={warning} />}
      {images.error !== undefined && <ErrorNotice error={images.error} />}
      {images.loading && images.data === undefined && (
        <Busy reason="Reading stored images from the store…" />
      )}
      {images.data !== undefined && versions.length === 0 && (
        <section className="panel empty">
          <p>
            No stored image has a package list yet. Sync an image on the{' '}
            <a href="#/images">Images</a> screen; its packages can then be browsed here, even with
            the network gone.
          </p>
        </section>
      )}
      {versions.length > 0 && (
        <>
          <section aria-labelledby="packages-title" className="panel">
            <div className="panel-head">
              <h2 id="packages-title">Packages</h2>
              <label className="field inline">
                <span>Image version</span>
                <select value={ref} onChange={(e) => setRef(e.target.value)}>
                  {versions.map((v) => (
                    <option key={v.ref} value={v.ref}>
                      {v.image} @ {v.version}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {ref !== '' && <Packages imageRef={ref} />}
          </section>
          <SearchPanel />
          <DiffPanel versions={versions} />
        </>
      )}
    </>
  );
}

function Packages({ imageRef }: { imageRef: string }) {
  const shown = useCall('manifests.show', { image: imageRef }, imageRef);
  if (shown.error !== undefined) return <ErrorNotice error={shown.error} />;
  if (shown.data === undefined) return <Busy reason={`Reading the package list of ${imageRef}…`} />;
  return (
    <PackageTable
      key={imageRef}
      packages={shown.data.packages}
      label={`Packages of ${shown.data.image} ${shown.data.version}`}
    />
  );
}

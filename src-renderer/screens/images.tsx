import { useCall } from '../lib/api';
import { ErrorNotice } from '../components/error-notice';
import { MultiSourceBanner } from '../components/multi-source-banner';
import { Busy } from '../components/busy';
import { SyncPanel } from './images/sync-panel';
import { CatalogPanel } from './images/catalog-panel';
import { LocalPanel } from './images/local-panel';
import { CustomPanel } from './images/custom-panel';

/**
 * ImagesScreen: sync control, what the sources offer (with selection), what is stored, and the
 * uploaded disk images that Deploy writes to a machine's disk. While
 * more than one source is configured it shows MAAS's banner and every managing control is off.
 */
export function ImagesScreen() {
  const sources = useCall('sources.list', {});
  const selections = useCall('images.selections', {});
  const images = useCall('images.list', {});
  const warning = sources.data?.warning ?? null;
  const readOnly = warning !== null;
  return (
    <>
      {warning !== null && <MultiSourceBanner warning={warning} />}
      {sources.error !== undefined && <ErrorNotice error={sources.error} />}
      <SyncPanel
        readOnly={readOnly || sources.data === undefined}
        hasSelections={(selections.data?.length ?? 0) > 0}
        onFinished={images.reload}
      />
      {selections.error !== undefined && <ErrorNotice error={selections.error} />}
      <CatalogPanel
        readOnly={readOnly || sources.data === undefined}
        selections={selections.data ?? []}
        onSelectionsChanged={selections.reload}
      />
      {images.error !== undefined && <ErrorNotice error={images.error} />}
      {images.data === undefined && images.loading && (
        <Busy reason="Reading stored images from the store…" />
      )}
      {images.data !== undefined && (
        <LocalPanel
          images={images.data}
          onChanged={() => {
            images.reload();
            selections.reload();
          }}
        />
      )}
      <CustomPanel />
    </>
  );
}

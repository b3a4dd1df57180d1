import type { ImageView } from '../../../src-shared/contract/images';
import type { Services } from '../../services';
import type { StoredResource } from '../../store/types';
import type { HandlersFor } from './types';

/** toImageView shapes a stored resource as cli.md's `images --json` element. */
export function toImageView(r: StoredResource): ImageView {
  return {
    os: r.os,
    release: r.release,
    arch: r.arch,
    subarch: r.subarch,
    kflavor: r.kflavor,
    label: r.label,
    product: r.product,
    kind: r.kind,
    versions: r.versions.map((v) => ({
      version: v.version,
      // Versions are published whole; `store verify --repair` marks one incomplete when a damaged
      // file could not be fetched again.
      complete: v.complete,
      files: v.files.map((f) => ({ ftype: f.ftype, sha256: f.sha256, size: f.size, path: f.path })),
      source: v.source,
    })),
  };
}

/** imagesHandlers serves selections, local images and sync control. */
export function imagesHandlers(
  services: Services,
): HandlersFor<
  | 'images.list'
  | 'images.selections'
  | 'images.select'
  | 'images.unselect'
  | 'sync.start'
  | 'sync.cancel'
  | 'sync.status'
> {
  const { sources, sync, events, log } = services;
  return {
    'images.list': () => sources.store.listResources().map(toImageView),
    'images.selections': () => sources.selections(),
    'images.select': (input) => sources.select(input.images),
    'images.unselect': (input) => sources.unselect(input.images),
    'sync.start': async () => {
      if (sync.running) return { started: false, warning: sources.warning() };
      // The run goes on after this call returns; its outcome arrives as sync.event. Only a failure
      // before the first event (another sync holds the lock) is this call's own error.
      let emitted = false;
      let firstEvent: () => void = () => undefined;
      const started = new Promise<void>((resolve) => (firstEvent = resolve));
      const run = sync.run((e) => {
        emitted = true;
        firstEvent();
        if (e.event === 'progress') events.emit('sync.progress', e);
        else events.emit('sync.event', e);
      });
      run.catch((error: unknown) => log.warn('sync', (error as Error).message));
      await Promise.race([
        started,
        run.then(
          () => undefined,
          (error: unknown) => {
            if (!emitted) throw error;
          },
        ),
      ]);
      return { started: true, warning: sources.warning() };
    },
    'sync.cancel': () => ({ cancelled: sync.cancel() }),
    'sync.status': () => ({ running: sync.running, runs: sources.store.listRuns() }),
  };
}

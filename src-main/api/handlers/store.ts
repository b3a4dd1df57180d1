import type { Services } from '../../services';
import { throttleProgress } from '../../upkeep/progress-throttle';
import type { HandlersFor } from './types';

/** A few progress events per second keep a bar moving without flooding the event stream. */
const verifyProgressIntervalMs = 250;

/** storeHandlers serve image deletion, store verification and the storage settings. */
export function storeHandlers(
  services: Services,
): HandlersFor<'images.delete' | 'store.verify' | 'store.settings' | 'store.setSettings'> {
  const { upkeep, events } = services;
  return {
    'images.delete': (input) => upkeep.deleteImage(input),
    'store.verify': (input) =>
      upkeep.verify({
        repair: input.repair,
        onProgress: throttleProgress(
          (p) => events.emit('store.verifyProgress', p),
          verifyProgressIntervalMs,
        ),
      }),
    'store.settings': () => upkeep.settings(),
    'store.setSettings': (input) => upkeep.setSettings(input),
  };
}

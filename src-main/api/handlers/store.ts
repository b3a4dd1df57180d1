import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** storeHandlers serve image deletion, store verification and the storage settings. */
export function storeHandlers(
  services: Services,
): HandlersFor<'images.delete' | 'store.verify' | 'store.settings' | 'store.setSettings'> {
  const { upkeep } = services;
  return {
    'images.delete': (input) => upkeep.deleteImage(input),
    'store.verify': (input) => upkeep.verify({ repair: input.repair }),
    'store.settings': () => upkeep.settings(),
    'store.setSettings': (input) => upkeep.setSettings(input),
  };
}

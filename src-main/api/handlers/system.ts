import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** systemHandlers serves the `system.*` calls. */
export function systemHandlers(
  services: Services,
): HandlersFor<'system.info' | 'system.interfaces'> {
  return {
    'system.info': () => services.system.info(),
    'system.interfaces': () => services.system.interfaces(),
  };
}

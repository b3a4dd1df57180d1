import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** testbootHandlers starts, stops and reports the test boot VM. */
export function testbootHandlers(
  services: Services,
): HandlersFor<'testboot.start' | 'testboot.stop' | 'testboot.status'> {
  const { testBoot } = services;
  return {
    'testboot.start': (input) => testBoot.start(input),
    'testboot.stop': () => testBoot.stop(),
    'testboot.status': () => testBoot.status(),
  };
}

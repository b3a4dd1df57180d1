import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** bootHandlers serves the boot server's status, start/stop and per-MAC choices. */
export function bootHandlers(
  services: Services,
): HandlersFor<
  | 'boot.status'
  | 'boot.start'
  | 'boot.stop'
  | 'boot.choices'
  | 'boot.setChoice'
  | 'boot.removeChoice'
> {
  const { boot } = services;
  return {
    'boot.status': () => boot.status(),
    'boot.start': (input) => boot.start(input),
    'boot.stop': () => boot.stop(),
    'boot.choices': () => boot.choices.list(),
    'boot.setChoice': (input) => boot.setChoice(input),
    'boot.removeChoice': (input) => ({ removed: boot.choices.remove(input.mac) }),
  };
}

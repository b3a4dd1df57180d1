import type { Services } from '../../services';
import type { HandlersFor } from './types';

/**
 * bootHandlers serves the boot server's status, start/stop (DHCP + TFTP + HTTP), DHCP-mode
 * limitations, SSH keys, the stored boot log, per-MAC choices and extra kernel options.
 */
export function bootHandlers(
  services: Services,
): HandlersFor<
  | 'boot.status'
  | 'boot.start'
  | 'boot.stop'
  | 'boot.limitations'
  | 'boot.sshKeys'
  | 'boot.setSshKeys'
  | 'boot.log'
  | 'boot.choices'
  | 'boot.setChoice'
  | 'boot.removeChoice'
  | 'boot.kernelOptions'
  | 'boot.setKernelOptions'
> {
  const { boot } = services;
  return {
    'boot.status': () => boot.status(),
    'boot.start': (input) => boot.start(input),
    'boot.stop': () => boot.stop(),
    'boot.limitations': (input) => boot.limitations(input.dhcp),
    'boot.sshKeys': () => ({ keys: boot.sshKeys() }),
    'boot.setSshKeys': (input) => ({ keys: boot.setSshKeys(input.keys) }),
    'boot.log': (input) => boot.log(input),
    'boot.choices': () => boot.choices.list(),
    'boot.setChoice': (input) => boot.setChoice(input),
    'boot.removeChoice': (input) => ({ removed: boot.choices.remove(input.mac) }),
    'boot.kernelOptions': () => boot.kernelOptions.view(),
    'boot.setKernelOptions': (input) => boot.kernelOptions.set(input.mac, input.options),
  };
}

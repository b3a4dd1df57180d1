import type { Services } from '../../services';
import type { HandlersFor } from './types';

/** machinesHandlers serves full-DHCP leases and static MAC → IP reservations. */
export function machinesHandlers(
  services: Services,
): HandlersFor<'machines.list' | 'machines.reserve' | 'machines.unreserve'> {
  const { machines } = services;
  return {
    'machines.list': () => machines.list(),
    'machines.reserve': (input) => machines.reserve(input.mac, input.ip),
    'machines.unreserve': (input) => machines.unreserve(input.mac),
  };
}

/**
 * fullDhcpSetup works out the full-DHCP setup reservations are checked against: the interface of
 * the current or last full-DHCP start, its IPv4 subnet now, and that start's range.
 */
import { UserError } from '../../../src-shared/errors';
import type { BootLastStart } from '../../../src-shared/contract/boot';
import type { NetworkInterface } from '../../../src-shared/contract/system';
import { defaultRange, parseRange } from './dhcp-service';
import type { FullDhcpSetup } from './reservation-check';

/** fullDhcpSetup returns the setup, or throws a UserError saying why there is none. */
export function fullDhcpSetup(
  last: BootLastStart | undefined,
  interfaces: readonly NetworkInterface[],
): FullDhcpSetup {
  const name = last?.interfaceName ?? null;
  if (last === undefined || last.dhcp !== 'full' || name === null) {
    throw new UserError(
      'Reservations are checked against the full-DHCP setup, and LabBoot has not served full DHCP yet; start it once (labboot serve --interface NAME --dhcp full, or on the Boot server screen), then reserve.',
      'no-full-dhcp',
    );
  }
  const nic = interfaces.find((n) => n.name === name);
  const v4 = nic?.addresses.find((a) => a.family === 'IPv4');
  if (v4 === undefined) {
    throw new UserError(
      `Full DHCP last ran on ${name}, which ${nic === undefined ? 'is gone' : 'has no IPv4 address'} now, so reservations cannot be checked against its subnet; bring it back, or serve full DHCP once on another interface.`,
      'no-full-dhcp',
    );
  }
  const subnet = { address: v4.address, prefixLength: v4.prefixLength };
  const range = last.range === null ? defaultRange(subnet) : parseRange(last.range, subnet, name);
  return { interfaceName: name, subnet, range };
}

/**
 * Picks the address to serve on from `--interface NAME` or `--address IP`, using the same interface
 * list as `labboot interfaces`: its MTU clamps TFTP blksize, and its kind yields the warnings a
 * person should see (Wi-Fi cannot PXE boot clients; bridges and VPN tunnels reach only some hosts).
 */
import { isIP } from 'node:net';
import type { NetworkInterface } from '../../src-shared/contract/system';
import { UserError } from '../../src-shared/errors';

/** The chosen address and what is known about its interface. */
export interface ServingAddress {
  readonly address: string;
  readonly interfaceName: string | null;
  readonly kind: NetworkInterface['kind'] | null;
  /** Interface MTU, or 1500 when unknown (the Ethernet default). */
  readonly mtu: number;
  readonly warnings: readonly string[];
}

/** The request: exactly one of interface name or address. */
export interface ServingChoice {
  readonly interfaceName?: string | undefined;
  readonly address?: string | undefined;
}

/** TFTP payload limit for an MTU: IPv4 header 20 + UDP 8 + TFTP 4 (RFC 2348 §1 example). */
export function maxBlksizeForMtu(mtu: number): number {
  return Math.max(512, Math.min(65464, mtu - 32));
}

/** Resolves the serving address; throws a UserError naming the fix when the choice is unusable. */
export function pickServingAddress(
  choice: ServingChoice,
  nics: readonly NetworkInterface[],
): ServingAddress {
  if ((choice.interfaceName === undefined) === (choice.address === undefined)) {
    throw new UserError(
      'Say where to serve with exactly one of --interface NAME or --address IP; `labboot interfaces` lists both.',
      'usage',
    );
  }
  if (choice.interfaceName !== undefined) {
    const nic = nics.find((n) => n.name === choice.interfaceName);
    if (nic === undefined) {
      throw new UserError(
        `There is no network interface named ${choice.interfaceName}; pick one from \`labboot interfaces\` (${nics.map((n) => n.name).join(', ') || 'none found'}).`,
        'no-interface',
      );
    }
    const v4 = nic.addresses.find((a) => a.family === 'IPv4');
    if (v4 === undefined) {
      throw new UserError(
        `Interface ${nic.name} has no IPv4 address, and PXE clients need one to reach LabBoot; give it an address or pick another interface.`,
        'no-address',
      );
    }
    return describe(v4.address, nic);
  }
  const address = choice.address ?? '';
  if (isIP(address) === 0)
    throw new UserError(
      `"${address}" is not an IP address; pass one from \`labboot interfaces\`.`,
      'bad-address',
    );
  if (address === '0.0.0.0' || address === '::') {
    throw new UserError(
      'LabBoot serves on one chosen address, never on all of them; pass the address of the lab-facing interface instead.',
      'wildcard-address',
    );
  }
  const nic = nics.find((n) => n.addresses.some((a) => a.address === address));
  return describe(address, nic);
}

function describe(address: string, nic: NetworkInterface | undefined): ServingAddress {
  const warnings: string[] = [];
  if (nic?.warning) warnings.push(`${nic.name}: ${nic.warning}`);
  return {
    address,
    interfaceName: nic?.name ?? null,
    kind: nic?.kind ?? null,
    mtu: nic?.mtu ?? 1500,
    warnings,
  };
}

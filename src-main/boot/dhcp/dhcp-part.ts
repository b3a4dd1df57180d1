/**
 * The DHCP server as one part of the boot server (`BootServerService`), so DHCP, TFTP and HTTP
 * start and stop as a unit, plus the glue a start needs: the default boot targets and the DHCP
 * mode, range and port turned into service options.
 */
import { UserError } from '../../../src-shared/errors';
import type { NetworkInterface } from '../../../src-shared/contract/system';
import type { BootPart, BootPartState } from '../boot-server';
import type { BootTargets } from './boot-choice';
import { DHCP_PORTS, DhcpService, parseRange, type DhcpServiceOptions } from './dhcp-service';
import type { DhcpMode } from './responder';

/**
 * defaultTargets are the MAAS bootloader names (shim `bootx64.efi`/`bootaa64.efi` over TFTP or by
 * HTTP Boot URI, `lpxelinux.0`) plus LabBoot's iPXE script for clients whose ROM is iPXE. LabBoot
 * ships no iPXE binary: only machines that already run iPXE get the script.
 */
export function defaultTargets(address: string, httpPort: number): BootTargets {
  const http = `http://${address}:${httpPort}`;
  return {
    bios: 'lpxelinux.0',
    uefiX64: 'bootx64.efi',
    uefiArm64: 'bootaa64.efi',
    httpX64: `${http}/images/bootx64.efi`,
    httpArm64: `${http}/images/bootaa64.efi`,
    ipxeScript: `${http}/boot.ipxe`,
  };
}

/** parseDhcpMode reads `--dhcp`. */
export function parseDhcpMode(text: string | undefined): DhcpMode | 'off' {
  const mode = text ?? 'proxy';
  if (mode === 'proxy' || mode === 'full' || mode === 'off') return mode;
  throw new UserError(
    `--dhcp ${mode} is not a DHCP mode; use proxy (beside your router), full (isolated lab switch) or off.`,
    'usage',
  );
}

/** What `labboot serve` knows when it builds the DHCP part. */
export interface DhcpFlags {
  readonly mode: DhcpMode | 'off';
  readonly range?: string | undefined;
  readonly dhcpPort?: number | undefined;
  readonly nic: NetworkInterface;
  readonly address: string;
  readonly httpPort: number;
}

/** dhcpOptionsFromFlags checks the flags against the interface and returns the service options. */
export function dhcpOptionsFromFlags(
  f: DhcpFlags,
  deps: Pick<DhcpServiceOptions, 'db' | 'log' | 'onEvent' | 'httpBootRefusal' | 'bootLog'>,
): DhcpServiceOptions {
  const v4 = f.nic.addresses.find((a) => a.family === 'IPv4' && a.address === f.address);
  if (f.mode !== 'off' && (!v4 || !f.nic.mac)) {
    throw new UserError(
      `DHCP must run on a network interface with an IPv4 address and a MAC, and ${f.address} on ${f.nic.name} is not one; pick an interface that has both (--interface NAME), or choose DHCP off (--dhcp off).`,
      'dhcp-interface',
    );
  }
  const subnet = { address: f.address, prefixLength: v4?.prefixLength ?? 24 };
  if (f.range !== undefined && f.mode !== 'full') {
    throw new UserError(
      '--range only applies to --dhcp full: in proxy mode your router hands out the addresses.',
      'usage',
    );
  }
  return {
    mode: f.mode,
    interfaceName: f.nic.name,
    subnet,
    mac: f.nic.mac ?? '00:00:00:00:00:00',
    targets: defaultTargets(f.address, f.httpPort),
    ...(f.range !== undefined ? { range: parseRange(f.range, subnet, f.nic.name) } : {}),
    ...(f.dhcpPort !== undefined ? { serverPort: f.dhcpPort } : {}),
    ...deps,
  };
}

/**
 * dhcpPart wraps a DhcpService as a boot-server part. `atStart` gives the options with the boot
 * targets for the HTTP port the boot server actually bound (it starts after HTTP), so an HTTP
 * port of 0 never reaches a client's boot URL.
 */
export function dhcpPart(
  o: DhcpServiceOptions,
  atStart: () => DhcpServiceOptions = () => o,
): BootPart & { service(): DhcpService | undefined } {
  let service: DhcpService | undefined;
  const port = o.serverPort ?? DHCP_PORTS.server;
  return {
    name: 'dhcp',
    start: async () => {
      if (o.mode === 'off') return;
      service = await DhcpService.start(atStart());
    },
    stop: async () => {
      await service?.dispose();
      service = undefined;
    },
    service: () => service,
    state: (): BootPartState => {
      const s = service?.status();
      const range = s?.range ? `, range ${s.range.first}-${s.range.last}` : '';
      return {
        name: 'dhcp',
        state: o.mode !== 'off' && service ? 'running' : 'off',
        address: o.subnet.address,
        port: service ? port : null,
        // What cannot boot in this mode is in the status's own `limitations`, said once there.
        detail: `${o.mode} mode on ${o.interfaceName}${range}.`,
      };
    },
  };
}

/**
 * Client combinations that cannot boot in a DHCP mode, said plainly for the UI and `serve` output.
 * Found in the reference lab (shared/pxe-lab README §6 "Client limitations").
 */
import type { DhcpMode } from './responder';

/** A known limitation with what to do about it. */
export interface BootLimitation {
  readonly id: string;
  readonly message: string;
}

/** limitationsFor lists what will not work with the chosen DHCP mode. */
export function limitationsFor(mode: DhcpMode | 'off'): BootLimitation[] {
  switch (mode) {
    case 'proxy':
      return [
        {
          id: 'secure-boot-proxy',
          message:
            'UEFI Secure Boot + proxyDHCP cannot work with the stock signed GRUB: it ignores proxyDHCP and asks your router for its config. Turn Secure Boot off on the client (LabBoot then chains through iPXE), or use full DHCP on an isolated switch.',
        },
      ];
    case 'off':
      return [
        {
          id: 'dhcp-off',
          message:
            'With DHCP off, your router must send next-server = this computer and the boot file name; LabBoot only serves TFTP and HTTP.',
        },
      ];
    case 'full':
      return [];
  }
}

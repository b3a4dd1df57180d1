/**
 * Client combinations that cannot boot in a DHCP mode, said plainly for the UI and `serve` output,
 * each in one true sentence. Beside a router, UEFI machines boot only through the firmware's HTTP
 * Boot (a UEFI PXE client's GRUB asks the router for its config), and that needs a GRUB with the
 * http module; whether the stream's GRUB has one is found by `GrubHttpProbe`.
 */
import type { GrubHttp } from '../config/grub-http';
import type { DhcpMode } from './responder';

/** A known limitation with what to do about it. */
export interface BootLimitation {
  readonly id: string;
  readonly message: string;
}

/** limitationsFor lists what will not work with the chosen DHCP mode and the stream's GRUBs. */
export function limitationsFor(
  mode: DhcpMode | 'off',
  grub: GrubHttp = 'unknown',
  arm64Grub: GrubHttp = 'unknown',
): BootLimitation[] {
  return [...x64Limitations(mode, grub), ...arm64Limitations(mode, arm64Grub)];
}

/** What the arm64 product's GRUB (`grubaa64.efi`) rules out; nothing when it has http. */
function arm64Limitations(mode: DhcpMode | 'off', grub: GrubHttp): BootLimitation[] {
  if (grub !== 'no-http') return [];
  if (mode === 'proxy')
    return [
      {
        id: 'arm64-proxy-no-http',
        message:
          "arm64 UEFI machines beside your router cannot boot with this stream's arm64 GRUB: it has no http module, so after the firmware's HTTP Boot it cannot fetch its config; use full DHCP on an isolated switch (--dhcp full).",
      },
    ];
  if (mode === 'full')
    return [
      {
        id: 'arm64-no-http',
        message:
          "This stream's arm64 GRUB has no http module, so arm64 UEFI machines load their kernel over TFTP (slower) and the firmware's HTTP Boot cannot work with it.",
      },
    ];
  return [];
}

function x64Limitations(mode: DhcpMode | 'off', grub: GrubHttp): BootLimitation[] {
  switch (mode) {
    case 'proxy':
      if (grub === 'no-http')
        return [
          {
            id: 'uefi-proxy-no-http',
            message:
              "UEFI machines beside your router cannot boot with this stream's GRUB, with Secure Boot or without: it has no http module, so after the firmware's HTTP Boot it cannot fetch its config; use full DHCP on an isolated switch (--dhcp full).",
          },
        ];
      return [
        {
          id: 'uefi-proxy-http-boot',
          message:
            "UEFI machines beside your router boot only through the firmware's HTTP Boot: switch on HTTP Boot (IPv4) in the firmware setup and put it before PXE.",
        },
        {
          id: 'secure-boot-proxy',
          message:
            grub === 'http'
              ? "Secure Boot beside your router works only through that HTTP Boot, with a signed GRUB that has http, as this stream's has."
              : 'Secure Boot beside your router works only through that HTTP Boot, with a signed GRUB that has http; this store holds no UEFI GRUB yet to check.',
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
      return grub === 'no-http'
        ? [
            {
              id: 'uefi-no-http',
              message:
                "This stream's GRUB has no http module, so UEFI machines load their kernel over TFTP (slower) and the firmware's HTTP Boot cannot work with it.",
            },
          ]
        : [];
  }
}

/**
 * Which boot file a PXE or HTTP-boot client gets, from its architecture (option 93), vendor class
 * (option 60) and user class (option 77). Mirrors MAAS `bootmethods.py` (see
 * shared/spec/simplestreams.md (d)) plus the iPXE loop guard: iPXE says "iPXE" in option 77 and
 * must get the script URL, never the iPXE binary again, or it chainloads itself forever.
 *
 * Beside a router (proxyDHCP) a UEFI PXE client gets no offer at all: the stock GRUB it would load
 * takes its server from the router's ACK and never finds LabBoot's config, so the only working road
 * is the firmware's HTTP Boot (arch 16), whose boot URI tells GRUB where its config is.
 */
import type { DhcpPacket } from './codec';
import { ClientArch, Opt, clientArchOf, stringOption, userClassesOf } from './options';

/** What the server hands each kind of client; TFTP names are relative to the TFTP root. */
export interface BootTargets {
  /** BIOS / legacy PXE (arch 0), e.g. `lpxelinux.0`. */
  readonly bios: string;
  /**
   * UEFI x86-64 PXE (arch 7 and 9) in full mode, e.g. `bootx64.efi` (shim, which then fetches
   * `grubx64.efi`). Never offered as proxyDHCP (see `refusalOf`).
   */
  readonly uefiX64: string;
  /** UEFI arm64 PXE (arch 11) in full mode, e.g. `bootaa64.efi`; never offered as proxyDHCP either. */
  readonly uefiArm64?: string;
  /** UEFI HTTP boot x86-64 (arch 16): an absolute http:// URL. */
  readonly httpX64?: string;
  /** UEFI HTTP boot arm64 (arch 19): an absolute http:// URL. */
  readonly httpArm64?: string;
  /** iPXE (user class `iPXE`): the script URL, e.g. `http://10.0.0.1:8080/boot.ipxe`. */
  readonly ipxeScript?: string;
}

/** The kind of client, for the boot log and the UI. */
export type ClientKind =
  | 'bios'
  | 'uefi-x64'
  | 'uefi-arm64'
  | 'http-x64'
  | 'http-arm64'
  | 'ipxe'
  | 'other';

/** BootChoice is what to put in `file` / option 67, and whether to say `HTTPClient` in option 60. */
export interface BootChoice {
  readonly kind: ClientKind;
  readonly file: string;
  readonly httpClient: boolean;
  readonly arch: number | undefined;
}

/** isPxeClient is true for PXE and UEFI HTTP boot clients (option 60 prefix, PXE 2.1 §2.2). */
export function isPxeClient(p: DhcpPacket): boolean {
  const vc = stringOption(p, Opt.VendorClass) ?? '';
  return vc.startsWith('PXEClient') || vc.startsWith('HTTPClient');
}

/** chooseBoot picks the boot file for a client, or undefined when LabBoot has nothing for it. */
export function chooseBoot(
  p: DhcpPacket,
  targets: BootTargets,
  mode: 'proxy' | 'full',
): BootChoice | undefined {
  const arch = clientArchOf(p);
  const vc = stringOption(p, Opt.VendorClass) ?? '';
  if (userClassesOf(p).includes('iPXE') && targets.ipxeScript) {
    return { kind: 'ipxe', file: targets.ipxeScript, httpClient: false, arch };
  }
  if (
    vc.startsWith('HTTPClient') ||
    arch === ClientArch.EfiX64Http ||
    arch === ClientArch.EfiArm64Http
  ) {
    const url = arch === ClientArch.EfiArm64Http ? targets.httpArm64 : targets.httpX64;
    const kind = arch === ClientArch.EfiArm64Http ? 'http-arm64' : 'http-x64';
    return url ? { kind, file: url, httpClient: true, arch } : undefined;
  }
  switch (arch) {
    case undefined:
    case ClientArch.BiosX86:
      // MAAS falls back to pxe when there is no arch octet (bootmethods.py); so do we.
      return { kind: 'bios', file: targets.bios, httpClient: false, arch };
    case ClientArch.EfiX64:
    case ClientArch.EfiBc:
      return mode === 'proxy'
        ? undefined
        : { kind: 'uefi-x64', file: targets.uefiX64, httpClient: false, arch };
    case ClientArch.EfiArm64:
      return mode === 'full' && targets.uefiArm64
        ? { kind: 'uefi-arm64', file: targets.uefiArm64, httpClient: false, arch }
        : undefined;
    default:
      return undefined;
  }
}

/** What the boot log says when a UEFI PXE client beside a router gets no offer. */
export const UEFI_PXE_PROXY_REFUSAL =
  "UEFI PXE beside a router cannot reach LabBoot's GRUB (GRUB asks the router for its config); switch on the firmware's HTTP Boot (IPv4) and put it before PXE";

/** What the boot log says when an x86-64 HTTP Boot client gets no offer: its GRUB would be stuck. */
export const HTTP_BOOT_NO_HTTP_REFUSAL =
  "HTTP Boot would load this stream's GRUB, which has no http module and so cannot fetch its config; boot this machine by PXE in full DHCP, or sync a stream whose GRUB has http";

/**
 * refusalOf says why a client LabBoot could name a file for is deliberately left unanswered, or
 * undefined when it is not: UEFI PXE (x86-64 and arm64) beside a router.
 */
export function refusalOf(p: DhcpPacket, mode: 'proxy' | 'full'): string | undefined {
  if (mode !== 'proxy' || userClassesOf(p).includes('iPXE')) return undefined;
  const vc = stringOption(p, Opt.VendorClass) ?? '';
  if (vc.startsWith('HTTPClient')) return undefined;
  const arch = clientArchOf(p);
  return arch === ClientArch.EfiX64 || arch === ClientArch.EfiBc || arch === ClientArch.EfiArm64
    ? UEFI_PXE_PROXY_REFUSAL
    : undefined;
}

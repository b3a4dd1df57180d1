/**
 * Which road a client boots by: PXE with its files over TFTP, the firmware's UEFI HTTP Boot, or
 * iPXE (a NIC ROM or chainloaded iPXE) fetching its script over HTTP. The boot log names it per
 * step, so a person sees at a glance why a machine asked for what it asked. Pure, free of zod.
 */

/** The boot paths LabBoot tells apart. */
export const bootPaths = ['pxe', 'http-boot', 'ipxe'] as const;
export type BootPath = (typeof bootPaths)[number];

/** How the boot log writes each path. */
export const bootPathLabels: Readonly<Record<BootPath, string>> = {
  pxe: 'PXE/TFTP',
  'http-boot': 'HTTP Boot',
  ipxe: 'iPXE',
};

/**
 * bootPathOfUserAgent reads the path from an HTTP request's User-Agent when it says for itself:
 * iPXE sends `iPXE/<version>`, EDK II's HTTP Boot sends `UefiHttpBoot/<version>`. Anything else
 * (GRUB, the booted system, curl) says nothing about the path.
 */
export function bootPathOfUserAgent(userAgent: string | undefined): BootPath | undefined {
  if (userAgent === undefined) return undefined;
  if (/\biPXE\//i.test(userAgent)) return 'ipxe';
  if (/\bUefiHttpBoot\//i.test(userAgent)) return 'http-boot';
  return undefined;
}

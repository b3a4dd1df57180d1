/**
 * Which boot path a DHCP request announces (see `src-shared/boot/boot-path.ts`): iPXE names itself
 * in the user class (option 77), UEFI HTTP Boot in the vendor class `HTTPClient` or an HTTP
 * architecture (option 93: 16, 19), PXE ROMs in the vendor class `PXEClient` (PXE 2.1 §2.2). A
 * request with none of these (a booted system renewing its address) is on no boot path. Pure.
 */
import type { BootPath } from '../../../src-shared/boot/boot-path';
import type { DhcpPacket } from './codec';
import { ClientArch, Opt, clientArchOf, stringOption, userClassesOf } from './options';

/** requestBootPath is the path a DHCP request announces, or null for an ordinary request. */
export function requestBootPath(p: DhcpPacket): BootPath | null {
  if (userClassesOf(p).includes('iPXE')) return 'ipxe';
  const vendorClass = stringOption(p, Opt.VendorClass) ?? '';
  const arch = clientArchOf(p);
  if (
    vendorClass.startsWith('HTTPClient') ||
    arch === ClientArch.EfiX64Http ||
    arch === ClientArch.EfiArm64Http
  )
    return 'http-boot';
  return vendorClass.startsWith('PXEClient') ? 'pxe' : null;
}

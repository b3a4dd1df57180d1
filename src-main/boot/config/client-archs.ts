/**
 * ClientArchs remembers which architecture each client address booted as, learnt from the UEFI
 * bootloader it fetched (`bootaa64.efi` comes only from the arm64 product). GRUB's per-MAC config
 * request names no architecture, so this is how a machine without its own choice gets the default
 * for its architecture, whatever the DHCP mode (the firmware and its GRUB use the same address).
 */

/** Addresses remembered at most; the one noted longest ago is forgotten first. */
export const CLIENT_ARCHS_MAX = 4096;

/** ClientArchs maps a client address to the Debian architecture of the bootloader it fetched. */
export class ClientArchs {
  private readonly byAddress = new Map<string, string>();

  /** note records that `address` fetched a bootloader of `arch`. */
  note(address: string, arch: string): void {
    const key = plainAddress(address);
    this.byAddress.delete(key);
    this.byAddress.set(key, arch);
    if (this.byAddress.size > CLIENT_ARCHS_MAX) {
      // Maps iterate in insertion order: the first key was noted longest ago.
      const oldest = this.byAddress.keys().next().value;
      if (oldest !== undefined) this.byAddress.delete(oldest);
    }
  }

  /** archOf is the architecture `address` booted as, or undefined when it fetched no UEFI bootloader. */
  archOf(address: string): string | undefined {
    return this.byAddress.get(plainAddress(address));
  }
}

/** The HTTP server sees IPv4 clients as `::ffff:a.b.c.d`; TFTP as `a.b.c.d`. */
function plainAddress(address: string): string {
  return address.replace(/^::ffff:/, '');
}

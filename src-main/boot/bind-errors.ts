/**
 * Turns a failed bind of a boot-server socket into one sentence a person can act on. Ports below
 * 1024 (TFTP 69, DHCP 67, proxyDHCP 4011) need privileges on Linux; people hit this constantly
 * (notes/anchors.md, "Privileges to bind 67/69/4011").
 */
import { UserError } from '../../src-shared/errors';

function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** Maps bind errors (EACCES, EADDRINUSE, EADDRNOTAVAIL) to a UserError; anything else is rethrown as is. */
export function bindError(error: unknown, service: string, address: string, port: number): Error {
  const where = `${address}:${port}`;
  switch (errnoCode(error)) {
    case 'EACCES':
      return new UserError(
        `${service} cannot listen on ${where} because ports below 1024 need privileges on this system; ` +
          `grant the capability once with \`sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(command -v node)")"\`, ` +
          `run LabBoot as root, or pick a port of 1024 or higher for testing.`,
        'port-privileged',
      );
    case 'EADDRINUSE':
      return new UserError(
        `${service} cannot listen on ${where} because another program already uses that port; stop it (for example a system tftpd or dnsmasq) or choose another port.`,
        'port-in-use',
      );
    case 'EADDRNOTAVAIL':
      return new UserError(
        `${service} cannot listen on ${where} because no interface on this machine has that address; pick an address from \`labboot interfaces\`.`,
        'address-not-available',
      );
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

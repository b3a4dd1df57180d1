/**
 * UDP sockets bound to one network interface. A DHCP server must listen on 0.0.0.0:67 to receive
 * broadcasts, and Node's dgram cannot tell which interface a broadcast came in on nor pin a socket
 * to one. The small native module (`../native-addon.ts`, built by node-gyp at `npm install`, like
 * better-sqlite3) creates the socket with SO_BINDTODEVICE; dgram then adopts its descriptor with
 * `bind({ fd })`, so all I/O stays ordinary Node. The kernel then delivers only that interface's
 * packets to it, and sends its broadcasts out of that interface only.
 */
import { createSocket, type Socket } from 'node:dgram';
import { UserError } from '../../../src-shared/errors';
import { loadNativeAddon, nativeAddonPath, type NativeAddon } from '../native-addon';
import { bindSocket } from '../udp-socket';

function addon(): NativeAddon {
  const loaded = loadNativeAddon();
  if (loaded) return loaded;
  throw new UserError(
    `LabBoot's interface-binding helper is not built (${nativeAddonPath()} is missing or does not load), so DHCP cannot be pinned to one network card; run \`npm run build:native\` and start again.`,
    'dhcp-native-missing',
  );
}

/** openInterfaceSocket returns a dgram socket bound to `address:port` on interface `ifname` only. */
export async function openInterfaceSocket(
  ifname: string,
  port: number,
  address = '0.0.0.0',
): Promise<Socket> {
  let fd: number;
  try {
    fd = addon().openBoundUdp(ifname, port, address);
  } catch (error) {
    throw explain(error, ifname, port);
  }
  const socket = createSocket({ type: 'udp4' });
  try {
    await bindSocket(socket, { fd });
  } catch (error) {
    addon().closeFd(fd);
    throw error;
  }
  return socket;
}

function explain(error: unknown, ifname: string, port: number): Error {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENODEV':
      return new UserError(
        `Network interface ${ifname} does not exist; pick one from \`labboot interfaces\`.`,
        'dhcp-no-interface',
      );
    case 'EACCES':
    case 'EPERM':
      return new UserError(
        `Cannot listen on UDP port ${port} of ${ifname}: DHCP needs administrator rights (root or CAP_NET_BIND_SERVICE + CAP_NET_RAW); start LabBoot with them or use --dhcp off.`,
        'dhcp-permission',
      );
    case 'EADDRINUSE':
      return new UserError(
        `UDP port ${port} on ${ifname} is taken by another program (often dnsmasq or a DHCP client); stop it or use --dhcp off.`,
        'dhcp-port-busy',
      );
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

/**
 * probeForDhcpServers asks the segment for DHCP offers before full mode starts: two clients served
 * by two servers get conflicting answers, the top complaint about lab DHCP (anchors.md §2 item 4).
 * dnsmasq pings an address before offering it, so its first offer can take about 3 s; we send a
 * DISCOVER at once and again halfway, and listen for the whole window.
 */
import { randomInt } from 'node:crypto';
import { BootOp, decodeDhcp, encodeDhcp } from './codec';
import { MessageType, Opt, ipOption, messageTypeOf } from './options';
import { buildRequest } from './request';
import { openInterfaceSocket } from './interface-socket';
import { closeSocket } from '../udp-socket';

/** A server that answered the probe. */
export interface ForeignServer {
  readonly serverId: string;
  readonly from: string;
  readonly offered: string;
}

/** ProbeOptions say where and how long to listen. */
export interface ProbeOptions {
  readonly interfaceName: string;
  /** The interface's MAC, used as chaddr so replies are addressed to us. */
  readonly mac: string;
  readonly serverPort: number;
  readonly clientPort: number;
  readonly windowMs: number;
}

/** probeForDhcpServers returns every server that offered an address within the window. */
export async function probeForDhcpServers(o: ProbeOptions): Promise<ForeignServer[]> {
  const socket = await openInterfaceSocket(o.interfaceName, o.clientPort);
  const xid = randomInt(1, 0x7fffffff);
  const found = new Map<string, ForeignServer>();
  socket.on('message', (msg, rinfo) => {
    try {
      const p = decodeDhcp(msg);
      if (p.op !== BootOp.Reply || p.xid !== xid || messageTypeOf(p) !== MessageType.Offer) return;
      const serverId = ipOption(p, Opt.ServerId) ?? rinfo.address;
      found.set(serverId, { serverId, from: rinfo.address, offered: p.yiaddr });
    } catch {
      // Not a DHCP packet: not a server either.
    }
  });
  socket.on('error', () => undefined); // a send error only means no answer
  const discover = encodeDhcp(
    buildRequest({
      type: MessageType.Discover,
      mac: o.mac,
      xid,
      broadcast: true, // we have no address yet and must get the offer as a broadcast
      parameterList: [1, 3, 6, 51, 54],
    }),
  );
  const send = (): void => socket.send(discover, o.serverPort, '255.255.255.255');
  const timers: NodeJS.Timeout[] = [];
  try {
    send();
    await new Promise<void>((resolve) => {
      timers.push(setTimeout(send, Math.floor(o.windowMs / 2)));
      timers.push(setTimeout(resolve, o.windowMs));
    });
  } finally {
    timers.forEach(clearTimeout);
    await closeSocket(socket);
  }
  return [...found.values()];
}

/**
 * A scripted DHCP client for tests, run inside a namespace with
 * `node --import tsx test/helpers/netns/dhcp-client-cli.ts '<json RequestSpec + options>'`.
 * It sends one request from the client port of one interface, then prints each reply it gets within
 * `listenMs` as a JSON line, and `DONE` at the end.
 */
import { decodeDhcp, encodeDhcp, macOf } from '../../../src-main/boot/dhcp/codec';
import { openInterfaceSocket } from '../../../src-main/boot/dhcp/interface-socket';
import { closeSocket } from '../../../src-main/boot/udp-socket';
import { Opt, ipOption, messageTypeOf, stringOption } from '../../../src-main/boot/dhcp/options';
import { buildRequest, type RequestSpec } from '../../../src-main/boot/dhcp/request';

/** What the client CLI takes as its one JSON argument. */
export interface ClientArgs extends RequestSpec {
  readonly interfaceName: string;
  readonly serverPort: number;
  readonly listenMs: number;
  /** Where to send: broadcast by default, or a server address (PXE 4011 requests). */
  readonly to?: string;
  /** Local port; defaults to serverPort + 1. */
  readonly localPort?: number;
}

/** One reply as printed. */
export interface ClientReply {
  readonly from: string;
  readonly type: number | undefined;
  readonly mac: string;
  readonly xid: number;
  readonly yiaddr: string;
  readonly siaddr: string;
  readonly file: string;
  readonly serverId: string | undefined;
  readonly vendorClass: string | undefined;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ClientArgs;
  const socket = await openInterfaceSocket(
    args.interfaceName,
    args.localPort ?? args.serverPort + 1,
  );
  socket.on('message', (msg, rinfo) => {
    try {
      const p = decodeDhcp(msg);
      if (p.xid !== args.xid) return;
      const reply: ClientReply = {
        from: rinfo.address,
        type: messageTypeOf(p),
        mac: macOf(p),
        xid: p.xid,
        yiaddr: p.yiaddr,
        siaddr: p.siaddr,
        file: p.file,
        serverId: ipOption(p, Opt.ServerId),
        vendorClass: stringOption(p, Opt.VendorClass),
      };
      process.stdout.write(`${JSON.stringify(reply)}\n`);
    } catch {
      // not DHCP
    }
  });
  socket.send(encodeDhcp(buildRequest(args)), args.serverPort, args.to ?? '255.255.255.255');
  await new Promise((resolve) => setTimeout(resolve, args.listenMs));
  await closeSocket(socket);
  process.stdout.write('DONE\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});

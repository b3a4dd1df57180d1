/**
 * DhcpService runs LabBoot's DHCP on one interface: sockets bound to that interface only (port 67,
 * plus 4011 in proxy mode), the responder's answers sent back out of it, every step written to the
 * boot log. A bad packet is dropped and logged, never thrown: a packet storm cannot stop the server.
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import { UserError } from '../../../src-shared/errors';
import type { BootPath } from '../../../src-shared/boot/boot-path';
import type { Logger } from '../../logger';
import type { Database } from '../../store/database';
import { decodeDhcp, encodeDhcp, macOf } from './codec';
import type { BootTargets } from './boot-choice';
import { BootLogStore, type BootEvent } from './boot-log-store';
import { requestBootPath } from './request-boot-path';
import { openInterfaceSocket } from './interface-socket';
import { closeSocket } from '../udp-socket';
import { LeaseStore, type Lease } from './lease-store';
import { ReservationStore } from './reservation-store';
import { probeForDhcpServers } from './probe';
import { DhcpResponder, type DhcpMode, type DhcpRange, type Outcome } from './responder';
import { broadcastOf, intToIp, ipToInt, inSubnet, maskOf, type Subnet } from './ipv4';

/** Standard ports: server 67, client 68 (RFC 2131 §4.1), PXE boot server 4011 (PXE 2.1 §2.2.5). */
export const DHCP_PORTS = { server: 67, client: 68, pxe: 4011 } as const;

/** DhcpServiceOptions configure one running DHCP server. */
export interface DhcpServiceOptions {
  readonly mode: DhcpMode | 'off';
  readonly interfaceName: string;
  /** The interface's IPv4 address and prefix: our server identifier and the served segment. */
  readonly subnet: Subnet;
  /** The interface's MAC (the full-mode probe uses it). */
  readonly mac: string;
  readonly targets: BootTargets;
  /** Full mode: the pool; defaults to `defaultRange(subnet)`. */
  readonly range?: DhcpRange;
  readonly leaseSeconds?: number;
  readonly router?: string;
  readonly dns?: readonly string[];
  readonly db: Database;
  readonly log: Logger;
  /** Called for every boot-log event (the boot server forwards them to the contract event stream). */
  readonly onEvent?: (e: BootEvent) => void;
  /** The process's boot log, shared so every reader sees queued steps; else one of its own. */
  readonly bootLog?: BootLogStore;
  /** Server port; the client port is the next one (like `--dhcp-port`; tests use high ports). */
  readonly serverPort?: number;
  readonly pxePort?: number;
  /** Full mode: how long to listen for another DHCP server first (default 4000 ms; 0 skips). */
  readonly probeMs?: number;
  /** Why the x86-64 HTTP Boot URI cannot work now, if it cannot (see `ResponderConfig`). */
  readonly httpBootRefusal?: () => string | undefined;
}

/** What the UI shows about DHCP. */
export interface DhcpStatus {
  readonly mode: DhcpMode | 'off';
  readonly interfaceName: string;
  readonly serverIp: string;
  readonly ports: readonly number[];
  readonly range: DhcpRange | null;
  readonly answered: number;
  readonly dropped: number;
}

/** DhcpService owns the sockets of one interface's DHCP server. */
export class DhcpService {
  private readonly sockets: Socket[] = [];
  private answered = 0;
  private dropped = 0;
  private readonly bootLog: BootLogStore;
  private readonly leases: LeaseStore;
  private responder: DhcpResponder | undefined;
  private range: DhcpRange | null = null;
  private readonly serverPort: number;
  private readonly clientPort: number;
  private readonly pxePort: number;

  private constructor(private readonly o: DhcpServiceOptions) {
    this.bootLog = o.bootLog ?? new BootLogStore(o.db, { log: o.log });
    this.leases = new LeaseStore(o.db, o.interfaceName);
    this.serverPort = o.serverPort ?? DHCP_PORTS.server;
    this.clientPort = this.serverPort + 1;
    this.pxePort = o.pxePort ?? DHCP_PORTS.pxe;
  }

  /** start validates the options, probes in full mode, and opens the sockets. */
  static async start(o: DhcpServiceOptions): Promise<DhcpService> {
    const service = new DhcpService(o);
    try {
      await service.open();
      return service;
    } catch (error) {
      await service.dispose();
      throw error;
    }
  }

  private async open(): Promise<void> {
    const o = this.o;
    if (o.mode === 'off') return;
    if (o.mode === 'full') {
      this.range = o.range ?? defaultRange(o.subnet);
      checkRange(this.range, o.subnet, o.interfaceName);
      const probeMs = o.probeMs ?? 4000;
      if (probeMs > 0) {
        const others = await probeForDhcpServers({
          interfaceName: o.interfaceName,
          mac: o.mac,
          serverPort: this.serverPort,
          clientPort: this.clientPort,
          windowMs: probeMs,
        });
        const first = others[0];
        if (first) {
          throw new UserError(
            `Another DHCP server (${first.serverId}, offering ${first.offered}) already answers on ${o.interfaceName}, and two servers would hand out conflicting addresses; use --dhcp proxy on this network, or switch that server off.`,
            'dhcp-other-server',
          );
        }
      }
    }
    this.responder = new DhcpResponder(
      {
        mode: o.mode,
        subnet: o.subnet,
        targets: o.targets,
        ...(this.range ? { range: this.range } : {}),
        ...(o.leaseSeconds !== undefined ? { leaseSeconds: o.leaseSeconds } : {}),
        ...(o.router !== undefined ? { router: o.router } : {}),
        ...(o.dns !== undefined ? { dns: o.dns } : {}),
        ...(o.httpBootRefusal !== undefined ? { httpBootRefusal: o.httpBootRefusal } : {}),
      },
      o.mode === 'full' ? this.leases : undefined,
      o.mode === 'full' ? new ReservationStore(o.db) : undefined,
    );
    const ports = o.mode === 'proxy' ? [this.serverPort, this.pxePort] : [this.serverPort];
    for (const port of ports) {
      const socket = await openInterfaceSocket(o.interfaceName, port);
      this.sockets.push(socket);
      socket.on('message', (msg, rinfo) => this.receive(socket, port, msg, rinfo));
      socket.on('error', (error) => o.log.warn('dhcp', `socket on port ${port}: ${error.message}`));
    }
    o.log.info(
      'dhcp',
      `${o.mode} mode on ${o.interfaceName} (${o.subnet.address}), ports ${ports.join(', ')}` +
        (this.range ? `, range ${this.range.first}-${this.range.last}` : ''),
    );
  }

  private receive(socket: Socket, localPort: number, msg: Buffer, rinfo: RemoteInfo): void {
    const responder = this.responder;
    if (!responder) return;
    let outcome: Outcome;
    try {
      const req = decodeDhcp(msg);
      outcome = responder.handle(
        req,
        {
          address: rinfo.address,
          port: rinfo.port,
          localPort: localPort === this.pxePort ? 4011 : 67,
        },
        Date.now(),
      );
      if (outcome.event)
        this.record(
          outcome.event.mac,
          outcome.event.clientIp,
          outcome.event.stage,
          outcome.event.detail,
          requestBootPath(req),
        );
      if (!outcome.reply) {
        this.dropped += 1;
        return;
      }
      const bytes = encodeDhcp(outcome.reply.packet);
      const to = outcome.reply.to;
      const address = to.kind === 'broadcast' ? '255.255.255.255' : to.address;
      const port =
        to.kind === 'broadcast' ? this.clientPort : to.port === 68 ? this.clientPort : to.port;
      socket.send(bytes, port, address, (error) => {
        if (error)
          this.o.log.warn(
            'dhcp',
            `reply to ${macOf(req)} via ${address}:${port} failed: ${error.message}`,
          );
      });
      this.answered += 1;
    } catch (error) {
      // Malformed input (DhcpCodecError) is normal on a busy LAN; anything else is a bug we log
      // rather than let one client's packet take the server down for everyone.
      this.dropped += 1;
      if (!(error instanceof Error && error.name === 'DhcpCodecError')) {
        this.o.log.error('dhcp', `dropped a packet from ${rinfo.address}: ${String(error)}`);
      }
    }
  }

  private record(
    mac: string,
    clientIp: string | null,
    stage: string,
    detail: string,
    bootPath: BootPath | null,
  ): void {
    const event: BootEvent = {
      at: Date.now(),
      mac,
      clientIp,
      protocol: 'dhcp',
      stage,
      detail,
      bootPath,
    };
    try {
      this.bootLog.record(event);
    } catch (error) {
      this.o.log.warn('dhcp', `boot log write failed: ${(error as Error).message}`);
    }
    this.o.log.info('dhcp', `${stage} ${mac} ${detail}`);
    this.o.onEvent?.(event);
  }

  /** status reports what runs where, for the UI and `serve --json`. */
  status(): DhcpStatus {
    return {
      mode: this.o.mode,
      interfaceName: this.o.interfaceName,
      serverIp: this.o.subnet.address,
      ports:
        this.sockets.length === 0
          ? []
          : this.o.mode === 'proxy'
            ? [this.serverPort, this.pxePort]
            : [this.serverPort],
      range: this.range,
      answered: this.answered,
      dropped: this.dropped,
    };
  }

  /** leaseList returns full-mode leases of this interface. */
  leaseList(): Lease[] {
    return this.leases.list();
  }

  /** dispose closes every socket. */
  async dispose(): Promise<void> {
    const sockets = this.sockets.splice(0);
    await Promise.all(sockets.map(closeSocket));
    // Its own log's last batch; a shared one is flushed by its owner.
    if (this.o.bootLog === undefined) this.bootLog.flush();
  }
}

/** defaultRange is the upper half of the subnet's host addresses, at most 200 of them. */
export function defaultRange(s: Subnet): DhcpRange {
  const mask = maskOf(s.prefixLength);
  const network = (ipToInt(s.address) & mask) >>> 0;
  const last = ipToInt(broadcastOf(s)) - 1;
  const hosts = last - network;
  if (hosts < 4) {
    throw new UserError(
      `The subnet of ${s.address}/${s.prefixLength} is too small for a DHCP range; give the interface a /29 or larger, or use --dhcp proxy.`,
      'dhcp-range',
    );
  }
  const first = Math.max(network + 1 + Math.floor(hosts / 2), last - 199);
  return { first: intToIp(first), last: intToIp(last) };
}

/** parseRange reads `FIRST-LAST` as given to `--range`. */
export function parseRange(text: string, s: Subnet, ifname: string): DhcpRange {
  const m = /^\s*(\d{1,3}(?:\.\d{1,3}){3})\s*-\s*(\d{1,3}(?:\.\d{1,3}){3})\s*$/.exec(text);
  if (!m?.[1] || !m[2]) {
    throw new UserError(
      `The DHCP range "${text}" is not FIRST-LAST; write it like 10.0.0.100-10.0.0.199.`,
      'dhcp-range',
    );
  }
  const range = { first: m[1], last: m[2] };
  checkRange(range, s, ifname);
  return range;
}

function checkRange(r: DhcpRange, s: Subnet, ifname: string): void {
  let first: number;
  let last: number;
  try {
    first = ipToInt(r.first);
    last = ipToInt(r.last);
  } catch {
    throw new UserError(
      `The DHCP range ${r.first}-${r.last} has an invalid address; use dotted quads.`,
      'dhcp-range',
    );
  }
  const mask = maskOf(s.prefixLength);
  const network = (ipToInt(s.address) & mask) >>> 0;
  const broadcast = ipToInt(broadcastOf(s));
  if (
    !inSubnet(r.first, s) ||
    !inSubnet(r.last, s) ||
    first > last ||
    first === network ||
    last === broadcast
  ) {
    throw new UserError(
      `The DHCP range ${r.first}-${r.last} is not inside ${ifname}'s subnet ${intToIp(network)}/${s.prefixLength} (without its network and broadcast addresses); pick addresses from that subnet, lowest first.`,
      'dhcp-range',
    );
  }
}

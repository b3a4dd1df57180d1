/**
 * DhcpResponder decides the answer to one DHCP request; it sends nothing itself (the socket layer
 * does) and reads the clock only through `now`. Two modes:
 *
 * - proxy (PXE 2.1 §2.2.2, "proxyDHCP"): another server gives addresses. We answer only PXE / HTTP
 *   boot clients, on port 67 (DISCOVER → OFFER) and 4011 (REQUEST → ACK), always with `yiaddr`
 *   0.0.0.0, `siaddr` = us and a boot file (iPXE drops proxy offers lacking either). UEFI PXE
 *   clients get no offer (`refusalOf`); the boot log says why, once per MAC per window.
 * - full (RFC 2131 §4.3): we own a range; leases live in SQLite; DISCOVER, REQUEST (selecting,
 *   init-reboot, renewing, rebinding), DECLINE, RELEASE and INFORM are handled. A reserved MAC is
 *   always offered its address (in the range or not) and refused any other; no other MAC is ever
 *   offered or acknowledged a reserved address. A client the full pool leaves without an address
 *   gets no answer; the boot log says "pool exhausted" once per MAC per window.
 */
import { BootOp, macOf, type DhcpPacket } from './codec';
import {
  chooseBoot,
  isPxeClient,
  refusalOf,
  type BootChoice,
  type BootTargets,
} from './boot-choice';
import {
  intToIp,
  ipToInt,
  inSubnet,
  isHostOn,
  netmaskOf,
  broadcastOf,
  subnetText,
  type Subnet,
} from './ipv4';
import type { LeaseStore } from './lease-store';
import { MacLogThrottle } from './mac-log-throttle';
import { ContestedAddresses } from './contested-addresses';
import type { ReservationLookup } from './reservation-store';
import {
  MessageType,
  clientArchOf,
  Opt,
  PxeSub,
  encodeTlv,
  ipOption,
  messageTypeOf,
  parameterListOf,
  pxeBootItemOf,
  stringOption,
  value,
} from './options';

/** DhcpMode is how LabBoot takes part in DHCP on the chosen interface. */
export type DhcpMode = 'proxy' | 'full';

/** Full-mode address range, inclusive. */
export interface DhcpRange {
  readonly first: string;
  readonly last: string;
}

/** ResponderConfig is what the responder needs to know about the interface and the boot files. */
export interface ResponderConfig {
  readonly mode: DhcpMode;
  /** The chosen interface's address and prefix. */
  readonly subnet: Subnet;
  readonly targets: BootTargets;
  /** Full mode: the pool. */
  readonly range?: DhcpRange;
  /** Full mode: lease length in seconds (default 3600). */
  readonly leaseSeconds?: number;
  /** Full mode: default gateway to hand out (option 3); none on an isolated lab switch. */
  readonly router?: string;
  /** Full mode: DNS servers to hand out (option 6). */
  readonly dns?: readonly string[];
  /**
   * Why the x86-64 HTTP Boot URI cannot work now, if it cannot (the stream's GRUB has no http):
   * then such clients get no offer in either mode and the boot log says why. Asked per request,
   * so a sync while serving is seen at once.
   */
  readonly httpBootRefusal?: () => string | undefined;
}

/** Where a reply goes. */
export type Destination =
  | { readonly kind: 'broadcast'; readonly port: number }
  | { readonly kind: 'unicast'; readonly address: string; readonly port: number };

/** What happened, for the boot log. */
export interface ResponderEvent {
  readonly mac: string;
  readonly clientIp: string | null;
  readonly stage: string;
  readonly detail: string;
}

/** Outcome is the reply to send (if any) and the boot-log event (if any). */
export interface Outcome {
  readonly reply?: { readonly packet: DhcpPacket; readonly to: Destination };
  readonly event?: ResponderEvent;
  /** Why nothing was sent, for debug logging. */
  readonly ignored?: string;
}

/** Where a request came from and on which of our ports. */
export interface Arrival {
  readonly address: string;
  readonly port: number;
  /** 67 for DHCP, 4011 for PXE boot-server requests (proxy mode). */
  readonly localPort: number;
}

/**
 * An unanswered offer holds its address only briefly: long enough for a PXE ROM that collects offers
 * for a few seconds before it sends its REQUEST, short enough that a DISCOVER storm from random MACs
 * frees the pool soon after it stops. Bound leases are never offered to anyone else.
 */
export const OFFER_HOLD_MS = 10_000;
/**
 * While the pool is full, an offer left unanswered this long may be offered to another client too,
 * and the first REQUEST wins: servers need not reserve offered addresses (RFC 2131 §3.1 step 2), so
 * a DISCOVER storm from random MACs cannot starve a real client even while it lasts. Real clients
 * answer sooner (EDK2 collects offers for 3 s), so machines arriving together are never offered one
 * address: the late ones hear the pool is exhausted, as it is. Sharing does not extend the hold, so
 * a storm cannot keep an address on offer for ever.
 */
export const OFFER_SHARE_AFTER_MS = 4_000;
const DECLINE_HOLD_MS = 10 * 60_000;
const CLIENT_PORT = 68;
const PXE_SERVER_TYPE = 0x8000; // first vendor-specific boot server type; dnsmasq uses it too
/**
 * A client left unanswered on purpose retries its DISCOVER for about a minute (EDK2: +0, +4, +13,
 * +31 s): one boot-log line per MAC per window says why, without a line per retry.
 */
export const REFUSAL_LOG_WINDOW_MS = 120_000;
const REFUSAL_LOG_MACS = 1024;
/** Two REQUESTs for one address this close come from one round of the router's offers. */
const CONTESTED_WINDOW_MS = 10_000;

/** DhcpResponder answers one interface's DHCP traffic in proxy or full mode. */
export class DhcpResponder {
  private readonly serverIp: string;
  private readonly rangeFirst: number;
  private readonly rangeLast: number;
  /** One line per MAC per window for clients left unanswered on purpose, and for a full pool. */
  private readonly refusalLog = new MacLogThrottle(REFUSAL_LOG_WINDOW_MS, REFUSAL_LOG_MACS);
  private readonly poolLog = new MacLogThrottle(REFUSAL_LOG_WINDOW_MS, REFUSAL_LOG_MACS);
  /** Beside a router: addresses two machines asked it for moments apart. */
  private readonly contested = new ContestedAddresses(CONTESTED_WINDOW_MS, REFUSAL_LOG_MACS);

  constructor(
    private readonly config: ResponderConfig,
    private readonly leases: LeaseStore | undefined,
    private readonly reservations?: ReservationLookup,
  ) {
    this.serverIp = config.subnet.address;
    if (config.mode === 'full' && (!config.range || !leases)) {
      throw new Error('full DHCP mode needs a range and a lease store');
    }
    this.rangeFirst = config.range ? ipToInt(config.range.first) : 0;
    this.rangeLast = config.range ? ipToInt(config.range.last) : -1;
  }

  /**
   * handle returns the answer to one decoded request. Never throws on odd packets, and never
   * returns a unicast reply to an address that is not a host on the served subnet: such an answer
   * would leave through the default route to another network.
   */
  handle(req: DhcpPacket, from: Arrival, now: number): Outcome {
    const outcome = this.answer(req, from, now);
    const to = outcome.reply?.to;
    if (to?.kind === 'unicast' && !isHostOn(to.address, this.config.subnet)) {
      return this.offSubnet(req, to.address);
    }
    return outcome;
  }

  private answer(req: DhcpPacket, from: Arrival, now: number): Outcome {
    if (req.op !== BootOp.Request) return { ignored: 'not a BOOTREQUEST' };
    if (req.htype !== 1 || req.hlen !== 6) return { ignored: 'not an Ethernet client' };
    // Relayed requests come from another segment; LabBoot serves only the chosen NIC's segment.
    if (req.giaddr !== '0.0.0.0') return { ignored: `relayed via ${req.giaddr}` };
    const type = messageTypeOf(req);
    if (type === undefined) return { ignored: 'BOOTP without a DHCP message type' };
    return this.config.mode === 'proxy'
      ? this.proxy(req, type, from, now)
      : this.full(req, type, from, now);
  }

  /** httpBootRefusal is why `choice`, an x86-64 HTTP Boot URI, cannot work now; else undefined. */
  private httpBootRefusal(choice: BootChoice | undefined): string | undefined {
    return choice?.kind === 'http-x64' ? this.config.httpBootRefusal?.() : undefined;
  }

  /** refuse sends nothing and logs why, once per MAC per REFUSAL_LOG_WINDOW_MS. */
  private refuse(mac: string, reason: string, now: number): Outcome {
    if (!this.refusalLog.shouldLog(mac, now)) return { ignored: reason };
    return { ignored: reason, event: this.ev(mac, null, 'proxy-no-offer', reason) };
  }

  /** poolExhausted sends nothing and says so, once per MAC per REFUSAL_LOG_WINDOW_MS. */
  private poolExhausted(mac: string, now: number): Outcome {
    const ignored = 'address pool exhausted';
    if (!this.poolLog.shouldLog(mac, now)) return { ignored };
    const range = `${this.config.range?.first ?? ''}-${this.config.range?.last ?? ''}`;
    const detail = `pool exhausted: every address of ${range} is leased, on offer or reserved, so this machine gets none; widen the range (serve --range, or the Boot server screen), and see who holds them with labboot leases`;
    return { ignored, event: this.ev(mac, null, 'dhcp-pool-exhausted', detail) };
  }

  // ---------------------------------------------------------------- proxy mode

  private proxy(req: DhcpPacket, type: number, from: Arrival, now: number): Outcome {
    if (!isPxeClient(req)) return { ignored: 'not a PXE client (option 60)' };
    const choice = chooseBoot(req, this.config.targets, 'proxy');
    const mac = macOf(req);
    const httpRefusal = this.httpBootRefusal(choice);
    if (!choice || httpRefusal !== undefined) {
      const refusal = httpRefusal ?? refusalOf(req, 'proxy');
      if (refusal === undefined)
        return { ignored: `no boot file for architecture ${String(clientArchOf(req))}` };
      return type === MessageType.Discover && from.localPort === 67
        ? this.refuse(mac, refusal, now)
        : { ignored: refusal };
    }
    if (from.localPort === 67) {
      if (type === MessageType.Request) {
        // The client asks the router for its address; we stay silent but note the address, so
        // the boot log can tie this MAC's later TFTP/HTTP requests (which carry only an IP) to it.
        const ip = ipOption(req, Opt.RequestedIp);
        const server = ipOption(req, Opt.ServerId);
        if (!ip || !inSubnet(ip, this.config.subnet))
          return { ignored: 'proxy mode answers only DISCOVER on 67' };
        const other = this.contested.note(ip, mac, now);
        const asked = `${ip} from ${server ?? 'the router'}`;
        const detail =
          other === undefined
            ? asked
            : `${asked}, which ${other} asked it for too: the router offered it to both and will refuse one (a refused UEFI machine stops at HTTP Boot; power it on again)`;
        return {
          ignored: 'proxy mode answers only DISCOVER on 67',
          event: this.ev(mac, ip, 'proxy-client-address', detail),
        };
      }
      if (type !== MessageType.Discover)
        return { ignored: 'proxy mode answers only DISCOVER on 67' };
      const reply = this.reply(req, MessageType.Offer, '0.0.0.0', choice);
      reply.options.set(Opt.VendorClass, value.str(choice.httpClient ? 'HTTPClient' : 'PXEClient'));
      const menu = choice.kind === 'bios' ? this.pxeMenu() : undefined;
      if (menu) reply.options.set(Opt.VendorSpecific, menu);
      this.echoUuid(req, reply);
      return {
        reply: { packet: reply, to: { kind: 'broadcast', port: CLIENT_PORT } },
        event: { mac, clientIp: null, stage: 'proxy-offer', detail: describe(choice) },
      };
    }
    // Port 4011: the PXE boot-server request (PXE 2.1 §2.2.5), sent unicast once the client has an
    // address. EDK2 sends it from port 4011, iPXE from 68: answer the source address and port.
    if (type !== MessageType.Request && type !== MessageType.Inform) {
      return { ignored: 'port 4011 takes only REQUEST or INFORM' };
    }
    if (!isHostOn(from.address, this.config.subnet)) return this.offSubnet(req, from.address);
    const reply = this.reply(req, MessageType.Ack, '0.0.0.0', choice);
    reply.options.set(Opt.VendorClass, value.str(choice.httpClient ? 'HTTPClient' : 'PXEClient'));
    const item = pxeBootItemOf(req);
    if (item) {
      reply.options.set(
        Opt.VendorSpecific,
        encodeTlv([[PxeSub.BootItem, Uint8Array.of(item.type >> 8, item.type & 0xff, 0, 0)]]),
      );
    }
    this.echoUuid(req, reply);
    return {
      reply: { packet: reply, to: { kind: 'unicast', address: from.address, port: from.port } },
      event: { mac, clientIp: from.address, stage: 'proxy-ack', detail: describe(choice) },
    };
  }

  /** The PXE menu dnsmasq sends BIOS clients: one server of type 0x8000 at our address, no prompt. */
  private pxeMenu(): Uint8Array {
    const label = value.str('LabBoot');
    return encodeTlv([
      // bits 0+1: no broadcast/multicast discovery, ask the listed server (PXE 2.1 table 2-1).
      [PxeSub.DiscoveryControl, Uint8Array.of(0x03)],
      [
        PxeSub.BootServers,
        Uint8Array.of(PXE_SERVER_TYPE >> 8, PXE_SERVER_TYPE & 0xff, 1, ...value.ip(this.serverIp)),
      ],
      [
        PxeSub.BootMenu,
        Uint8Array.of(PXE_SERVER_TYPE >> 8, PXE_SERVER_TYPE & 0xff, label.length, ...label),
      ],
      [PxeSub.MenuPrompt, Uint8Array.of(0, ...value.str('LabBoot'))],
    ]);
  }

  // ---------------------------------------------------------------- full mode

  private full(req: DhcpPacket, type: number, from: Arrival, now: number): Outcome {
    const leases = this.leases as LeaseStore;
    const mac = macOf(req);
    if (from.localPort !== 67) return { ignored: 'full mode listens on 67 only' };
    const choice =
      isPxeClient(req) || stringOption(req, Opt.UserClass) !== undefined
        ? chooseBoot(req, this.config.targets, 'full')
        : undefined;
    // An HTTP Boot client takes only offers that name its URI: without one it moves on, as it should.
    const httpRefusal = this.httpBootRefusal(choice);
    if (httpRefusal !== undefined) {
      return type === MessageType.Discover
        ? this.refuse(mac, httpRefusal, now)
        : { ignored: httpRefusal };
    }
    const leaseMs = (this.config.leaseSeconds ?? 3600) * 1000;
    switch (type) {
      case MessageType.Discover: {
        const reserved = this.reservedIp(mac);
        if (reserved !== undefined) {
          const parked = leases.byIp(reserved);
          if (parked?.state === 'declined' && parked.expiresAt > now) {
            return {
              ignored: 'reserved address declined',
              event: this.ev(
                mac,
                reserved,
                'dhcp-reserved-declined',
                `${reserved} is reserved for this machine, but another host answers on it`,
              ),
            };
          }
        }
        const pick: Pick | undefined =
          reserved !== undefined
            ? { ip: reserved }
            : this.allocate(mac, ipOption(req, Opt.RequestedIp), now);
        if (!pick) return this.poolExhausted(mac, now);
        const ip = pick.ip;
        const held = leases.byMac(mac);
        const keepBound = held?.ip === ip && held.state === 'bound' && held.expiresAt > now;
        if (!keepBound) {
          leases.put(
            {
              ip,
              mac,
              state: 'offered',
              hostname: hostnameOf(req),
              expiresAt: pick.sharedUntil ?? now + OFFER_HOLD_MS,
            },
            now,
          );
        }
        const reply = this.reply(req, MessageType.Offer, ip, choice);
        this.addLeaseOptions(req, reply);
        const shared =
          pick.sharedUntil !== undefined
            ? ' (pool full: shared with an unanswered offer)'
            : reserved !== undefined
              ? ' (reserved)'
              : '';
        return {
          reply: { packet: reply, to: this.destination(req) },
          event: this.ev(mac, ip, 'dhcp-offer', `${leaseDetail(ip, choice, req)}${shared}`),
        };
      }
      case MessageType.Request: {
        const serverId = ipOption(req, Opt.ServerId);
        if (serverId !== undefined && serverId !== this.serverIp) {
          // The client took another server's offer: let ours go (RFC 2131 §4.3.2, SELECTING).
          const mine = leases.byMac(mac);
          if (mine?.state === 'offered') leases.remove(mine.ip);
          return { ignored: `client chose server ${serverId}` };
        }
        const wanted =
          ipOption(req, Opt.RequestedIp) ?? (req.ciaddr !== '0.0.0.0' ? req.ciaddr : undefined);
        if (!wanted) return { ignored: 'REQUEST without an address' };
        const holder = leases.byIp(wanted);
        // Another client's offer does not block: the first REQUEST for an offered address wins.
        const blocked =
          holder !== undefined &&
          holder.expiresAt > now &&
          (holder.state === 'declined' || (holder.mac !== mac && holder.state !== 'offered'));
        const reserved = this.reservedIp(mac);
        const refused =
          reserved !== undefined
            ? wanted !== reserved
            : !this.inRange(wanted) || blocked || this.reservedToOther(wanted, mac);
        if (refused) {
          const nak = this.reply(req, MessageType.Nak, '0.0.0.0', undefined);
          nak.siaddr = '0.0.0.0';
          nak.file = '';
          nak.options = new Map([
            [Opt.MessageType, value.u8(MessageType.Nak)],
            [Opt.ServerId, value.ip(this.serverIp)],
            [Opt.Message, value.str(`${wanted} is not available here`)],
          ]);
          // RFC 2131 §4.1: a NAK is broadcast, the client may not have a working address.
          return {
            reply: { packet: nak, to: { kind: 'broadcast', port: CLIENT_PORT } },
            event: this.ev(mac, wanted, 'dhcp-nak', `${wanted} refused`),
          };
        }
        leases.put(
          { ip: wanted, mac, state: 'bound', hostname: hostnameOf(req), expiresAt: now + leaseMs },
          now,
        );
        const reply = this.reply(req, MessageType.Ack, wanted, choice);
        this.addLeaseOptions(req, reply);
        return {
          reply: { packet: reply, to: this.destination(req) },
          event: this.ev(
            mac,
            wanted,
            'dhcp-ack',
            `${leaseDetail(wanted, choice, req)}${reserved !== undefined ? ' (reserved)' : ''}`,
          ),
        };
      }
      case MessageType.Decline: {
        const ip = ipOption(req, Opt.RequestedIp);
        const holder = ip ? leases.byIp(ip) : undefined;
        if (!ip || holder?.mac !== mac)
          return { ignored: 'DECLINE for an address not leased to the client' };
        // Someone else answers ARP for it (RFC 2131 §4.3.3): park the address for a while.
        leases.put(
          { ip, mac, state: 'declined', hostname: null, expiresAt: now + DECLINE_HOLD_MS },
          now,
        );
        return { event: this.ev(mac, ip, 'dhcp-decline', `${ip} is in use by another host`) };
      }
      case MessageType.Release: {
        const holder = leases.byIp(req.ciaddr);
        if (holder?.mac !== mac)
          return { ignored: 'RELEASE for an address not leased to the client' };
        leases.remove(req.ciaddr);
        return { event: this.ev(mac, req.ciaddr, 'dhcp-release', req.ciaddr) };
      }
      case MessageType.Inform: {
        if (req.ciaddr !== '0.0.0.0' && !isHostOn(req.ciaddr, this.config.subnet)) {
          return this.offSubnet(req, req.ciaddr);
        }
        const reply = this.reply(req, MessageType.Ack, '0.0.0.0', choice);
        this.addLeaseOptions(req, reply);
        reply.options.delete(Opt.LeaseTime); // RFC 2131 §4.3.5: no lease time in an INFORM ACK
        reply.options.delete(Opt.RenewalTime);
        reply.options.delete(Opt.RebindingTime);
        const to: Destination =
          req.ciaddr !== '0.0.0.0'
            ? { kind: 'unicast', address: req.ciaddr, port: CLIENT_PORT }
            : { kind: 'broadcast', port: CLIENT_PORT };
        return {
          reply: { packet: reply, to },
          event: this.ev(mac, req.ciaddr, 'dhcp-inform', req.ciaddr),
        };
      }
      default:
        return { ignored: `message type ${type} is not for a server` };
    }
  }

  /** reservedIp is the address reserved for `mac` when it is a host on the served subnet, not ours. */
  private reservedIp(mac: string): string | undefined {
    const ip = this.reservations?.ipFor(mac);
    return ip !== undefined && isHostOn(ip, this.config.subnet) && ip !== this.serverIp
      ? ip
      : undefined;
  }

  private reservedToOther(ip: string, mac: string): boolean {
    const owner = this.reservations?.macFor(ip);
    return owner !== undefined && owner !== mac;
  }

  private inRange(ip: string): boolean {
    const n = ipToInt(ip);
    return n >= this.rangeFirst && n <= this.rangeLast && ip !== this.serverIp;
  }

  /**
   * allocate picks the client's address: its own, the one it asks for, else the lowest free; with
   * none free, the oldest offer unanswered for OFFER_SHARE_AFTER_MS, until that offer's own end.
   */
  private allocate(mac: string, requested: string | undefined, now: number): Pick | undefined {
    const leases = this.leases as LeaseStore;
    const taken = new Map(leases.list().map((l) => [l.ip, l]));
    // Read once per DISCOVER: the scan below may visit every address of a large range.
    const reservedTo = new Map((this.reservations?.list() ?? []).map((r) => [r.ip, r.mac]));
    const othersReserved = (ip: string): boolean => (reservedTo.get(ip) ?? mac) !== mac;
    const free = (ip: string): boolean => {
      if (!this.inRange(ip) || othersReserved(ip)) return false;
      const l = taken.get(ip);
      if (!l) return true;
      if (l.state === 'declined') return l.expiresAt <= now;
      return l.mac === mac || l.expiresAt <= now;
    };
    const own = leases.byMac(mac);
    if (own && this.inRange(own.ip) && !othersReserved(own.ip)) return { ip: own.ip };
    if (requested && free(requested)) return { ip: requested };
    for (let n = this.rangeFirst; n <= this.rangeLast; n++) {
      const ip = intToIp(n);
      if (free(ip)) return { ip };
    }
    // Every address is taken and none has expired, so an offer's age is what its expiry says.
    const answerTime = now + OFFER_HOLD_MS - OFFER_SHARE_AFTER_MS;
    const oldest = [...taken.values()]
      .filter((l) => l.state === 'offered' && this.inRange(l.ip) && !othersReserved(l.ip))
      .filter((l) => l.expiresAt <= answerTime)
      .sort((a, b) => a.expiresAt - b.expiresAt)[0];
    return oldest ? { ip: oldest.ip, sharedUntil: oldest.expiresAt } : undefined;
  }

  /** addLeaseOptions puts 53 and 54 first, then the lease and subnet options, then the rest. */
  private addLeaseOptions(req: DhcpPacket, reply: DhcpPacket): void {
    const leaseSeconds = this.config.leaseSeconds ?? 3600;
    const opts = new Map<number, Uint8Array>();
    const type = reply.options.get(Opt.MessageType);
    if (type) opts.set(Opt.MessageType, type);
    opts.set(Opt.ServerId, value.ip(this.serverIp));
    opts.set(Opt.LeaseTime, value.u32(leaseSeconds));
    opts.set(Opt.RenewalTime, value.u32(Math.floor(leaseSeconds / 2)));
    opts.set(Opt.RebindingTime, value.u32(Math.floor((leaseSeconds * 7) / 8)));
    opts.set(Opt.SubnetMask, value.ip(netmaskOf(this.config.subnet)));
    opts.set(Opt.BroadcastAddress, value.ip(broadcastOf(this.config.subnet)));
    if (this.config.router) opts.set(Opt.Router, value.ip(this.config.router));
    if (this.config.dns && this.config.dns.length > 0) {
      opts.set(Opt.DnsServers, value.ips(this.config.dns));
    }
    for (const [code, v] of reply.options) if (!opts.has(code)) opts.set(code, v);
    reply.options = opts;
    this.echoUuid(req, reply);
  }

  // ---------------------------------------------------------------- shared

  /** reply builds the common BOOTREPLY (RFC 2131 table 3): xid, flags, chaddr copied; siaddr = us. */
  private reply(
    req: DhcpPacket,
    type: number,
    yiaddr: string,
    choice: BootChoice | undefined,
  ): DhcpPacket {
    const options = new Map<number, Uint8Array>([
      [Opt.MessageType, value.u8(type)],
      [Opt.ServerId, value.ip(this.serverIp)],
    ]);
    const wants = parameterListOf(req);
    let file = '';
    if (choice) {
      // The BOOTP file field holds 128 bytes; longer URLs travel in option 67 only.
      if (choice.file.length <= 127) file = choice.file;
      if (wants.includes(Opt.BootFileName) || file === '')
        options.set(Opt.BootFileName, value.str(choice.file));
      // Some vendor ROMs read option 66 rather than siaddr; sending both costs nothing.
      if (wants.includes(Opt.TftpServerName))
        options.set(Opt.TftpServerName, value.str(this.serverIp));
      if (choice.httpClient) options.set(Opt.VendorClass, value.str('HTTPClient'));
    }
    return {
      op: BootOp.Reply,
      htype: req.htype,
      hlen: req.hlen,
      hops: 0,
      xid: req.xid,
      secs: 0,
      flags: req.flags,
      ciaddr: type === MessageType.Ack ? req.ciaddr : '0.0.0.0',
      yiaddr,
      siaddr: this.serverIp,
      giaddr: req.giaddr,
      chaddr: req.chaddr.slice(),
      sname: '',
      file,
      options,
    };
  }

  /** Client machine UUID (option 97) is echoed as PXE 2.1 and RFC 4578 §2.3 ask. */
  private echoUuid(req: DhcpPacket, reply: DhcpPacket): void {
    const uuid = req.options.get(Opt.ClientUuid);
    if (uuid) reply.options.set(Opt.ClientUuid, uuid);
  }

  /**
   * RFC 2131 §4.1: unicast to ciaddr when the client has one; otherwise broadcast. We broadcast
   * instead of unicasting to yiaddr because that needs an ARP entry only raw sockets can add, and
   * every client accepts a broadcast reply (dnsmasq sends its proxy replies that way too).
   */
  private destination(req: DhcpPacket): Destination {
    if (isHostOn(req.ciaddr, this.config.subnet)) {
      return { kind: 'unicast', address: req.ciaddr, port: CLIENT_PORT };
    }
    return { kind: 'broadcast', port: CLIENT_PORT };
  }

  /** offSubnet drops a reply that would go to `address`, off the served subnet, and says why. */
  private offSubnet(req: DhcpPacket, address: string): Outcome {
    const reason = `no reply to ${address}: off the interface's subnet ${subnetText(this.config.subnet)}`;
    return {
      ignored: reason,
      event: this.ev(macOf(req), null, 'dhcp-refused', `${typeName(req)}: ${reason}`),
    };
  }

  private ev(mac: string, ip: string | null, stage: string, detail: string): ResponderEvent {
    return { mac, clientIp: ip, stage, detail };
  }
}

/** The address allocate picked; `sharedUntil` when it is another client's unanswered offer. */
interface Pick {
  readonly ip: string;
  readonly sharedUntil?: number;
}

/** typeName is the request's message type as the RFC names it, e.g. `INFORM`. */
function typeName(req: DhcpPacket): string {
  const type = messageTypeOf(req);
  const name = Object.entries(MessageType).find(([, v]) => v === type)?.[0];
  return name?.toUpperCase() ?? `type ${String(type)}`;
}

function hostnameOf(req: DhcpPacket): string | null {
  return stringOption(req, Opt.HostName) ?? null;
}

/** leaseDetail is the boot-log text of an offer or ack: address, boot file and the client's name. */
function leaseDetail(ip: string, choice: BootChoice | undefined, req: DhcpPacket): string {
  const host = hostnameOf(req);
  return `${ip}${choice ? ` + ${describe(choice)}` : ''}${host !== null ? `, host ${host}` : ''}`;
}

function describe(c: BootChoice): string {
  return `${c.kind} ${c.file}${c.arch !== undefined ? ` (arch ${c.arch})` : ''}`;
}

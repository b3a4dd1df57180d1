/**
 * buildRequest makes a client-side DHCP message. The server uses it to probe the segment for another
 * DHCP server before full mode starts; tests and benchmarks use it to play PXE clients.
 */
import { BootOp, macToChaddr, type DhcpPacket } from './codec';
import { Opt, value } from './options';

/** What a client request carries. */
export interface RequestSpec {
  readonly type: number;
  readonly mac: string;
  readonly xid: number;
  /** Option 60, e.g. `PXEClient:Arch:00007:UNDI:003000`. */
  readonly vendorClass?: string;
  /** Option 93. */
  readonly arch?: number;
  /** Option 77 as iPXE sends it (a bare string). */
  readonly userClass?: string;
  readonly requestedIp?: string;
  readonly serverId?: string;
  readonly ciaddr?: string;
  /** RFC 2131 §2 broadcast flag (EDK2 sets it, iPXE does not). */
  readonly broadcast?: boolean;
  /** Option 97: type 0 + 16 UUID bytes. */
  readonly uuid?: Uint8Array;
  /** Option 43 as sent by the client (PXE boot item request). */
  readonly vendorSpecific?: Uint8Array;
  readonly parameterList?: readonly number[];
  readonly hostname?: string;
}

/** buildRequest returns a BOOTREQUEST with the options in `spec`. */
export function buildRequest(spec: RequestSpec): DhcpPacket {
  const options = new Map<number, Uint8Array>([[Opt.MessageType, value.u8(spec.type)]]);
  if (spec.requestedIp) options.set(Opt.RequestedIp, value.ip(spec.requestedIp));
  if (spec.serverId) options.set(Opt.ServerId, value.ip(spec.serverId));
  if (spec.hostname) options.set(Opt.HostName, value.str(spec.hostname));
  options.set(
    Opt.ParameterList,
    Uint8Array.from(spec.parameterList ?? [1, 3, 6, 12, 15, 28, 43, 51, 54, 60, 66, 67, 97]),
  );
  if (spec.vendorClass) options.set(Opt.VendorClass, value.str(spec.vendorClass));
  if (spec.userClass) options.set(Opt.UserClass, value.str(spec.userClass));
  if (spec.arch !== undefined) options.set(Opt.ClientArch, value.u16(spec.arch));
  if (spec.arch !== undefined) options.set(Opt.ClientNdi, Uint8Array.of(1, 3, 0));
  if (spec.uuid) options.set(Opt.ClientUuid, spec.uuid);
  if (spec.vendorSpecific) options.set(Opt.VendorSpecific, spec.vendorSpecific);
  return {
    op: BootOp.Request,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: spec.xid >>> 0,
    secs: 0,
    flags: spec.broadcast ? 0x8000 : 0,
    ciaddr: spec.ciaddr ?? '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    chaddr: macToChaddr(spec.mac),
    sname: '',
    file: '',
    options,
  };
}

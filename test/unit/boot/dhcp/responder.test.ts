import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { decodeDhcp, encodeDhcp, DhcpCodecError } from '../../../../src-main/boot/dhcp/codec';
import {
  HTTP_BOOT_NO_HTTP_REFUSAL,
  UEFI_PXE_PROXY_REFUSAL,
} from '../../../../src-main/boot/dhcp/boot-choice';
import {
  DhcpResponder,
  OFFER_HOLD_MS,
  OFFER_SHARE_AFTER_MS,
  REFUSAL_LOG_WINDOW_MS,
  type Arrival,
  type Destination,
  type ResponderConfig,
} from '../../../../src-main/boot/dhcp/responder';
import { isHostOn } from '../../../../src-main/boot/dhcp/ipv4';
import { LeaseStore } from '../../../../src-main/boot/dhcp/lease-store';
import { buildRequest } from '../../../../src-main/boot/dhcp/request';
import {
  MessageType,
  Opt,
  PxeSub,
  decodeTlv,
  encodeTlv,
  ipOption,
  messageTypeOf,
  stringOption,
  u32Option,
} from '../../../../src-main/boot/dhcp/options';

const subnet = { address: '10.77.0.1', prefixLength: 24 };
const targets = {
  bios: 'lpxelinux.0',
  uefiX64: 'bootx64.efi',
  uefiArm64: 'bootaa64.efi',
  httpX64: 'http://10.77.0.1:5248/images/bootx64.efi',
  ipxeScript: 'http://10.77.0.1:5248/boot.ipxe',
};
const BIOS = 'PXEClient:Arch:00000:UNDI:002001';
const EDK2 = 'PXEClient:Arch:00007:UNDI:003000';
const from67: Arrival = { address: '0.0.0.0', port: 68, localPort: 67 };
const T0 = 1_700_000_000_000;

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

function fullResponder(config: Partial<ResponderConfig> = {}): {
  r: DhcpResponder;
  leases: LeaseStore;
} {
  db = openDatabase(':memory:');
  const leases = new LeaseStore(db, 'eth0');
  const r = new DhcpResponder(
    {
      mode: 'full',
      subnet,
      targets,
      range: { first: '10.77.0.100', last: '10.77.0.102' },
      ...config,
    },
    leases,
  );
  return { r, leases };
}

const proxyResponder = (): DhcpResponder =>
  new DhcpResponder({ mode: 'proxy', subnet, targets }, undefined);

describe('proxy mode (PXE 2.1 proxyDHCP)', () => {
  it('offers BIOS PXE clients boot info with siaddr, file and the PXE menu, never an address', () => {
    const uuid = Uint8Array.of(0, ...new Array<number>(16).fill(7));
    const out = proxyResponder().handle(
      buildRequest({
        type: MessageType.Discover,
        mac: '52:54:00:77:00:10',
        xid: 9,
        vendorClass: BIOS,
        arch: 0,
        uuid,
      }),
      from67,
      T0,
    );
    const p = out.reply?.packet;
    expect(p).toBeDefined();
    if (!p) return;
    expect(out.reply?.to).toEqual({ kind: 'broadcast', port: 68 });
    expect({ yiaddr: p.yiaddr, siaddr: p.siaddr, file: p.file, xid: p.xid }).toEqual({
      yiaddr: '0.0.0.0',
      siaddr: '10.77.0.1',
      file: 'lpxelinux.0',
      xid: 9,
    });
    expect(messageTypeOf(p)).toBe(MessageType.Offer);
    expect(stringOption(p, Opt.VendorClass)).toBe('PXEClient');
    expect(ipOption(p, Opt.ServerId)).toBe('10.77.0.1');
    expect(p.options.get(Opt.ClientUuid)).toEqual(uuid);
    const menu = decodeTlv(p.options.get(Opt.VendorSpecific) ?? new Uint8Array());
    expect(menu.get(PxeSub.DiscoveryControl)).toEqual(Uint8Array.of(3));
    expect(menu.get(PxeSub.BootServers)).toEqual(Uint8Array.of(0x80, 0, 1, 10, 77, 0, 1));
    expect(out.event).toEqual({
      mac: '52:54:00:77:00:10',
      clientIp: null,
      stage: 'proxy-offer',
      detail: 'bios lpxelinux.0 (arch 0)',
    });
  });

  it('answers the boot-server request on 4011 to the source port, echoing the boot item', () => {
    const out = proxyResponder().handle(
      buildRequest({
        type: MessageType.Request,
        mac: '52:54:00:77:00:10',
        xid: 10,
        vendorClass: BIOS,
        arch: 0,
        ciaddr: '10.77.0.145',
        vendorSpecific: encodeTlv([[PxeSub.BootItem, Uint8Array.of(0x80, 0, 0, 0)]]),
      }),
      { address: '10.77.0.145', port: 68, localPort: 4011 },
      T0,
    );
    expect(out.reply?.to).toEqual({ kind: 'unicast', address: '10.77.0.145', port: 68 });
    const p = out.reply?.packet;
    expect(p && messageTypeOf(p)).toBe(MessageType.Ack);
    expect(p?.yiaddr).toBe('0.0.0.0');
    expect(p?.file).toBe('lpxelinux.0');
    expect(decodeTlv(p?.options.get(Opt.VendorSpecific) ?? new Uint8Array()).get(71)).toEqual(
      Uint8Array.of(0x80, 0, 0, 0),
    );
  });

  it('offers UEFI PXE clients nothing beside a router, and logs why once per MAC per window', () => {
    const r = proxyResponder();
    const discover = (mac: string, xid: number, arch = 7) =>
      buildRequest({ type: MessageType.Discover, mac, xid, vendorClass: EDK2, arch });
    const first = r.handle(discover('52:54:00:77:00:20', 1), from67, T0);
    expect(first.reply).toBeUndefined();
    expect(first.event).toEqual({
      mac: '52:54:00:77:00:20',
      clientIp: null,
      stage: 'proxy-no-offer',
      detail: UEFI_PXE_PROXY_REFUSAL,
    });
    expect(first.event?.detail).toMatch(/switch on the firmware's HTTP Boot \(IPv4\)/);
    // EDK2 retries its DISCOVER within a minute: no reply, and no further log line.
    for (const [xid, at] of [
      [2, 3_700],
      [3, 13_100],
      [4, 30_900],
    ] as const) {
      const retry = r.handle(discover('52:54:00:77:00:20', xid), from67, T0 + at);
      expect(retry.reply).toBeUndefined();
      expect(retry.event).toBeUndefined();
      expect(retry.ignored).toBe(UEFI_PXE_PROXY_REFUSAL);
    }
    // Another MAC, arch 9 (EFI BC), is logged on its own; the first one again after the window.
    expect(r.handle(discover('52:54:00:77:00:21', 5, 9), from67, T0 + 1).event?.stage).toBe(
      'proxy-no-offer',
    );
    const later = r.handle(discover('52:54:00:77:00:20', 6), from67, T0 + REFUSAL_LOG_WINDOW_MS);
    expect(later.reply).toBeUndefined();
    expect(later.event?.stage).toBe('proxy-no-offer');
    // Nor does the boot-server port answer such a client.
    const at4011 = r.handle(
      buildRequest({
        type: MessageType.Request,
        mac: '52:54:00:77:00:20',
        xid: 7,
        vendorClass: EDK2,
        arch: 7,
        ciaddr: '10.77.0.145',
      }),
      { address: '10.77.0.145', port: 4011, localPort: 4011 },
      T0,
    );
    expect(at4011.reply).toBeUndefined();
    expect(at4011.event).toBeUndefined();
  });

  it("offers HTTP Boot nothing, in either mode, while the stream's GRUB has no http", () => {
    let grubHasHttp = false;
    const httpBootRefusal = (): string | undefined =>
      grubHasHttp ? undefined : HTTP_BOOT_NO_HTTP_REFUSAL;
    const proxy = new DhcpResponder({ mode: 'proxy', subnet, targets, httpBootRefusal }, undefined);
    const { r: full } = fullResponder({ httpBootRefusal });
    const discover = (xid: number) =>
      buildRequest({
        type: MessageType.Discover,
        mac: '52:54:00:77:00:30',
        xid,
        vendorClass: 'HTTPClient:Arch:00016:UNDI:003001',
        arch: 16,
      });
    for (const r of [proxy, full]) {
      const out = r.handle(discover(1), from67, T0);
      expect(out.reply).toBeUndefined();
      expect(out.event).toMatchObject({
        stage: 'proxy-no-offer',
        detail: HTTP_BOOT_NO_HTTP_REFUSAL,
      });
    }
    // Other clients are not affected, and once a GRUB with http is synced HTTP Boot is offered.
    expect(
      proxy.handle(
        buildRequest({ type: 1, mac: '52:54:00:77:00:31', xid: 2, vendorClass: BIOS, arch: 0 }),
        from67,
        T0,
      ).reply?.packet.file,
    ).toBe('lpxelinux.0');
    grubHasHttp = true;
    expect(proxy.handle(discover(3), from67, T0 + 1).reply?.packet.file).toBe(targets.httpX64);
    expect(full.handle(discover(4), from67, T0 + 1).reply?.packet.file).toBe(targets.httpX64);
  });

  it('keeps its refusal memory bounded under a DISCOVER storm from random MACs', () => {
    const r = proxyResponder();
    const mac = (n: number): string =>
      `52:54:${[n >> 16, (n >> 8) & 0xff, n & 0xff, 0].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    for (let n = 0; n < 5000; n++) {
      r.handle(
        buildRequest({ type: 1, mac: mac(n), xid: n, vendorClass: EDK2, arch: 7 }),
        from67,
        T0 + n,
      );
    }
    // The oldest MACs were forgotten, so they are logged again; the newest are still quiet.
    const oldest = r.handle(
      buildRequest({ type: 1, mac: mac(0), xid: 1, vendorClass: EDK2, arch: 7 }),
      from67,
      T0 + 5000,
    );
    expect(oldest.event?.stage).toBe('proxy-no-offer');
    const newest = r.handle(
      buildRequest({ type: 1, mac: mac(4999), xid: 1, vendorClass: EDK2, arch: 7 }),
      from67,
      T0 + 5000,
    );
    expect(newest.event).toBeUndefined();
  });

  it('gives iPXE the script URL (no chainload loop) and HTTP boot clients HTTPClient + URL', () => {
    const r = proxyResponder();
    const ipxe = r.handle(
      buildRequest({
        type: 1,
        mac: '52:54:00:00:00:01',
        xid: 1,
        vendorClass: BIOS,
        arch: 0,
        userClass: 'iPXE',
      }),
      from67,
      T0,
    );
    expect(ipxe.reply?.packet.file).toBe(targets.ipxeScript);
    expect(ipxe.reply?.packet.siaddr).toBe('10.77.0.1');
    const http = r.handle(
      buildRequest({
        type: 1,
        mac: '52:54:00:00:00:02',
        xid: 2,
        vendorClass: 'HTTPClient:Arch:00016:UNDI:003001',
        arch: 16,
      }),
      from67,
      T0,
    );
    expect(http.reply?.packet.file).toBe(targets.httpX64);
    expect(
      stringOption(
        http.reply?.packet ?? buildRequest({ type: 1, mac: '00:00:00:00:00:00', xid: 0 }),
        Opt.VendorClass,
      ),
    ).toBe('HTTPClient');
  });

  it('stays silent on the REQUEST to the router but notes the address for the boot log', () => {
    const out = proxyResponder().handle(
      buildRequest({
        type: 3,
        mac: '52:54:00:77:00:10',
        xid: 5,
        vendorClass: BIOS,
        arch: 0,
        requestedIp: '10.77.0.145',
        serverId: '10.77.0.254',
      }),
      from67,
      T0,
    );
    expect(out.reply).toBeUndefined();
    expect(out.event).toEqual({
      mac: '52:54:00:77:00:10',
      clientIp: '10.77.0.145',
      stage: 'proxy-client-address',
      detail: '10.77.0.145 from 10.77.0.254',
    });
  });

  it('says so when a second machine asks the router for an address another just asked for', () => {
    const r = proxyResponder();
    const ask = (mac: string, at: number) =>
      r.handle(
        buildRequest({
          type: 3,
          mac,
          xid: 5,
          vendorClass: BIOS,
          arch: 0,
          requestedIp: '10.77.0.169',
          serverId: '10.77.0.254',
        }),
        from67,
        at,
      ).event?.detail;
    expect(ask('52:54:00:77:41:02', T0)).toBe('10.77.0.169 from 10.77.0.254');
    // The same machine asking again (a retransmission) contests nothing.
    expect(ask('52:54:00:77:41:02', T0 + 1_000)).toBe('10.77.0.169 from 10.77.0.254');
    expect(ask('52:54:00:77:41:04', T0 + 1_500)).toBe(
      '10.77.0.169 from 10.77.0.254, which 52:54:00:77:41:02 asked it for too: the router offered it to both and will refuse one (a refused UEFI machine stops at HTTP Boot; power it on again)',
    );
    // Long after, the address went to a new machine the usual way.
    expect(ask('52:54:00:77:41:06', T0 + 60_000)).toBe('10.77.0.169 from 10.77.0.254');
  });

  it('ignores non-PXE clients, REQUESTs on 67, relayed and off-subnet requests', () => {
    const r = proxyResponder();
    const plain = buildRequest({ type: 1, mac: '52:54:00:00:00:03', xid: 3 });
    expect(r.handle(plain, from67, T0).reply).toBeUndefined();
    const req = buildRequest({
      type: 3,
      mac: '52:54:00:00:00:03',
      xid: 3,
      vendorClass: BIOS,
      arch: 0,
    });
    expect(r.handle(req, from67, T0).reply).toBeUndefined();
    const relayed = {
      ...buildRequest({ type: 1, mac: '52:54:00:00:00:03', xid: 3, vendorClass: BIOS }),
      giaddr: '10.1.1.1',
    };
    expect(r.handle(relayed, from67, T0).ignored).toMatch(/relayed/);
    const offNet = r.handle(req, { address: '192.168.1.5', port: 68, localPort: 4011 }, T0);
    expect(offNet.ignored).toMatch(/off the interface's subnet/);
  });
});

describe('full mode (RFC 2131 server)', () => {
  it('offers, acks and persists a lease with boot info and lease options', () => {
    const { r, leases } = fullResponder();
    const mac = '52:54:00:77:00:10';
    const offer = r.handle(
      buildRequest({ type: 1, mac, xid: 1, vendorClass: BIOS, arch: 0 }),
      from67,
      T0,
    );
    const op = offer.reply?.packet;
    expect(op?.yiaddr).toBe('10.77.0.100');
    expect(op?.siaddr).toBe('10.77.0.1');
    expect(op?.file).toBe('lpxelinux.0');
    expect(op && stringOption(op, Opt.BootFileName)).toBe('lpxelinux.0');
    // dnsmasq sends no option 60 in full mode and every client booted; EDK2 would go to 4011 on it.
    expect(op?.options.has(Opt.VendorClass)).toBe(false);
    expect(leases.byMac(mac)?.state).toBe('offered');
    const ack = r.handle(
      buildRequest({
        type: 3,
        mac,
        xid: 1,
        requestedIp: '10.77.0.100',
        serverId: '10.77.0.1',
        vendorClass: BIOS,
        arch: 0,
      }),
      from67,
      T0 + 1000,
    );
    const ap = ack.reply?.packet;
    expect(ap && messageTypeOf(ap)).toBe(MessageType.Ack);
    expect(ap?.yiaddr).toBe('10.77.0.100');
    expect(ap && u32Option(ap, Opt.LeaseTime)).toBe(3600);
    expect(ap && ipOption(ap, Opt.SubnetMask)).toBe('255.255.255.0');
    expect(leases.byMac(mac)).toEqual({
      ip: '10.77.0.100',
      mac,
      state: 'bound',
      hostname: null,
      expiresAt: T0 + 1000 + 3_600_000,
    });
    expect(ack.event?.stage).toBe('dhcp-ack');
  });

  it('renews by unicast, naks foreign addresses, frees on release and parks declined ones', () => {
    const { r, leases } = fullResponder();
    const a = '52:54:00:00:00:0a';
    const b = '52:54:00:00:00:0b';
    r.handle(buildRequest({ type: 3, mac: a, xid: 1, requestedIp: '10.77.0.100' }), from67, T0);
    const renew = r.handle(
      buildRequest({ type: 3, mac: a, xid: 2, ciaddr: '10.77.0.100' }),
      from67,
      T0 + 10,
    );
    expect(renew.reply?.to).toEqual({ kind: 'unicast', address: '10.77.0.100', port: 68 });
    const steal = r.handle(
      buildRequest({ type: 3, mac: b, xid: 3, requestedIp: '10.77.0.100' }),
      from67,
      T0 + 20,
    );
    expect(steal.reply?.packet && messageTypeOf(steal.reply.packet)).toBe(MessageType.Nak);
    expect(steal.reply?.to.kind).toBe('broadcast');
    const outside = r.handle(
      buildRequest({ type: 3, mac: b, xid: 4, requestedIp: '192.168.0.9' }),
      from67,
      T0,
    );
    expect(outside.reply?.packet && messageTypeOf(outside.reply.packet)).toBe(MessageType.Nak);
    r.handle(
      buildRequest({ type: 7, mac: a, xid: 5, ciaddr: '10.77.0.100', serverId: '10.77.0.1' }),
      from67,
      T0 + 30,
    );
    expect(leases.byIp('10.77.0.100')).toBeUndefined();
    r.handle(buildRequest({ type: 3, mac: b, xid: 6, requestedIp: '10.77.0.101' }), from67, T0);
    const decline = r.handle(
      buildRequest({ type: 4, mac: b, xid: 7, requestedIp: '10.77.0.101', serverId: '10.77.0.1' }),
      from67,
      T0 + 40,
    );
    expect(decline.event?.stage).toBe('dhcp-decline');
    const next = r.handle(buildRequest({ type: 1, mac: b, xid: 8 }), from67, T0 + 50);
    expect(next.reply?.packet.yiaddr).toBe('10.77.0.100');
  });

  it('lets the offer go when the client picks another server, and says when the pool is empty', () => {
    const { r, leases } = fullResponder();
    r.handle(buildRequest({ type: 1, mac: '52:54:00:00:00:01', xid: 1 }), from67, T0);
    r.handle(
      buildRequest({
        type: 3,
        mac: '52:54:00:00:00:01',
        xid: 1,
        serverId: '10.77.0.254',
        requestedIp: '10.77.0.100',
      }),
      from67,
      T0,
    );
    expect(leases.list()).toEqual([]);
    for (let i = 0; i <= 2; i++) {
      const ip = `10.77.0.10${i}`;
      const mac = `52:54:00:00:01:0${i}`;
      r.handle(buildRequest({ type: 3, mac, xid: i, requestedIp: ip }), from67, T0);
    }
    const full = r.handle(buildRequest({ type: 1, mac: '52:54:00:00:01:09', xid: 9 }), from67, T0);
    expect(full.reply).toBeUndefined();
    expect(full.event).toMatchObject({
      stage: 'dhcp-pool-exhausted',
      detail: expect.stringMatching(/^pool exhausted: .*10\.77\.0\.100-10\.77\.0\.102.*--range/),
    });
    // Leases end, so the pool frees itself.
    const later = r.handle(
      buildRequest({ type: 1, mac: '52:54:00:00:01:09', xid: 9 }),
      from67,
      T0 + 3_601_000,
    );
    expect(later.reply?.packet.yiaddr).toBe('10.77.0.100');
  });

  it("names the client's host name in the boot log", () => {
    const { r } = fullResponder();
    const mac = '52:54:00:00:00:0e';
    const spec = { mac, xid: 1, vendorClass: BIOS, arch: 0, hostname: 'node-7' };
    expect(r.handle(buildRequest({ ...spec, type: 1 }), from67, T0).event?.detail).toBe(
      '10.77.0.100 + bios lpxelinux.0 (arch 0), host node-7',
    );
    const ack = r.handle(
      buildRequest({ ...spec, type: 3, requestedIp: '10.77.0.100', serverId: '10.77.0.1' }),
      from67,
      T0,
    );
    expect(ack.event).toMatchObject({
      stage: 'dhcp-ack',
      detail: expect.stringMatching(/host node-7$/),
    });
  });

  it('keeps leases across a restart (same database, new responder)', () => {
    const { r } = fullResponder();
    const mac = '52:54:00:00:00:0c';
    r.handle(buildRequest({ type: 1, mac, xid: 1 }), from67, T0);
    r.handle(buildRequest({ type: 1, mac: '52:54:00:00:00:0d', xid: 2 }), from67, T0);
    r.handle(
      buildRequest({
        type: 3,
        mac: '52:54:00:00:00:0d',
        xid: 2,
        requestedIp: '10.77.0.101',
        serverId: '10.77.0.1',
      }),
      from67,
      T0,
    );
    const again = new DhcpResponder(
      { mode: 'full', subnet, targets, range: { first: '10.77.0.100', last: '10.77.0.102' } },
      new LeaseStore(db as Database, 'eth0'),
    );
    expect(
      again.handle(buildRequest({ type: 1, mac: '52:54:00:00:00:0d', xid: 3 }), from67, T0 + 5)
        .reply?.packet.yiaddr,
    ).toBe('10.77.0.101');
  });
});

describe('replies stay on the served subnet', () => {
  it('answers INFORM by unicast only to a host on the subnet, and logs why it drops the rest', () => {
    const { r } = fullResponder();
    const inform = (ciaddr: string) =>
      r.handle(buildRequest({ type: 8, mac: '52:54:00:00:00:1f', xid: 8, ciaddr }), from67, T0);
    const onNet = inform('10.77.0.50');
    expect(onNet.reply?.to).toEqual({ kind: 'unicast', address: '10.77.0.50', port: 68 });
    for (const ciaddr of ['192.168.9.9', '8.8.8.8', '10.77.0.255', '10.77.0.0']) {
      const out = inform(ciaddr);
      expect(out.reply, ciaddr).toBeUndefined();
      expect(out.event).toEqual({
        mac: '52:54:00:00:00:1f',
        clientIp: null,
        stage: 'dhcp-refused',
        detail: `INFORM: no reply to ${ciaddr}: off the interface's subnet 10.77.0.0/24`,
      });
    }
  });

  it('broadcasts OFFER and ACK instead of unicasting to an off-subnet ciaddr', () => {
    const { r } = fullResponder();
    const mac = '52:54:00:00:00:2f';
    const offer = r.handle(
      buildRequest({ type: 1, mac, xid: 1, ciaddr: '192.168.9.9' }),
      from67,
      T0,
    );
    expect(offer.reply?.to).toEqual({ kind: 'broadcast', port: 68 });
    const ack = r.handle(
      buildRequest({ type: 3, mac, xid: 1, requestedIp: '10.77.0.100', ciaddr: '10.77.0.255' }),
      from67,
      T0,
    );
    expect(ack.reply?.packet && messageTypeOf(ack.reply.packet)).toBe(MessageType.Ack);
    expect(ack.reply?.to).toEqual({ kind: 'broadcast', port: 68 });
  });

  it("refuses proxy boot-server requests from the subnet's network or broadcast address", () => {
    const r = proxyResponder();
    const req = buildRequest({
      type: 3,
      mac: '52:54:00:00:00:3f',
      xid: 3,
      vendorClass: BIOS,
      arch: 0,
    });
    for (const address of ['10.77.0.0', '10.77.0.255', '172.16.0.5']) {
      const out = r.handle(req, { address, port: 4011, localPort: 4011 }, T0);
      expect(out.reply, address).toBeUndefined();
      expect(out.event?.stage).toBe('dhcp-refused');
    }
    expect(
      r.handle(req, { address: '10.77.0.9', port: 4011, localPort: 4011 }, T0).reply?.to,
    ).toEqual({ kind: 'unicast', address: '10.77.0.9', port: 4011 });
  });
});

describe('full mode under a DISCOVER storm from random MACs', () => {
  /** Deterministic "random" MACs, never equal to the clients under test. */
  const stormMac = (i: number): string =>
    `02:${[i >> 16, i >> 8, i, i * 7, i * 13].map((b) => (b & 0xff).toString(16).padStart(2, '0')).join(':')}`;
  const discover = (r: DhcpResponder, mac: string, now: number, xid = 1) =>
    r.handle(buildRequest({ type: 1, mac, xid, vendorClass: BIOS, arch: 0 }), from67, now);
  const request = (r: DhcpResponder, mac: string, ip: string, now: number) =>
    r.handle(
      buildRequest({
        type: 3,
        mac,
        xid: 2,
        requestedIp: ip,
        serverId: '10.77.0.1',
        vendorClass: BIOS,
        arch: 0,
      }),
      from67,
      now,
    );

  it('still gives a new client an address, and a known client its own, while the storm lasts', () => {
    const { r, leases } = fullResponder();
    const known = '52:54:00:aa:00:01';
    expect(request(r, known, '10.77.0.101', T0).reply?.packet.yiaddr).toBe('10.77.0.101');
    let now = T0;
    for (let i = 0; i < 50; i++) discover(r, stormMac(i), (now += 10)); // pool of 3, 50 MACs

    const fresh = '52:54:00:bb:00:01';
    // Every offer is younger than a real client takes to answer: none is handed to another yet.
    expect(discover(r, fresh, (now += 10)).event?.stage).toBe('dhcp-pool-exhausted');
    for (let i = 50; i < 100; i++) discover(r, stormMac(i), (now += 80));
    // The client's next DISCOVER, seconds later, gets the oldest unanswered offer.
    const offer = discover(r, fresh, (now += 10));
    const offered = offer.reply?.packet.yiaddr ?? '';
    expect(['10.77.0.100', '10.77.0.102']).toContain(offered);
    expect(offer.event?.detail).toMatch(/pool full: shared with an unanswered offer/);
    // The storm goes on for the seconds the client spends collecting offers before its REQUEST.
    for (let i = 100; i < 150; i++) discover(r, stormMac(i), (now += 40));
    const ack = request(r, fresh, offered, (now += 10));
    expect(ack.reply?.packet && messageTypeOf(ack.reply.packet)).toBe(MessageType.Ack);
    expect(ack.reply?.packet.yiaddr).toBe(offered);
    expect(leases.byIp(offered)).toMatchObject({ mac: fresh, state: 'bound' });

    // Bound leases are never handed to the storm: the known client keeps its address throughout.
    for (let i = 150; i < 200; i++) discover(r, stormMac(i), (now += 10));
    expect(discover(r, known, (now += 10)).reply?.packet.yiaddr).toBe('10.77.0.101');
    expect(leases.byIp('10.77.0.101')).toMatchObject({ mac: known, state: 'bound' });
    expect(leases.byIp(offered)).toMatchObject({ mac: fresh, state: 'bound' });
  });

  it('frees the pool within the offer hold once the storm stops, yet keeps a slow client its offer', () => {
    const { r, leases } = fullResponder({ range: { first: '10.77.0.100', last: '10.77.0.109' } });
    const slow = '52:54:00:cc:00:01';
    expect(discover(r, slow, T0).reply?.packet.yiaddr).toBe('10.77.0.100');
    // A slow client's REQUEST comes seconds later; the pool is not full, so nobody else gets .100.
    for (let i = 0; i < 5; i++) {
      expect(discover(r, stormMac(i), T0 + 4000).reply?.packet.yiaddr).not.toBe('10.77.0.100');
    }
    expect(request(r, slow, '10.77.0.100', T0 + 5000).reply?.packet.yiaddr).toBe('10.77.0.100');

    let now = T0 + 6000;
    for (let i = 5; i < 200; i++) discover(r, stormMac(i), (now += 5));
    const stormEnd = now;
    const holding = (at: number) =>
      leases.list().filter((l) => l.state === 'offered' && l.expiresAt > at).length;
    expect(holding(stormEnd)).toBe(9);
    // Within ten seconds of the last DISCOVER, every unanswered offer has let go of its address.
    expect(holding(stormEnd + 10_000)).toBe(0);
    const after = discover(r, '52:54:00:cc:00:02', stormEnd + 10_000);
    expect(after.reply?.packet.yiaddr).toBe('10.77.0.101');
    expect(after.event?.detail).not.toMatch(/shared/);
    expect(leases.byIp('10.77.0.100')).toMatchObject({ mac: slow, state: 'bound' });
  });
});

describe('full mode with more machines than addresses', () => {
  const machine = (i: number): string => `52:54:00:17:00:${i.toString(16).padStart(2, '0')}`;
  const discover = (r: DhcpResponder, mac: string, now: number) =>
    r.handle(buildRequest({ type: 1, mac, xid: 1 }), from67, now);
  const request = (r: DhcpResponder, mac: string, ip: string, now: number) =>
    r.handle(
      buildRequest({ type: 3, mac, xid: 1, requestedIp: ip, serverId: '10.77.0.1' }),
      from67,
      now,
    );

  it('offers machines arriving together distinct addresses and tells the rest the pool is exhausted', () => {
    const { r, leases } = fullResponder(); // a pool of three
    const first = [1, 2, 3, 4, 5, 6].map((i) => discover(r, machine(i), T0));
    const offered = first.flatMap((o) => (o.reply ? [o.reply.packet.yiaddr] : []));
    expect(offered).toEqual(['10.77.0.100', '10.77.0.101', '10.77.0.102']);
    for (const [k, o] of first.slice(3).entries()) {
      expect(o.reply).toBeUndefined();
      expect(o.event).toMatchObject({ mac: machine(k + 4), stage: 'dhcp-pool-exhausted' });
    }
    // A retry just before a slow client answers still finds its offer held for it.
    const retry = discover(r, machine(4), T0 + OFFER_SHARE_AFTER_MS - 1);
    expect(retry.reply).toBeUndefined();
    for (const [k, ip] of offered.entries()) {
      expect(
        request(r, machine(k + 1), ip, T0 + OFFER_SHARE_AFTER_MS - 1).reply?.packet.yiaddr,
      ).toBe(ip);
    }
    for (const i of [4, 5, 6]) expect(discover(r, machine(i), T0 + 20_000).reply).toBeUndefined();
    expect(leases.list().map((l) => [l.mac, l.state])).toEqual([
      [machine(1), 'bound'],
      [machine(2), 'bound'],
      [machine(3), 'bound'],
    ]);
  });

  it('says "pool exhausted" once per machine per window, not once per DISCOVER', () => {
    const { r } = fullResponder({ range: { first: '10.77.0.100', last: '10.77.0.100' } });
    expect(request(r, machine(1), '10.77.0.100', T0).reply?.packet.yiaddr).toBe('10.77.0.100');
    const events = (mac: string, from: number, to: number, every: number): number => {
      let n = 0;
      for (let at = from; at < to; at += every) if (discover(r, mac, at).event) n += 1;
      return n;
    };
    expect(events(machine(2), T0, T0 + REFUSAL_LOG_WINDOW_MS, 3000)).toBe(1);
    expect(events(machine(3), T0, T0 + 10_000, 1000)).toBe(1);
    // A client still waiting when the window has passed is named again.
    expect(discover(r, machine(2), T0 + REFUSAL_LOG_WINDOW_MS).event?.stage).toBe(
      'dhcp-pool-exhausted',
    );
  });

  it('shares an offer left unanswered past the answer time without extending its hold', () => {
    const { r, leases } = fullResponder({ range: { first: '10.77.0.100', last: '10.77.0.100' } });
    expect(discover(r, machine(1), T0).reply?.packet.yiaddr).toBe('10.77.0.100');
    const late = discover(r, machine(2), T0 + OFFER_SHARE_AFTER_MS);
    expect(late.reply?.packet.yiaddr).toBe('10.77.0.100');
    expect(late.event?.detail).toMatch(/shared with an unanswered offer/);
    expect(leases.byIp('10.77.0.100')).toMatchObject({
      mac: machine(2),
      state: 'offered',
      expiresAt: T0 + OFFER_HOLD_MS,
    });
    // Once the first hold ends the address is free again for whoever asks next.
    expect(discover(r, machine(3), T0 + OFFER_HOLD_MS).event?.detail).toBe('10.77.0.100');
  });
});

describe('reliability under a packet storm (fast-check)', () => {
  const macArb = fc.constantFrom(...Array.from({ length: 6 }, (_, i) => `52:54:00:00:00:0${i}`));
  const ipArb = fc.constantFrom(
    '10.77.0.100',
    '10.77.0.101',
    '10.77.0.102',
    '10.77.0.1',
    '10.77.0.7',
    '10.77.0.255',
    '192.168.0.1',
  );
  const requestArb = fc.record({
    type: fc.integer({ min: 0, max: 10 }),
    mac: macArb,
    xid: fc.nat(),
    vendorClass: fc.constantFrom(
      undefined,
      BIOS,
      EDK2,
      'HTTPClient:Arch:00016',
      'PXEClient',
      'MSFT 5.0',
    ),
    arch: fc.constantFrom(undefined, 0, 6, 7, 9, 11, 16, 19, 999),
    userClass: fc.constantFrom(undefined, 'iPXE', '\u0004iPXE', ''),
    requestedIp: fc.constantFrom(
      undefined,
      '10.77.0.100',
      '10.77.0.101',
      '10.77.0.102',
      '10.77.0.5',
    ),
    serverId: fc.constantFrom(undefined, '10.77.0.1', '10.77.0.254'),
    ciaddr: fc.constantFrom(
      undefined,
      '10.77.0.100',
      '10.77.0.102',
      '0.0.0.0',
      '10.77.0.255',
      '192.168.0.9',
    ),
    broadcast: fc.boolean(),
  });
  const arrivalArb = fc.record({
    address: ipArb,
    port: fc.constantFrom(68, 4011),
    localPort: fc.constantFrom(67, 4011),
  });
  // Random bytes spliced into valid requests: truncations, garbage options, huge options.
  const mangled = fc
    .tuple(requestArb, fc.nat(400), fc.uint8Array({ maxLength: 1200 }))
    .map(([spec, cut, junk]) => {
      const bytes = encodeDhcp(buildRequest(spec));
      const out = new Uint8Array(Math.min(bytes.length, cut + 240) + junk.length);
      out.set(bytes.subarray(0, Math.min(bytes.length, cut + 240)));
      out.set(junk, Math.min(bytes.length, cut + 240));
      return out;
    });

  /** A reply goes out as a broadcast on the segment or by unicast to one of its hosts. */
  const expectOnSubnet = (to: Destination): void => {
    if (to.kind === 'unicast') expect(isHostOn(to.address, subnet), to.address).toBe(true);
  };

  it('proxy mode never crashes, never sets yiaddr and never leaves the subnet', () => {
    const r = proxyResponder();
    fc.assert(
      fc.property(
        fc.oneof(
          requestArb.map((s) => encodeDhcp(buildRequest(s))),
          mangled,
        ),
        arrivalArb,
        (bytes, from) => {
          let p;
          try {
            p = decodeDhcp(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(DhcpCodecError);
            return;
          }
          const out = r.handle(p, from, T0);
          if (out.reply) {
            expectOnSubnet(out.reply.to);
            expect(out.reply.packet.yiaddr).toBe('0.0.0.0');
            expect(out.reply.packet.siaddr).toBe('10.77.0.1');
            expect(out.reply.packet.file).not.toBe('');
            expect(() => encodeDhcp(out.reply?.packet ?? p)).not.toThrow();
          }
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('full mode never crashes, never leaves the subnet, never gives one address to two clients', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.oneof(
              requestArb.map((s) => encodeDhcp(buildRequest(s))),
              mangled,
            ),
            arrivalArb,
            fc.nat(120_000),
          ),
          { maxLength: 60 },
        ),
        (steps) => {
          const { r, leases } = fullResponder();
          try {
            let now = T0;
            // The address each MAC was last ACKed, with its expiry: an ACK must never overlap another's.
            const held = new Map<string, { mac: string; until: number }>();
            for (const [bytes, from, dt] of steps) {
              now += dt;
              let p;
              try {
                p = decodeDhcp(bytes);
              } catch {
                continue;
              }
              const out = r.handle(p, from, now);
              if (out.reply) expectOnSubnet(out.reply.to);
              const reply = out.reply?.packet;
              if (reply && messageTypeOf(reply) === MessageType.Ack && reply.yiaddr !== '0.0.0.0') {
                const mac = [...reply.chaddr.subarray(0, 6)]
                  .map((x) => x.toString(16).padStart(2, '0'))
                  .join(':');
                const prev = held.get(reply.yiaddr);
                if (prev && prev.mac !== mac) expect(prev.until).toBeLessThanOrEqual(now);
                for (const [ip, h] of held)
                  if (h.mac === mac && ip !== reply.yiaddr) held.delete(ip);
                held.set(reply.yiaddr, { mac, until: now + 3_600_000 });
                expect(['10.77.0.100', '10.77.0.101', '10.77.0.102']).toContain(reply.yiaddr);
              }
              if (messageTypeOf(p) === MessageType.Release) {
                for (const [ip] of held)
                  if (ip === p.ciaddr && leases.byIp(ip) === undefined) held.delete(ip);
              }
            }
            const macs = leases
              .list()
              .filter((l) => l.state !== 'declined')
              .map((l) => l.mac);
            expect(new Set(macs).size).toBe(macs.length);
          } finally {
            db?.close();
            db = undefined;
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

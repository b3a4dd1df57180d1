/**
 * A live DhcpService (proxy mode, bound to loopback on high ports) takes a bounded storm of
 * malformed, truncated, oversized and wrong-magic packets (fast-check), then still answers a valid
 * PXE boot-server request. In full mode, a DISCOVER storm from more random MACs than the pool holds
 * starves neither a new client (served at a retry) nor a known one. Nothing here leaves 127.0.0.0/8.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSocket, type Socket } from 'node:dgram';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { createLogger } from '../../../../src-main/logger';
import { DhcpService } from '../../../../src-main/boot/dhcp/dhcp-service';
import { decodeDhcp, encodeDhcp, type DhcpPacket } from '../../../../src-main/boot/dhcp/codec';
import { buildRequest, type RequestSpec } from '../../../../src-main/boot/dhcp/request';
import { MessageType, messageTypeOf } from '../../../../src-main/boot/dhcp/options';
import { OFFER_SHARE_AFTER_MS } from '../../../../src-main/boot/dhcp/responder';
import { canUseNetns } from '../../../helpers/netns/netns-lab';

if (!canUseNetns()) throw new Error('This test needs root (SO_BINDTODEVICE).');

const SERVER_PORT = 16767;
const PXE_PORT = 14011;
const FULL_SERVER_PORT = 16867;
const FULL_CLIENT_PORT = FULL_SERVER_PORT + 1;
const BIOS = 'PXEClient:Arch:00000:UNDI:002001';

describe('DHCP server under a packet storm', () => {
  let db: Database;
  let service: DhcpService;
  let client: Socket;
  const errors: string[] = [];

  beforeAll(async () => {
    db = openDatabase(':memory:');
    service = await DhcpService.start({
      mode: 'proxy',
      interfaceName: 'lo',
      subnet: { address: '127.0.0.1', prefixLength: 8 },
      mac: '00:00:00:00:00:00',
      targets: { bios: 'lpxelinux.0', uefiX64: 'bootx64.efi' },
      serverPort: SERVER_PORT,
      pxePort: PXE_PORT,
      db,
      log: { ...createLogger({ stderrLevel: 'silent' }), error: (_c, m) => errors.push(m) },
    });
    client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => client.close(() => resolve()));
    await service.dispose();
    db.close();
  });

  it('survives the storm and still answers', async () => {
    const valid = fc
      .record({
        type: fc.integer({ min: 0, max: 9 }),
        xid: fc.nat(),
        arch: fc.constantFrom(undefined, 0, 7, 16, 300),
      })
      .map((r) => encodeDhcp(buildRequest({ ...r, mac: '52:54:00:12:34:56', vendorClass: BIOS })));
    const storm = fc.oneof(
      fc.uint8Array({ maxLength: 1500 }), // noise, mostly wrong magic or too short
      valid.chain((bytes) => fc.nat(bytes.length).map((n) => bytes.subarray(0, n))), // truncated
      valid.chain((bytes) =>
        fc.uint8Array({ minLength: 1, maxLength: 1200 }).map((junk) => {
          const out = new Uint8Array(bytes.length + junk.length); // garbage / huge options
          out.set(bytes.subarray(0, 240));
          out.set(junk, 240);
          return out;
        }),
      ),
    );
    const packets = fc.sample(storm, { numRuns: 3000, seed: 7 });
    const started = Date.now();
    for (const [i, p] of packets.entries()) {
      const port = i % 2 === 0 ? SERVER_PORT : PXE_PORT;
      client.send(p, port, '127.0.0.1');
      if (i % 200 === 0) await new Promise((r) => setImmediate(r)); // let the server drain
      if (Date.now() - started > 20_000) break; // bound the storm in time as well as count
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(errors).toEqual([]);

    const answer = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer after the storm')), 5000);
      client.on('message', (msg) => {
        const p = decodeDhcp(msg);
        if (p.xid !== 4242) return;
        clearTimeout(timer);
        resolve(msg);
      });
    });
    client.send(
      encodeDhcp(
        buildRequest({
          type: MessageType.Request,
          mac: '52:54:00:12:34:56',
          xid: 4242,
          vendorClass: BIOS,
          arch: 0,
          ciaddr: '127.0.0.9',
        }),
      ),
      PXE_PORT,
      '127.0.0.1',
    );
    const reply = decodeDhcp(await answer);
    expect(messageTypeOf(reply)).toBe(MessageType.Ack);
    expect(reply.yiaddr).toBe('0.0.0.0');
    expect(reply.file).toBe('lpxelinux.0');
    const status = service.status();
    expect(status.dropped).toBeGreaterThan(1000);
  });
});

describe('full-mode DHCP under a DISCOVER storm from random MACs', () => {
  // Possibly unset when a start step fails, so cleanup closes only what was opened.
  let db: Database | undefined;
  let service: DhcpService | undefined;
  let client: Socket | undefined;
  const errors: string[] = [];
  const replies = new Map<number, DhcpPacket>();

  beforeAll(async () => {
    db = openDatabase(':memory:');
    service = await DhcpService.start({
      mode: 'full',
      interfaceName: 'lo',
      subnet: { address: '127.0.0.1', prefixLength: 8 },
      mac: '00:00:00:00:00:00',
      targets: { bios: 'lpxelinux.0', uefiX64: 'bootx64.efi' },
      range: { first: '127.0.0.100', last: '127.0.0.109' },
      serverPort: FULL_SERVER_PORT,
      probeMs: 0,
      db,
      log: { ...createLogger({ stderrLevel: 'silent' }), error: (_c, m) => errors.push(m) },
    });
    // Full-mode replies are broadcast to the client port, as on a real segment.
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    client = socket;
    socket.on('message', (msg) => {
      const p = decodeDhcp(msg);
      replies.set(p.xid, p);
    });
    await new Promise<void>((resolve) => socket.bind(FULL_CLIENT_PORT, '0.0.0.0', resolve));
  });

  afterAll(async () => {
    const socket = client;
    if (socket !== undefined) await new Promise<void>((resolve) => socket.close(() => resolve()));
    await service?.dispose();
    db?.close();
  });

  const send = (spec: RequestSpec): void =>
    client?.send(encodeDhcp(buildRequest(spec)), FULL_SERVER_PORT, '127.0.0.1');

  async function reply(xid: number, ms = 3000): Promise<DhcpPacket> {
    const deadline = Date.now() + ms;
    for (;;) {
      const p = replies.get(xid);
      if (p !== undefined) return p;
      if (Date.now() > deadline) throw new Error(`no reply to xid ${xid} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('still leases to a new client and keeps a known client its address', async () => {
    const known = '52:54:00:ee:00:01';
    send({ type: MessageType.Request, mac: known, xid: 1, requestedIp: '127.0.0.105' });
    expect((await reply(1)).yiaddr).toBe('127.0.0.105');

    const storm = 200; // twenty times the pool
    const started = Date.now();
    for (let i = 0; i < storm; i++) {
      const mac = `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      send({ type: MessageType.Discover, mac, xid: 1000 + i });
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    const handled = (): number =>
      service ? service.status().answered + service.status().dropped : 0;
    for (const deadline = Date.now() + 5000; handled() < storm + 1; ) {
      if (Date.now() > deadline) throw new Error(`the server handled ${handled()} of the storm`);
      await new Promise((r) => setTimeout(r, 20));
    }

    // A real client retries its DISCOVER (every second here): once the storm's offers have gone
    // unanswered longer than a real client takes to answer, it is offered the oldest of them.
    const fresh = '52:54:00:ee:00:02';
    let offer: DhcpPacket | undefined;
    for (let xid = 2000; offer === undefined && xid < 2000 + 8; xid++) {
      send({ type: MessageType.Discover, mac: fresh, xid });
      offer = await reply(xid, 1000).catch(() => undefined);
    }
    expect(offer && messageTypeOf(offer)).toBe(MessageType.Offer);
    if (offer === undefined) return;
    send({
      type: MessageType.Request,
      mac: fresh,
      xid: 3,
      requestedIp: offer.yiaddr,
      serverId: '127.0.0.1',
    });
    const ack = await reply(3);
    expect(messageTypeOf(ack)).toBe(MessageType.Ack);
    expect(ack.yiaddr).toBe(offer.yiaddr);
    expect(Date.now() - started).toBeLessThan(OFFER_SHARE_AFTER_MS + 3000);

    send({ type: MessageType.Discover, mac: known, xid: 4 });
    expect((await reply(4)).yiaddr).toBe('127.0.0.105');
    expect(errors).toEqual([]);
  });
});

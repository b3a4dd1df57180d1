import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BootOp,
  DhcpCodecError,
  MIN_PACKET_BYTES,
  decodeDhcp,
  encodeDhcp,
  macOf,
  macToChaddr,
  type DhcpPacket,
} from '../../../../src-main/boot/dhcp/codec';
import { buildRequest } from '../../../../src-main/boot/dhcp/request';
import { MessageType, Opt } from '../../../../src-main/boot/dhcp/options';

const header = (): Uint8Array => {
  const b = new Uint8Array(240);
  b[0] = 1;
  b[1] = 1;
  b[2] = 6;
  b.set([99, 130, 83, 99], 236);
  return b;
};

const withOptions = (...bytes: number[]): Uint8Array => {
  const b = new Uint8Array(240 + bytes.length);
  b.set(header());
  b.set(bytes, 240);
  return b;
};

const ipArb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const nameArb = fc
  .array(fc.integer({ min: 1, max: 255 }), { maxLength: 64 })
  .map((cs) => String.fromCharCode(...cs));

const packetArb: fc.Arbitrary<DhcpPacket> = fc.record({
  op: fc.constantFrom(1, 2),
  htype: fc.nat(255),
  hlen: fc.nat(16),
  hops: fc.nat(255),
  xid: fc.nat(0xffffffff),
  secs: fc.nat(0xffff),
  flags: fc.nat(0xffff),
  ciaddr: ipArb,
  yiaddr: ipArb,
  siaddr: ipArb,
  giaddr: ipArb,
  chaddr: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  sname: nameArb,
  file: nameArb.map((s) => s.repeat(2)),
  options: fc
    .uniqueArray(
      fc.tuple(
        fc.integer({ min: 1, max: 254 }).filter((c) => c !== 52),
        fc.uint8Array({ maxLength: 600 }),
      ),
      { selector: ([c]) => c, maxLength: 12 },
    )
    .map((entries) => new Map(entries)),
});

describe('DHCP codec', () => {
  it('round-trips any packet it can encode (RFC 3396 long options included)', () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        expect(decodeDhcp(encodeDhcp(p))).toEqual(p);
      }),
      { numRuns: 300 },
    );
  });

  it('either decodes arbitrary bytes or throws DhcpCodecError, and what decodes round-trips', () => {
    const bytesArb = fc.oneof(
      fc.uint8Array({ maxLength: 700 }),
      // Valid header + magic with random option soup, so the option parser is actually exercised.
      fc.uint8Array({ maxLength: 500 }).map((tail) => {
        const b = new Uint8Array(240 + tail.length);
        b.set(header());
        b.set(tail, 240);
        return b;
      }),
    );
    fc.assert(
      fc.property(bytesArb, (bytes) => {
        let p: DhcpPacket;
        try {
          p = decodeDhcp(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(DhcpCodecError);
          return;
        }
        expect(decodeDhcp(encodeDhcp(p))).toEqual(p);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects truncated packets, wrong magic, bad op and long hardware addresses', () => {
    expect(() => decodeDhcp(new Uint8Array(239))).toThrow(/shorter than a DHCP header/);
    const badMagic = header();
    badMagic[239] = 0;
    expect(() => decodeDhcp(badMagic)).toThrow(/magic cookie/);
    const badOp = header();
    badOp[0] = 3;
    expect(() => decodeDhcp(badOp)).toThrow(/unknown op/);
    const longHw = header();
    longHw[2] = 17;
    expect(() => decodeDhcp(longHw)).toThrow(/exceeds 16/);
    expect(() => decodeDhcp(withOptions(53, 5, 1))).toThrow(/runs past the end/);
    expect(() => decodeDhcp(withOptions(53))).toThrow(/no length byte/);
    expect(() => decodeDhcp(withOptions(52, 1, 9, 255))).toThrow(/overload/);
    expect(() => decodeDhcp(new Uint8Array(9000))).toThrow(/longer than/);
  });

  it('concatenates repeated options and reads overloaded file and sname fields (RFC 2132 §9.3)', () => {
    const b = withOptions(52, 1, 3, 60, 3, 0x50, 0x58, 0x45, 53, 1, 1, 255);
    // file field (offset 108): the rest of option 60 and option 12; sname field (44): option 67.
    b.set([60, 6, 0x43, 0x6c, 0x69, 0x65, 0x6e, 0x74, 12, 2, 0x68, 0x69, 255], 108);
    b.set([67, 3, 0x61, 0x2e, 0x30, 255], 44);
    const p = decodeDhcp(b);
    expect(p.file).toBe('');
    expect(p.sname).toBe('');
    expect(new TextDecoder().decode(p.options.get(60))).toBe('PXEClient');
    expect(new TextDecoder().decode(p.options.get(12))).toBe('hi');
    expect(new TextDecoder().decode(p.options.get(67))).toBe('a.0');
    expect([...p.options.keys()]).toEqual([60, 53, 12, 67]);
  });

  it('accepts a missing end option and pad bytes, as real BOOTP clients send', () => {
    const p = decodeDhcp(withOptions(0, 0, 53, 1, 1, 0, 0));
    expect(p.options.get(Opt.MessageType)).toEqual(Uint8Array.of(1));
  });

  it('encodes a PXE request to the wire layout and pads replies to 300 bytes', () => {
    const p = buildRequest({
      type: MessageType.Discover,
      mac: '52:54:00:77:00:10',
      xid: 0x01020304,
      vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
      arch: 0,
      broadcast: true,
    });
    const bytes = encodeDhcp(p);
    expect(bytes.length).toBeGreaterThanOrEqual(MIN_PACKET_BYTES);
    expect([...bytes.subarray(0, 12)]).toEqual([1, 1, 6, 0, 1, 2, 3, 4, 0, 0, 0x80, 0]);
    expect([...bytes.subarray(28, 34)]).toEqual([0x52, 0x54, 0, 0x77, 0, 0x10]);
    expect([...bytes.subarray(236, 243)]).toEqual([99, 130, 83, 99, 53, 1, 1]);
    const back = decodeDhcp(bytes);
    expect(back.op).toBe(BootOp.Request);
    expect(macOf(back)).toBe('52:54:00:77:00:10');
  });

  it('refuses to encode what the wire cannot carry', () => {
    const p = buildRequest({ type: 1, mac: '52:54:00:00:00:01', xid: 1 });
    expect(() => encodeDhcp({ ...p, file: 'x'.repeat(129) })).toThrow(DhcpCodecError);
    expect(() => encodeDhcp({ ...p, ciaddr: '1.2.3' })).toThrow(DhcpCodecError);
    expect(() => encodeDhcp({ ...p, options: new Map([[52, Uint8Array.of(1)]]) })).toThrow(
      DhcpCodecError,
    );
    expect(() => macToChaddr('zz:00')).toThrow(DhcpCodecError);
  });
});

import { describe, expect, it } from 'vitest';
import {
  checkTimelines,
  dnsmasqAddresses,
  fetchedMs,
  parseLoopDelaySummary,
  type ClientBoot,
  type LogRow,
} from '../../../e2e/pxe/storm';

const A = '52:54:00:77:41:01';
const B = '52:54:00:77:41:02';

const row = (
  at: number,
  mac: string | null,
  clientIp: string | null,
  protocol: string,
  stage: string,
  detail = '',
): LogRow => ({ at, mac, clientIp, protocol, stage, detail });

/** A whole boot of `mac` at `ip`: DHCP, the NBP over TFTP, kernel and initrd over HTTP. */
const boot = (t: number, mac: string, ip: string): LogRow[] => [
  row(t, mac, null, 'dhcp', 'dhcp-offer'),
  row(t + 1, mac, ip, 'dhcp', 'dhcp-ack'),
  row(t + 2, mac, ip, 'tftp', 'tftp-sent', 'bootx64.efi'),
  row(t + 3, mac, ip, 'http', 'http-sent', 'GET /images/x/boot-kernel — 200'),
  row(t + 4, mac, ip, 'http', 'http-sent', 'GET /images/x/boot-initrd — 200'),
];

describe('checkTimelines', () => {
  it('counts every client whose timeline is whole and its own', () => {
    const v = checkTimelines(
      [...boot(100, A, '10.0.0.1'), ...boot(100, B, '10.0.0.2')],
      [A, B],
      100,
    );
    expect(v.faults).toEqual([]);
    expect(v.own).toEqual([A, B]);
    expect(Object.fromEntries(v.addresses)).toEqual({ [A]: '10.0.0.1', [B]: '10.0.0.2' });
  });

  it("finds a row from one client's address attributed to another MAC, or to none", () => {
    const rows = [
      ...boot(100, A, '10.0.0.1'),
      ...boot(100, B, '10.0.0.2'),
      row(110, B, '10.0.0.1', 'http', 'http-sent', 'GET /boot.ipxe — 200'),
      row(111, null, '10.0.0.2', 'tftp', 'tftp-sent', 'grubx64.efi'),
    ];
    const v = checkTimelines(rows, [A, B], 100);
    expect(v.own).toEqual([]);
    expect(v.faults).toEqual([
      'http http-sent "GET /boot.ipxe — 200" from 10.0.0.1 (52:54:00:77:41:01) is attributed to 52:54:00:77:41:02.',
      'tftp tftp-sent "grubx64.efi" from 10.0.0.2 (52:54:00:77:41:02) is attributed to no MAC.',
    ]);
  });

  it('finds two clients given one address, and a client that fetched no kernel', () => {
    const rows = [
      ...boot(100, A, '10.0.0.1'),
      row(100, B, '10.0.0.1', 'dhcp', 'dhcp-ack'),
      row(101, B, '10.0.0.1', 'tftp', 'tftp-sent', 'bootx64.efi'),
    ];
    const v = checkTimelines(rows, [A, B], 100);
    expect(v.own).toEqual([A]);
    expect(v.faults).toContain(`${B} and ${A} both got 10.0.0.1.`);
    expect(v.faults.some((f) => f.startsWith(`${B} has no kernel and initrd over HTTP`))).toBe(
      true,
    );
  });

  it("takes addresses from the router's leases beside a router, where the refused client asked last", () => {
    const rows = [
      row(100, A, '10.0.0.1', 'dhcp', 'proxy-client-address'),
      row(101, B, '10.0.0.1', 'dhcp', 'proxy-client-address'),
      ...boot(102, A, '10.0.0.1').slice(2),
    ];
    expect(checkTimelines(rows, [A, B], 100).faults).toContain(`${B} and ${A} both got 10.0.0.1.`);
    const v = checkTimelines(rows, [A, B], 100, new Map([[A, '10.0.0.1']]));
    expect(v.own).toEqual([A]);
    expect(v.faults).toEqual([`${B} has no lease from the router: dhcp:proxy-client-address.`]);
  });

  it('ignores rows written before the storm began', () => {
    const rows = [
      row(50, B, '10.0.0.1', 'http', 'http-sent', 'GET /boot.ipxe — 200'),
      ...boot(100, A, '10.0.0.1'),
    ];
    expect(checkTimelines(rows, [A], 100).own).toEqual([A]);
    expect(checkTimelines(rows, [A, B], 100).faults).toEqual([
      `${B} has no DHCP step with an address: .`,
    ]);
  });
});

describe('parseLoopDelaySummary', () => {
  it("reads serve's summary line among its other stderr lines", () => {
    const stderr =
      'LabBoot serving: HTTP 10.77.0.1:5248\n' +
      'event loop delay over 70 s: p50 0.1 ms, p99 21.6 ms, max 172.7 ms; boot events 53 in 40 writes; histogram <=1ms 2994, <=5ms 2245, <=20ms 654, <=50ms 71, >50ms 23\n';
    expect(parseLoopDelaySummary(stderr)).toEqual({
      line: 'event loop delay over 70 s: p50 0.1 ms, p99 21.6 ms, max 172.7 ms; boot events 53 in 40 writes; histogram <=1ms 2994, <=5ms 2245, <=20ms 654, <=50ms 71, >50ms 23',
      seconds: 70,
      p50Ms: 0.1,
      p99Ms: 21.6,
      maxMs: 172.7,
      bootEvents: 53,
      writes: 40,
      histogram: [2994, 2245, 654, 71, 23],
    });
  });

  it('is undefined when serve printed no summary', () => {
    expect(parseLoopDelaySummary('LabBoot serving: HTTP 10.77.0.1:5248\n')).toBeUndefined();
  });
});

describe('fetchedMs', () => {
  const client = (mac: string, spawnedAt: number, ms?: number): ClientBoot => ({
    client: { mac, firmware: 'bios', tap: 'tap0' },
    spawnedAt,
    ...(ms === undefined ? {} : { ms }),
  });

  it("times spawn to the later of kernel and initrd, by address, inside the client's own boot", () => {
    const rows = [
      // An earlier client had 10.0.0.1 before A was spawned: not A's.
      row(50, null, '10.0.0.1', 'http', 'http-sent', 'GET /images/x/boot-initrd — 200'),
      ...boot(100, A, '10.0.0.1'),
      // B's kernel, then a failed initrd, then the initrd.
      row(105, null, '10.0.0.2', 'http', 'http-sent', 'GET /images/x/boot-kernel — 200'),
      row(106, null, '10.0.0.2', 'http', 'http-failed', 'GET /images/x/boot-initrd'),
      row(109, null, '10.0.0.2', 'http', 'http-sent', 'GET /images/x/boot-initrd — 200'),
    ];
    const got = fetchedMs(
      rows,
      [client(A, 90, 50), client(B, 100), client('52:54:00:77:41:03', 100)],
      new Map([
        [A, '10.0.0.1'],
        [B, '10.0.0.2'],
      ]),
      1000,
    );
    expect(Object.fromEntries(got)).toEqual({ [A]: 14, [B]: 9 });
  });

  it('leaves out a client whose initrd never came', () => {
    const rows = boot(100, A, '10.0.0.1').slice(0, 4);
    expect(fetchedMs(rows, [client(A, 90)], new Map([[A, '10.0.0.1']]), 1000).size).toBe(0);
  });
});

describe('dnsmasqAddresses', () => {
  it("reads MAC to address from dnsmasq's lease lines", () => {
    const leases =
      '1765000000 52:54:00:77:41:01 10.77.0.100 * 01:52:54:00:77:41:01\n\n1765000001 52:54:00:77:41:02 10.77.0.101 host *\n';
    expect(Object.fromEntries(dnsmasqAddresses(leases))).toEqual({
      [A]: '10.77.0.100',
      [B]: '10.77.0.101',
    });
  });
});

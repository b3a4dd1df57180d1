import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { buildRequest } from '../../../../src-main/boot/dhcp/request';
import {
  ClientArch,
  Opt,
  clientArchOf,
  decodeTlv,
  encodeTlv,
  pxeBootItemOf,
  userClassesOf,
} from '../../../../src-main/boot/dhcp/options';
import {
  UEFI_PXE_PROXY_REFUSAL,
  chooseBoot,
  isPxeClient,
  refusalOf,
} from '../../../../src-main/boot/dhcp/boot-choice';
import { broadcastOf, inSubnet, netmaskOf } from '../../../../src-main/boot/dhcp/ipv4';
import { defaultRange, parseRange } from '../../../../src-main/boot/dhcp/dhcp-service';
import { BootLogStore } from '../../../../src-main/boot/dhcp/boot-log-store';
import { limitationsFor } from '../../../../src-main/boot/dhcp/limitations';

const targets = {
  bios: 'lpxelinux.0',
  uefiX64: 'bootx64.efi',
  uefiArm64: 'bootaa64.efi',
  httpX64: 'http://s/bootx64.efi',
  httpArm64: 'http://s/bootaa64.efi',
  ipxeScript: 'http://s/boot.ipxe',
};
const req = (o: Partial<Parameters<typeof buildRequest>[0]>) =>
  buildRequest({ type: 1, mac: '52:54:00:00:00:01', xid: 1, ...o });

describe('PXE option accessors', () => {
  it('reads the architecture from option 93, else from the option 60 Arch field', () => {
    expect(clientArchOf(req({ arch: 7 }))).toBe(7);
    expect(clientArchOf(req({ vendorClass: 'PXEClient:Arch:00011:UNDI:003000' }))).toBe(11);
    expect(clientArchOf(req({ vendorClass: 'MSFT 5.0' }))).toBeUndefined();
  });

  it('reads user classes both as RFC 3004 entries and as the bare string iPXE sends', () => {
    expect(userClassesOf(req({ userClass: 'iPXE' }))).toEqual(['iPXE']);
    const p = req({});
    p.options.set(Opt.UserClass, Uint8Array.of(4, 105, 80, 88, 69, 2, 104, 105));
    expect(userClassesOf(p)).toEqual(['iPXE', 'hi']);
  });

  it('encodes and decodes PXE sub-options and finds the boot item (43.71)', () => {
    const v = encodeTlv([
      [71, Uint8Array.of(0x80, 0, 0, 0)],
      [6, Uint8Array.of(3)],
    ]);
    expect(decodeTlv(v)).toEqual(
      new Map([
        [71, Uint8Array.of(0x80, 0, 0, 0)],
        [6, Uint8Array.of(3)],
      ]),
    );
    expect(pxeBootItemOf(req({ vendorSpecific: v }))).toEqual({ type: 0x8000, layer: 0 });
    expect(pxeBootItemOf(req({ vendorSpecific: Uint8Array.of(71, 9, 1) }))).toBeUndefined();
    expect(() => decodeTlv(Uint8Array.of(71, 9, 1))).toThrow(/runs past the end/);
  });
});

describe('boot file choice (MAAS boot methods + iPXE loop guard)', () => {
  const pick = (o: Partial<Parameters<typeof buildRequest>[0]>, mode: 'proxy' | 'full' = 'full') =>
    chooseBoot(req(o), targets, mode);

  it('maps each client architecture to its bootloader', () => {
    expect(pick({ vendorClass: 'PXEClient', arch: ClientArch.BiosX86 })?.file).toBe('lpxelinux.0');
    expect(pick({ vendorClass: 'PXEClient' })?.file).toBe('lpxelinux.0');
    expect(pick({ vendorClass: 'PXEClient', arch: ClientArch.EfiX64 })?.file).toBe('bootx64.efi');
    expect(pick({ vendorClass: 'PXEClient', arch: ClientArch.EfiBc })?.file).toBe('bootx64.efi');
    // Beside a router UEFI PXE gets nothing (GRUB would ask the router), and says why.
    expect(pick({ vendorClass: 'PXEClient', arch: ClientArch.EfiX64 }, 'proxy')).toBeUndefined();
    expect(pick({ vendorClass: 'PXEClient', arch: ClientArch.EfiBc }, 'proxy')).toBeUndefined();
    expect(refusalOf(req({ vendorClass: 'PXEClient', arch: ClientArch.EfiX64 }), 'proxy')).toBe(
      UEFI_PXE_PROXY_REFUSAL,
    );
    expect(refusalOf(req({ vendorClass: 'PXEClient', arch: ClientArch.EfiX64 }), 'full')).toBe(
      undefined,
    );
    expect(
      refusalOf(req({ vendorClass: 'PXEClient', arch: 7, userClass: 'iPXE' }), 'proxy'),
    ).toBeUndefined();
    expect(refusalOf(req({ vendorClass: 'PXEClient', arch: 0 }), 'proxy')).toBeUndefined();
    expect(refusalOf(req({ vendorClass: 'HTTPClient', arch: 16 }), 'proxy')).toBeUndefined();
    expect(pick({ vendorClass: 'PXEClient', arch: ClientArch.EfiArm64 })?.file).toBe(
      'bootaa64.efi',
    );
    expect(pick({ vendorClass: 'PXEClient', arch: ClientArch.EfiIa32 })).toBeUndefined();
  });

  it('gives HTTP boot clients a URL with HTTPClient, and iPXE its script', () => {
    expect(pick({ vendorClass: 'HTTPClient:Arch:00016', arch: 16 })).toEqual({
      kind: 'http-x64',
      file: 'http://s/bootx64.efi',
      httpClient: true,
      arch: 16,
    });
    expect(pick({ vendorClass: 'HTTPClient:Arch:00019', arch: 19 })?.file).toBe(
      'http://s/bootaa64.efi',
    );
    expect(pick({ vendorClass: 'PXEClient', arch: 7, userClass: 'iPXE' })?.file).toBe(
      'http://s/boot.ipxe',
    );
    // iPXE beside a router (a UEFI iPXE ROM too) gets its script, and HTTP Boot its URL.
    expect(pick({ vendorClass: 'PXEClient', arch: 7, userClass: 'iPXE' }, 'proxy')?.file).toBe(
      'http://s/boot.ipxe',
    );
    expect(pick({ vendorClass: 'HTTPClient:Arch:00016', arch: 16 }, 'proxy')?.file).toBe(
      'http://s/bootx64.efi',
    );
    expect(isPxeClient(req({ vendorClass: 'HTTPClient' }))).toBe(true);
    expect(isPxeClient(req({ vendorClass: 'MSFT 5.0' }))).toBe(false);
  });
});

describe('subnets and ranges', () => {
  const s = { address: '192.168.10.1', prefixLength: 24 };

  it('computes masks, broadcast and membership', () => {
    expect(netmaskOf(s)).toBe('255.255.255.0');
    expect(broadcastOf(s)).toBe('192.168.10.255');
    expect(inSubnet('192.168.10.77', s)).toBe(true);
    expect(inSubnet('192.168.11.77', s)).toBe(false);
  });

  it('defaults to the upper part of the subnet and checks --range with a clear message', () => {
    expect(defaultRange(s)).toEqual({ first: '192.168.10.128', last: '192.168.10.254' });
    expect(defaultRange({ address: '10.0.0.1', prefixLength: 16 })).toEqual({
      first: '10.0.255.55',
      last: '10.0.255.254',
    });
    expect(parseRange('192.168.10.100-192.168.10.150', s, 'eth0')).toEqual({
      first: '192.168.10.100',
      last: '192.168.10.150',
    });
    expect(() => parseRange('10.0.0.1-10.0.0.9', s, 'eth0')).toThrow(
      /not inside eth0's subnet 192\.168\.10\.0\/24/,
    );
    expect(() => parseRange('192.168.10.9-192.168.10.1', s, 'eth0')).toThrow(/lowest first/);
    expect(() => parseRange('100-200', s, 'eth0')).toThrow(/not FIRST-LAST/);
    expect(() => defaultRange({ address: '10.0.0.1', prefixLength: 30 })).toThrow(/too small/);
  });
});

describe('boot log', () => {
  let db: Database | undefined;
  afterEach(() => db?.close());

  it('joins TFTP and HTTP rows to the MAC through the address DHCP gave it, and prunes old rows', () => {
    db = openDatabase(':memory:');
    // Rows stamped near the epoch: a clock just after them keeps the age limit out of the way.
    const log = new BootLogStore(db, {
      limits: () => ({ maxAgeDays: 30, maxEvents: 600 }),
      now: () => 5_000,
    });
    const mac = '52:54:00:77:00:10';
    log.record({
      at: 1,
      mac,
      clientIp: '10.0.0.50',
      protocol: 'dhcp',
      stage: 'dhcp-ack',
      detail: '10.0.0.50',
    });
    log.record({
      at: 2,
      mac: null,
      clientIp: '10.0.0.50',
      protocol: 'tftp',
      stage: 'tftp-complete',
      detail: 'lpxelinux.0',
    });
    log.record({
      at: 3,
      mac: null,
      clientIp: '10.0.0.51',
      protocol: 'tftp',
      stage: 'tftp-complete',
      detail: 'other',
    });
    log.record({
      at: 4,
      mac: null,
      clientIp: '10.0.0.50',
      protocol: 'http',
      stage: 'http-sent',
      detail: 'vmlinuz',
    });
    expect(log.timeline(mac).map((e) => e.stage)).toEqual([
      'dhcp-ack',
      'tftp-complete',
      'http-sent',
    ]);
    expect(log.clients()).toEqual([{ mac, lastAt: 1 }]);
    for (let i = 0; i < 1000; i++)
      log.record({
        at: 10 + i,
        mac: null,
        clientIp: null,
        protocol: 'http',
        stage: 'x',
        detail: '',
      });
    const count = (db.prepare('SELECT COUNT(*) AS n FROM boot_events').get() as { n: number }).n;
    expect(count).toBeLessThanOrEqual(600 + 500);
  });

  it('says in one sentence each what UEFI needs beside a router, by what the GRUB can do', () => {
    const ids = (mode: 'proxy' | 'full' | 'off', grub?: 'http' | 'no-http' | 'unknown') =>
      limitationsFor(mode, grub).map((l) => l.id);
    expect(ids('proxy', 'http')).toEqual(['uefi-proxy-http-boot', 'secure-boot-proxy']);
    expect(ids('proxy')).toEqual(['uefi-proxy-http-boot', 'secure-boot-proxy']);
    expect(limitationsFor('proxy', 'http')[0]?.message).toMatch(
      /switch on HTTP Boot \(IPv4\) in the firmware setup and put it before PXE/,
    );
    expect(limitationsFor('proxy', 'http')[1]?.message).toMatch(
      /^Secure Boot beside your router works only through that HTTP Boot, with a signed GRUB that has http, as this stream's has\.$/,
    );
    // A GRUB without http cannot fetch its config after HTTP Boot, Secure Boot or not.
    expect(ids('proxy', 'no-http')).toEqual(['uefi-proxy-no-http']);
    expect(limitationsFor('proxy', 'no-http')[0]?.message).toMatch(
      /cannot boot with this stream's GRUB, with Secure Boot or without.*--dhcp full/,
    );
    expect(ids('full', 'http')).toEqual([]);
    expect(ids('full', 'no-http')).toEqual(['uefi-no-http']);
    expect(ids('off')).toEqual(['dhcp-off']);
    // One sentence each: no full stop before the end.
    for (const mode of ['proxy', 'full', 'off'] as const)
      for (const grub of ['http', 'no-http', 'unknown'] as const)
        for (const l of limitationsFor(mode, grub))
          expect(l.message.slice(0, -1), l.message).not.toMatch(/\.\s/);
  });
});

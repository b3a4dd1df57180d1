import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../../src-main/store/database';
import { UEFI_PXE_PROXY_REFUSAL } from '../../../../src-main/boot/dhcp/boot-choice';
import { defaultTargets } from '../../../../src-main/boot/dhcp/dhcp-part';
import { DhcpResponder, type Arrival } from '../../../../src-main/boot/dhcp/responder';
import { LeaseStore } from '../../../../src-main/boot/dhcp/lease-store';
import { buildRequest } from '../../../../src-main/boot/dhcp/request';
import { MessageType, Opt, stringOption } from '../../../../src-main/boot/dhcp/options';
import { limitationsFor } from '../../../../src-main/boot/dhcp/limitations';
import { GrubHttpProbe } from '../../../../src-main/boot/config/grub-http';
import type { BootloaderFiles } from '../../../../src-main/store/boot-resources';
import { makeTempDir } from '../../../helpers/temp-dir';

// What AAVMF (EDK2 for arm64) sends: PXE as arch 11, HTTP Boot as arch 19.
const AAVMF_PXE = 'PXEClient:Arch:00011:UNDI:003000';
const AAVMF_HTTP = 'HTTPClient:Arch:00019:UNDI:003000';
const subnet = { address: '10.77.0.1', prefixLength: 24 };
const targets = defaultTargets('10.77.0.1', 5248);
const from67: Arrival = { address: '0.0.0.0', port: 68, localPort: 67 };
const T0 = 1_700_000_000_000;

const discover = (mac: string, vendorClass: string, arch: number) =>
  buildRequest({ type: MessageType.Discover, mac, xid: 7, vendorClass, arch });

let db: Database | undefined;
afterEach(() => {
  db?.close();
  db = undefined;
});

function fullResponder(): DhcpResponder {
  db = openDatabase(':memory:');
  return new DhcpResponder(
    { mode: 'full', subnet, targets, range: { first: '10.77.0.20', last: '10.77.0.29' } },
    new LeaseStore(db, 'eth0'),
  );
}

describe('arm64 UEFI clients', () => {
  it('full DHCP offers arm64 PXE the shim bootaa64.efi over TFTP, with an address', () => {
    const out = fullResponder().handle(discover('52:54:00:77:00:40', AAVMF_PXE, 11), from67, T0);
    expect(out.reply?.packet.file).toBe('bootaa64.efi');
    expect(out.reply?.packet.siaddr).toBe('10.77.0.1');
    expect(out.reply?.packet.yiaddr).toBe('10.77.0.20');
    expect(out.event?.detail).toContain('uefi-arm64 bootaa64.efi (arch 11)');
  });

  it('beside a router arm64 PXE gets no offer and one boot-log line saying to use HTTP Boot', () => {
    const r = new DhcpResponder({ mode: 'proxy', subnet, targets }, undefined);
    const out = r.handle(discover('52:54:00:77:00:41', AAVMF_PXE, 11), from67, T0);
    expect(out.reply).toBeUndefined();
    expect(out.event).toEqual({
      mac: '52:54:00:77:00:41',
      clientIp: null,
      stage: 'proxy-no-offer',
      detail: UEFI_PXE_PROXY_REFUSAL,
    });
    const retry = r.handle(discover('52:54:00:77:00:41', AAVMF_PXE, 11), from67, T0 + 4_000);
    expect(retry.reply).toBeUndefined();
    expect(retry.event).toBeUndefined();
  });

  it('arm64 HTTP Boot gets the URI of bootaa64.efi and HTTPClient, in proxy and full mode', () => {
    const proxy = new DhcpResponder({ mode: 'proxy', subnet, targets }, undefined).handle(
      discover('52:54:00:77:00:42', AAVMF_HTTP, 19),
      from67,
      T0,
    );
    const full = fullResponder().handle(discover('52:54:00:77:00:43', AAVMF_HTTP, 19), from67, T0);
    for (const out of [proxy, full]) {
      const p = out.reply?.packet;
      expect(p?.file).toBe('http://10.77.0.1:5248/images/bootaa64.efi');
      expect(p === undefined ? undefined : stringOption(p, Opt.VendorClass)).toBe('HTTPClient');
    }
    expect(proxy.reply?.packet.yiaddr).toBe('0.0.0.0');
    expect(full.reply?.packet.yiaddr).toBe('10.77.0.20');
  });
});

describe('what the arm64 GRUB rules out', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.remove());

  /** A stored bootloader product holding one GRUB image. */
  const product = (arch: string, file: string, bytes: string): BootloaderFiles => {
    const dir = join(tmp.path, `${arch}-${bytes.length}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), bytes);
    return { os: 'grub-efi', bootloaderType: 'uefi', arch, version: '20231004.0', dir };
  };

  it('reads grubaa64.efi of the arm64 product, apart from the x86-64 one', () => {
    const withHttp = 'MZ… User-Agent: GRUB … unsupported HTTP response …';
    const probe = new GrubHttpProbe();
    const x64 = product('amd64', 'grubx64.efi', withHttp);
    expect(probe.of([x64, product('arm64', 'grubaa64.efi', 'MZ no http')], 'arm64')).toBe(
      'no-http',
    );
    expect(probe.of([x64], 'amd64')).toBe('http');
    expect(probe.of([x64], 'arm64')).toBe('unknown');
    expect(probe.of([product('arm64', 'grubaa64.efi', withHttp)], 'arm64')).toBe('http');
  });

  it('says in one sentence when an arm64 GRUB without http cannot boot, per DHCP mode', () => {
    const ids = (mode: 'proxy' | 'full' | 'off', arm64: 'http' | 'no-http') =>
      limitationsFor(mode, 'http', arm64).map((l) => l.id);
    expect(ids('proxy', 'no-http')).toContain('arm64-proxy-no-http');
    expect(ids('full', 'no-http')).toEqual(['arm64-no-http']);
    expect(ids('proxy', 'http')).not.toContain('arm64-proxy-no-http');
    expect(ids('full', 'http')).toEqual([]);
    const [proxy] = limitationsFor('proxy', 'unknown', 'no-http').filter((l) =>
      l.id.startsWith('arm64'),
    );
    expect(proxy?.message).toMatch(/^arm64 UEFI machines beside your router cannot boot .*\.$/);
  });
});

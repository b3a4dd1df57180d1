/**
 * Boot paths: what a DHCP request announces, what a User-Agent says, and how the serve line, the
 * stored step and `labboot log` write the path and a probe.
 */
import { describe, expect, it } from 'vitest';
import { bootPathOfUserAgent } from '../../../src-shared/boot/boot-path';
import { formatBootEvent, type BootServeEvent } from '../../../src-shared/boot/events';
import { bootStep, formatBootStep, stepOk } from '../../../src-shared/boot/steps';
import { requestBootPath } from '../../../src-main/boot/dhcp/request-boot-path';
import { buildRequest, type RequestSpec } from '../../../src-main/boot/dhcp/request';
import { MessageType } from '../../../src-main/boot/dhcp/options';

const request = (spec: Partial<RequestSpec>) =>
  buildRequest({ type: MessageType.Discover, mac: '52:54:00:00:00:01', xid: 1, ...spec });

describe('requestBootPath', () => {
  it('reads PXE, UEFI HTTP Boot and iPXE from the request, and nothing from a plain one', () => {
    expect(
      requestBootPath(request({ vendorClass: 'PXEClient:Arch:00000:UNDI:002001', arch: 0 })),
    ).toBe('pxe');
    expect(
      requestBootPath(request({ vendorClass: 'PXEClient:Arch:00007:UNDI:003016', arch: 7 })),
    ).toBe('pxe');
    expect(
      requestBootPath(request({ vendorClass: 'HTTPClient:Arch:00016:UNDI:003001', arch: 16 })),
    ).toBe('http-boot');
    expect(requestBootPath(request({ vendorClass: 'HTTPClient', arch: 19 }))).toBe('http-boot');
    // An HTTP architecture alone is enough (some firmware sends PXEClient with arch 16).
    expect(requestBootPath(request({ vendorClass: 'PXEClient', arch: 16 }))).toBe('http-boot');
    expect(
      requestBootPath(
        request({ vendorClass: 'PXEClient:Arch:00000:UNDI:002001', arch: 0, userClass: 'iPXE' }),
      ),
    ).toBe('ipxe');
    expect(requestBootPath(request({ hostname: 'node1' }))).toBeNull();
    expect(requestBootPath(request({ vendorClass: 'udhcp 1.36.1' }))).toBeNull();
  });
});

describe('bootPathOfUserAgent', () => {
  it('knows iPXE and EDK II HTTP Boot, and nothing else', () => {
    expect(bootPathOfUserAgent('iPXE/1.21.1+ (g4bd064de)')).toBe('ipxe');
    expect(bootPathOfUserAgent('UefiHttpBoot/1.0')).toBe('http-boot');
    expect(bootPathOfUserAgent('GRUB 2.12')).toBeUndefined();
    expect(bootPathOfUserAgent('curl/8.5.0')).toBeUndefined();
    expect(bootPathOfUserAgent(undefined)).toBeUndefined();
  });
});

const at = '2026-11-26T02:00:00.000Z';

describe('the path and a probe in the boot log lines', () => {
  it('ends serve and log lines with the path, and keeps a probe from reading as a failure', () => {
    const probe: BootServeEvent = {
      protocol: 'tftp',
      at,
      client: '10.0.0.5',
      file: 'pxelinux.cfg/C0A80A05',
      outcome: 'not-found',
      bytes: 0,
      durationMs: 0,
      bytesPerSecond: 0,
      blksize: null,
      windowsize: null,
      detail: 'probed for pxelinux.cfg/C0A80A05, not served (an expected probe, not a failure)',
      mac: '52:54:00:00:00:01',
      probe: true,
      bootPath: 'pxe',
    };
    expect(formatBootEvent(probe)).toBe(
      `${at} tftp 10.0.0.5 pxelinux.cfg/C0A80A05 not-found 0 B in 0 ms (probed for pxelinux.cfg/C0A80A05, not served (an expected probe, not a failure)) via PXE/TFTP`,
    );
    const step = bootStep(probe);
    expect(step).toMatchObject({ stage: 'tftp-probe', bootPath: 'pxe' });
    expect(stepOk(step.stage)).toBe(true);
    expect(bootStep({ ...probe, probe: undefined }).stage).toBe('tftp-failed');

    const http: BootServeEvent = {
      protocol: 'http',
      at,
      client: '10.0.0.6',
      method: 'GET',
      path: '/snponly.efi',
      status: 404,
      bytes: 10,
      durationMs: 1,
      detail: "asked for snponly.efi, not in the stream's bootloaders",
      bootPath: 'http-boot',
    };
    expect(formatBootEvent(http)).toBe(
      `${at} http 10.0.0.6 GET /snponly.efi 404 10 B in 1 ms (asked for snponly.efi, not in the stream's bootloaders) via HTTP Boot`,
    );
    expect(formatBootStep(bootStep(http))).toBe(
      `${at} http 10.0.0.6 GET /snponly.efi — 404, 10 B (asked for snponly.efi, not in the stream's bootloaders) via HTTP Boot`,
    );
    const dhcp: BootServeEvent = {
      protocol: 'dhcp',
      at,
      client: '',
      mac: '52:54:00:00:00:07',
      stage: 'proxy-ack',
      detail: 'ipxe http://10.0.0.1:5248/boot.ipxe',
      bootPath: 'ipxe',
    };
    expect(formatBootEvent(dhcp)).toBe(
      `${at} dhcp 52:54:00:00:00:07 proxy-ack ipxe http://10.0.0.1:5248/boot.ipxe via iPXE`,
    );
    expect(formatBootStep(bootStep(dhcp))).toBe(formatBootEvent(dhcp));
    // No path known: the line is as before, and the step carries none (as a stored row would).
    expect(bootStep({ ...dhcp, bootPath: null })).not.toHaveProperty('bootPath');
    expect(formatBootEvent({ ...dhcp, bootPath: null })).toBe(
      `${at} dhcp 52:54:00:00:00:07 proxy-ack ipxe http://10.0.0.1:5248/boot.ipxe`,
    );
  });
});

/** Boot-log steps: the stored form of live events, their success, the dhcp line, and the UI merge. */
import { describe, expect, it } from 'vitest';
import { bootStep, stepOk } from '../../../src-shared/boot/steps';
import { formatBootEvent, type BootServeEvent } from '../../../src-shared/boot/events';
import { mergeSteps } from '../../../src-renderer/lib/boot-log';

const at = '2026-11-26T02:00:00.000Z';
const ms = Date.parse(at);

const tftp: BootServeEvent = {
  protocol: 'tftp',
  at,
  client: '::ffff:10.0.0.5',
  file: 'lpxelinux.0',
  outcome: 'complete',
  bytes: 2048,
  durationMs: 500,
  bytesPerSecond: 4096,
  blksize: 1468,
  windowsize: null,
  detail: null,
  mac: '52:54:00:00:00:01',
};
const http: BootServeEvent = {
  protocol: 'http',
  at,
  client: '10.0.0.5',
  method: 'GET',
  path: '/missing',
  status: 404,
  bytes: 0,
  durationMs: 1,
};
const dhcp: BootServeEvent = {
  protocol: 'dhcp',
  at,
  client: '',
  mac: '52:54:00:00:00:01',
  stage: 'proxy-offer',
  detail: 'bios lpxelinux.0',
};

describe('bootStep', () => {
  it('stores TFTP with the MAC, a plain address, size and rate', () => {
    expect(bootStep(tftp)).toEqual({
      at: ms,
      mac: '52:54:00:00:00:01',
      clientIp: '10.0.0.5',
      protocol: 'tftp',
      stage: 'tftp-sent',
      detail: 'lpxelinux.0 — complete, 2.0 KiB, 4.0 KiB/s',
    });
  });

  it('marks an HTTP error as failed and a MAC-less request as unknown', () => {
    expect(bootStep(http)).toMatchObject({
      mac: null,
      stage: 'http-failed',
      detail: 'GET /missing — 404, 0 B',
    });
  });

  it('keeps a DHCP step as the DHCP server wrote it, with no address yet', () => {
    expect(bootStep(dhcp)).toEqual({
      at: ms,
      mac: '52:54:00:00:00:01',
      clientIp: null,
      protocol: 'dhcp',
      stage: 'proxy-offer',
      detail: 'bios lpxelinux.0',
    });
    expect(formatBootEvent(dhcp)).toBe(`${at} dhcp 52:54:00:00:00:01 proxy-offer bios lpxelinux.0`);
  });
});

describe('stepOk', () => {
  it('reads failures from the stage name', () => {
    expect(['dhcp-ack', 'proxy-ack', 'tftp-sent', 'http-sent'].map(stepOk)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(
      ['tftp-failed', 'http-failed', 'dhcp-decline', 'dhcp-nak', 'dhcp-pool-exhausted'].map(stepOk),
    ).toEqual([false, false, false, false, false]);
  });
});

describe('mergeSteps', () => {
  it('shows stored history once, then live steps, in time order', () => {
    const stored = [bootStep(dhcp), bootStep(tftp)];
    const later = bootStep({ ...http, at: new Date(ms + 1000).toISOString() });
    const earlier = { ...bootStep(dhcp), at: ms - 1000, stage: 'dhcp-offer' };
    const merged = mergeSteps(stored, [bootStep(tftp), later, earlier]);
    expect(merged.map((s) => s.stage)).toEqual([
      'dhcp-offer',
      'proxy-offer',
      'tftp-sent',
      'http-failed',
    ]);
  });
});

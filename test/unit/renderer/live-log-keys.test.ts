import { describe, expect, it } from 'vitest';
import type { BootStep } from '../../../src-shared/boot/events';
import { timelineKeys } from '../../../src-renderer/screens/boot/live-log';

const step = (at: number, detail: string): BootStep => ({
  at,
  mac: null,
  clientIp: '127.0.0.2',
  protocol: 'http',
  stage: 'http-sent',
  detail,
});

describe('timelineKeys', () => {
  it('keeps the key of every step still shown when the window moves on by one', () => {
    const steps = Array.from({ length: 41 }, (_, i) => step(1000 + i, `GET /f${i} — 200, 1 B`));
    const before = timelineKeys(steps.slice(0, 40));
    const after = timelineKeys(steps.slice(1, 41));
    expect(after.slice(0, 39)).toEqual(before.slice(1));
    expect(after[39]).not.toBe(before[0]);
  });

  it('tells apart identical steps of the same millisecond', () => {
    const same = step(1000, 'GET /boot.ipxe — 200, 1 B');
    const keys = timelineKeys([same, same, step(1001, 'x')]);
    expect(new Set(keys).size).toBe(3);
  });
});

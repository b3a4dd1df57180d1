import { describe, expect, it } from 'vitest';
import { clientBootPath } from '../../../src-renderer/screens/boot/client-boot-path';
import type { BootStep } from '../../../src-shared/boot/events';

const step = (bootPath?: BootStep['bootPath']): BootStep => ({
  at: 0,
  mac: '52:54:00:00:00:01',
  clientIp: '10.0.0.5',
  protocol: 'http',
  stage: 'http-sent',
  detail: 'GET /boot.ipxe — 200, 1 B',
  ...(bootPath === undefined ? {} : { bootPath }),
});

describe('the boot path the live log shows per client', () => {
  it('is the newest step’s path that is known', () => {
    expect(clientBootPath([step('pxe'), step('ipxe'), step(null), step()])).toBe('iPXE');
    expect(clientBootPath([step('http-boot')])).toBe('HTTP Boot');
    expect(clientBootPath([step('pxe')])).toBe('PXE/TFTP');
  });

  it('is unknown until a step names one', () => {
    expect(clientBootPath([step(), step(null)])).toBeUndefined();
    expect(clientBootPath([])).toBeUndefined();
  });
});

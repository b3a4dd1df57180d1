import { describe, expect, it } from 'vitest';
import { accelSentence, pickAccel } from '../../../src-main/testboot/accel';

const probe = (platform: NodeJS.Platform, kvm: boolean, hvf: boolean) => ({
  platform,
  kvmUsable: () => kvm,
  hvfSupported: () => hvf,
});

describe('pickAccel', () => {
  it('takes KVM, HVF or WHPX where the platform has it, else TCG, and says TCG is slow', () => {
    expect(pickAccel(probe('linux', true, false))).toBe('kvm');
    expect(pickAccel(probe('linux', false, false))).toBe('tcg');
    expect(pickAccel(probe('darwin', false, true))).toBe('hvf');
    expect(pickAccel(probe('darwin', false, false))).toBe('tcg');
    expect(pickAccel(probe('win32', false, false))).toBe('whpx');
    expect(pickAccel(probe('freebsd', true, true))).toBe('tcg');
    expect(accelSentence('tcg')).toMatch(/slow/);
  });
});

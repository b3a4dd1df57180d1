/**
 * Picks the fastest QEMU accelerator this machine offers a test boot: KVM on Linux when /dev/kvm
 * can be opened for reading and writing by this user, HVF on macOS when the hypervisor framework is
 * supported, WHPX on Windows (QEMU falls back to TCG when the Windows Hypervisor Platform is off),
 * else TCG, QEMU's emulator, which boots several times slower.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** A QEMU accelerator. */
export type Accel = 'kvm' | 'hvf' | 'whpx' | 'tcg';

/** What the choice is made from (injectable for tests). */
export interface AccelProbe {
  readonly platform: NodeJS.Platform;
  /** Whether /dev/kvm opens read-write for this user. */
  readonly kvmUsable: () => boolean;
  /** Whether macOS says the hypervisor framework is supported (`sysctl kern.hv_support`). */
  readonly hvfSupported: () => boolean;
}

/** The probes of this machine. */
export const hostAccelProbe: AccelProbe = {
  platform: process.platform,
  kvmUsable: () => {
    try {
      accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
  hvfSupported: () => {
    try {
      return execFileSync('sysctl', ['-n', 'kern.hv_support'], { encoding: 'utf8' }).trim() === '1';
    } catch {
      return false;
    }
  },
};

/** pickAccel returns the accelerator to ask QEMU for. */
export function pickAccel(probe: AccelProbe = hostAccelProbe): Accel {
  if (probe.platform === 'linux') return probe.kvmUsable() ? 'kvm' : 'tcg';
  if (probe.platform === 'darwin') return probe.hvfSupported() ? 'hvf' : 'tcg';
  if (probe.platform === 'win32') return 'whpx';
  return 'tcg';
}

/** accelSentence says in words which accelerator runs the VM. */
export function accelSentence(accel: Accel): string {
  switch (accel) {
    case 'kvm':
      return 'KVM acceleration';
    case 'hvf':
      return 'HVF acceleration';
    case 'whpx':
      return 'WHPX acceleration (TCG if the Windows Hypervisor Platform is off)';
    case 'tcg':
      return 'TCG emulation, no hardware acceleration: expect a slow boot';
  }
}

import { describe, expect, it } from 'vitest';
import { qemuCommand } from '../../../src-main/testboot/qemu-command';

const base = {
  accel: 'tcg' as const,
  memoryMiB: 512,
  mac: '52:54:00:aa:bb:cc',
  bootUrl: 'http://10.0.2.2:8080/boot.ipxe',
  consoleLog: '/tmp/vm,1/console.log',
};

/** The value after `flag`, each time it occurs. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('qemuCommand', () => {
  it('boots a BIOS VM from the network on user-mode networking, the console on stdout and a log', () => {
    const args = qemuCommand({ ...base, firmware: 'bios' });
    expect(values(args, '-netdev')).toEqual([
      'user,id=net0,bootfile=http://10.0.2.2:8080/boot.ipxe',
    ]);
    expect(values(args, '-device')).toEqual([
      'virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc,bootindex=1',
    ]);
    // A comma inside a value is doubled, as QEMU reads it.
    expect(values(args, '-chardev')).toEqual([
      'stdio,id=console,signal=off,logfile=/tmp/vm,,1/console.log',
    ]);
    expect(values(args, '-accel')).toEqual(['tcg']);
    expect(values(args, '-cpu')).toEqual(['max']);
    expect(values(args, '-boot')).toEqual(['order=n']);
    expect(values(args, '-drive')).toEqual([]);
    expect(args).not.toContain('tap');
  });

  it('gives a UEFI VM OVMF as flash, with its own copy of the variables, and the host CPU under KVM', () => {
    const args = qemuCommand({
      ...base,
      accel: 'kvm',
      firmware: 'uefi',
      uefi: {
        firmware: {
          code: '/usr/share/OVMF/OVMF_CODE_4M.fd',
          codeFormat: 'raw',
          varsTemplate: '/usr/share/OVMF/OVMF_VARS_4M.fd',
          varsFormat: 'raw',
        },
        vars: '/tmp/vm/OVMF_VARS.fd',
      },
    });
    expect(values(args, '-drive')).toEqual([
      'if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
      'if=pflash,format=raw,unit=1,file=/tmp/vm/OVMF_VARS.fd',
    ]);
    expect(values(args, '-cpu')).toEqual(['host']);
    expect(values(args, '-boot')).toEqual([]);
  });

  it('gives a deploy test boot its raw disk after the network, and lets the VM reboot', () => {
    const plain = qemuCommand({ ...base, firmware: 'bios' });
    expect(plain).toContain('-no-reboot');
    const args = qemuCommand({ ...base, firmware: 'bios', disk: '/tmp/vm,1/disk.raw' });
    expect(values(args, '-drive')).toEqual([
      'file=/tmp/vm,,1/disk.raw,format=raw,if=none,id=disk0,cache=writeback',
    ]);
    expect(values(args, '-device')).toEqual([
      'virtio-net-pci,netdev=net0,mac=52:54:00:aa:bb:cc,bootindex=1',
      'virtio-blk-pci,drive=disk0,bootindex=2',
    ]);
    expect(values(args, '-boot')).toEqual([]);
    expect(args).not.toContain('-no-reboot');
  });
});

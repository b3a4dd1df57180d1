/**
 * The QEMU command line of a test boot: a q35 PC with one virtio NIC on QEMU's user-mode network
 * (no root, no tap, nothing on the real LAN) whose built-in DHCP server hands the VM LabBoot's iPXE
 * script URL as its boot file. QEMU's own network boot ROM for the NIC is iPXE, for BIOS (SeaBIOS)
 * and for UEFI (OVMF loads the ROM's EFI driver, which boots before OVMF's own PXE), so both fetch
 * the same `boot.ipxe` a real iPXE machine gets, over HTTP. The serial console goes to stdout and
 * to a log file. Pure.
 */
import type { Accel } from './accel';
import type { UefiFirmware } from './uefi-firmware';

/** Everything the command line is built from. */
export interface QemuCommandInput {
  readonly firmware: 'bios' | 'uefi';
  readonly accel: Accel;
  readonly memoryMiB: number;
  readonly mac: string;
  /** The iPXE script URL as the VM reaches it (the host is 10.0.2.2 from inside user-mode net). */
  readonly bootUrl: string;
  /** Where QEMU writes a copy of the serial console. */
  readonly consoleLog: string;
  /** OVMF and the VM's own copy of its variable store (UEFI only). */
  readonly uefi?: { readonly firmware: UefiFirmware; readonly vars: string };
  /**
   * A deploy test boot's raw disk file: a virtio disk booted after the network, and the VM may
   * reboot (the installer ends in one, and the next network boot hands over to the disk).
   */
  readonly disk?: string;
}

/** QEMU reads a comma inside an option value as a doubled comma. */
const v = (value: string): string => value.replaceAll(',', ',,');

/** qemuCommand returns QEMU's arguments for a test boot. */
export function qemuCommand(input: QemuCommandInput): string[] {
  const args = [
    '-name',
    'labboot-testboot',
    '-machine',
    'q35',
    '-accel',
    input.accel,
    // TCG emulates every feature it knows; an accelerator passes the host's CPU through.
    '-cpu',
    input.accel === 'tcg' ? 'max' : 'host',
    '-m',
    String(input.memoryMiB),
    '-smp',
    '1',
    // Also tells SeaBIOS to write its console, and the iPXE ROM's, to the serial port.
    '-nographic',
    '-vga',
    'none',
    '-monitor',
    'none',
    ...(input.disk === undefined ? ['-no-reboot'] : []),
    '-chardev',
    `stdio,id=console,signal=off,logfile=${v(input.consoleLog)}`,
    '-serial',
    'chardev:console',
    '-netdev',
    `user,id=net0,bootfile=${v(input.bootUrl)}`,
    '-device',
    `virtio-net-pci,netdev=net0,mac=${input.mac},bootindex=1`,
  ];
  if (input.disk !== undefined)
    args.push(
      '-drive',
      `file=${v(input.disk)},format=raw,if=none,id=disk0,cache=writeback`,
      '-device',
      'virtio-blk-pci,drive=disk0,bootindex=2',
    );
  if (input.firmware === 'bios') {
    // With a disk, the bootindex order (network, then disk) decides.
    if (input.disk === undefined) args.push('-boot', 'order=n');
  } else {
    const u = input.uefi;
    if (u === undefined) throw new Error('a UEFI test boot needs OVMF');
    args.push(
      '-drive',
      `if=pflash,format=${u.firmware.codeFormat},unit=0,readonly=on,file=${v(u.firmware.code)}`,
      '-drive',
      `if=pflash,format=${u.firmware.varsFormat},unit=1,file=${v(u.vars)}`,
    );
  }
  return args;
}

/**
 * Boots a QEMU VM (TCG: this host's nested KVM runs firmware real-mode code many times slower) from
 * the network inside a test namespace and waits for the initramfs marker on the serial console.
 * BIOS uses SeaBIOS with QEMU's iPXE ROM on an e1000 (as itself, or asking like a plain PXE ROM:
 * `bios-pxe`); UEFI uses OVMF's own EDK2 network boot on virtio-net without an option ROM, which is
 * what a real UEFI machine's built-in PXE and HTTP Boot do (shared/pxe-lab README §2).
 */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetnsLab } from '../../helpers/netns/netns-lab';
import { MARKER } from './payloads';
import { attachPlainPxeConsole } from './plain-pxe-console';

/**
 * Firmware of the test VM. `bios-pxe` is a BIOS machine whose PXE ROM is not iPXE (what most real
 * BIOS NICs carry): QEMU's iPXE ROM with its DHCP user class changed over the serial console
 * (plain-pxe-console.ts), so it is offered lpxelinux.0 and runs it through its PXE API.
 * `uefi` boots by PXE (arch 7); `uefi-http` only by HTTP Boot (arch 16), with PXE switched off in
 * the firmware as a user does beside a router; `uefi-sb` by PXE with Secure Boot on (OVMF with
 * Microsoft's keys enrolled, q35 with SMM), so shim, GRUB and kernel must all be signed.
 */
export type Firmware = 'bios' | 'bios-pxe' | 'uefi' | 'uefi-http' | 'uefi-sb';

/** VmOptions describe one boot. */
export interface VmOptions {
  readonly firmware: Firmware;
  /** Namespace holding the tap device. */
  readonly ns: string;
  readonly tap: string;
  readonly mac: string;
  /** Folder for the serial log, OVMF vars and the command line. */
  readonly work: string;
  /** Hard limit for the whole boot. */
  readonly timeoutMs: number;
  /** Guest RAM in MiB (default 768). */
  readonly memoryMiB?: number;
  /** The server's log so far; its tail goes into every failure message beside the serial tail. */
  readonly serverLog?: () => string;
  /** A machine other than the x86 PC (arm64-vm.ts): its QEMU binary and command line. */
  readonly machine?: {
    readonly binary: string;
    readonly args: (o: VmOptions, serialLog: string) => string[];
  };
}

/** BootResult is what the serial console showed. */
export interface BootResult {
  /** When QEMU was spawned (epoch milliseconds). */
  readonly startedAt: number;
  /** Milliseconds from QEMU start to the marker. */
  readonly markerMs: number;
  readonly serial: string;
  /** sha256 printed by the initramfs for the squashfs it fetched. */
  readonly sha256: string | undefined;
  /** Whether the booted kernel said UEFI Secure Boot was on (its log, read by the initramfs). */
  readonly secureBoot: boolean;
  /** Milliseconds from QEMU start to the first sight of each boot stage on the console. */
  readonly milestones: Readonly<Record<string, number>>;
}

/** Console lines that mark boot stages (firmware, bootloader, kernel), as in shared/pxe-lab. */
const stages: readonly (readonly [string, RegExp])[] = [
  ['firmware-pxe', /iPXE initialising|>>Start PXE|>>Start HTTP Boot/],
  ['dhcp-done', /Next server|Station IP address|net0: [0-9.]+\//],
  ['nbp-loaded', /NBP file downloaded|lpxelinux\.0\.\.\. ok|PXELINUX [0-9]|Downloading\.\.\.100%/],
  ['bootloader', /PXELINUX [0-9]|Welcome to GRUB|iPXE 1\.\d|boot\.ipxe\.\.\./],
  ['kernel-fetch', /Loading http|GRUB fetching|vmlinuz\.\.\./],
  ['initramfs', /LABBOOT-INIT/],
];

const OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd';
const OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd';
/** Secure Boot: the SMM build, and variables with Microsoft's keys enrolled and Secure Boot on. */
const OVMF_CODE_SB = '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd';
const OVMF_VARS_MS = '/usr/share/OVMF/OVMF_VARS_4M.ms.fd';

/** The serial console socket of a `bios-pxe` VM (QEMU serves it and waits for the test). */
function serialSocket(o: VmOptions): string {
  return join(o.work, 'serial.sock');
}

/** qemuArgs returns the QEMU command line for a boot. */
export function qemuArgs(o: VmOptions, serialLog: string): string[] {
  const args = [
    '-machine',
    // Secure Boot variables are only protected, and the secboot OVMF only runs, with SMM.
    o.firmware === 'uefi-sb' ? 'q35,smm=on' : 'q35',
    '-m',
    String(o.memoryMiB ?? 768),
    '-smp',
    '1',
    '-accel',
    'tcg',
    '-nographic',
    '-vga',
    'none',
    '-monitor',
    'none',
    '-no-reboot',
    ...(o.firmware === 'bios-pxe'
      ? ['-chardev', `socket,id=ser0,path=${serialSocket(o)},server=on,wait=on`]
      : []),
    '-serial',
    o.firmware === 'bios-pxe' ? 'chardev:ser0' : `file:${serialLog}`,
    '-netdev',
    `tap,id=n0,ifname=${o.tap},script=no,downscript=no`,
  ];
  if (o.firmware === 'bios') {
    args.push('-device', `e1000,netdev=n0,mac=${o.mac},bootindex=1`, '-boot', 'order=n');
  } else if (o.firmware === 'bios-pxe') {
    args.push('-device', `e1000,netdev=n0,mac=${o.mac},bootindex=1`, '-boot', 'order=n');
  } else {
    const sb = o.firmware === 'uefi-sb';
    const vars = join(o.work, 'OVMF_VARS.fd');
    copyFileSync(sb ? OVMF_VARS_MS : OVMF_VARS, vars);
    args.push(
      '-device',
      `virtio-net-pci,netdev=n0,mac=${o.mac},romfile=,bootindex=1`,
      '-drive',
      `if=pflash,format=raw,unit=0,readonly=on,file=${sb ? OVMF_CODE_SB : OVMF_CODE}`,
      '-drive',
      `if=pflash,format=raw,unit=1,file=${vars}`,
    );
    if (sb) args.push('-global', 'driver=cfi.pflash01,property=secure,value=on');
    // OVMF's boot options for a NIC are PXEv4, PXEv6, HTTPv4, HTTPv6; these knobs drop the PXE
    // ones, as switching PXE off in a real firmware's setup does, so HTTP Boot comes first.
    if (o.firmware === 'uefi-http')
      args.push(
        '-fw_cfg',
        'name=opt/org.tianocore/IPv4PXESupport,string=n',
        '-fw_cfg',
        'name=opt/org.tianocore/IPv6PXESupport,string=n',
      );
  }
  return args;
}

/** bootVm runs the VM until the marker, a failure line, QEMU's exit or the timeout; always stops QEMU. */
export async function bootVm(lab: NetnsLab, o: VmOptions): Promise<BootResult> {
  const serialLog = join(o.work, `serial-${o.firmware}.log`);
  writeFileSync(serialLog, '');
  const args = o.machine?.args(o, serialLog) ?? qemuArgs(o, serialLog);
  const binary = o.machine?.binary ?? 'qemu-system-x86_64';
  writeFileSync(join(o.work, `qemu-${o.firmware}.cmd`), `${binary} ${args.join(' ')}\n`);
  const started = Date.now();
  const vm = lab.run(o.ns, binary, args);
  const serialConsole =
    o.firmware === 'bios-pxe' ? await attachPlainPxeConsole(serialSocket(o), serialLog) : undefined;
  const read = (): string => (existsSync(serialLog) ? readFileSync(serialLog, 'latin1') : '');
  const milestones: Record<string, number> = {};
  const fail = (why: string, serial: string): Error =>
    new Error(
      `${why}\n--- serial console (tail) ---\n${tail(serial)}\n--- server log (tail) ---\n${tail(o.serverLog?.() ?? '(none)')}`,
    );
  try {
    for (;;) {
      const serial = read();
      for (const [name, pattern] of stages) {
        if (milestones[name] === undefined && pattern.test(serial))
          milestones[name] = Date.now() - started;
      }
      if (serial.includes(MARKER)) {
        const markerMs = Date.now() - started;
        return {
          startedAt: started,
          markerMs,
          serial,
          sha256: /LABBOOT-SHA256 ([0-9a-f]{64})/.exec(serial)?.[1],
          secureBoot: /LABBOOT-SECUREBOOT enabled/.test(serial),
          milestones,
        };
      }
      // Fail fast on a bootloader that gave up, instead of waiting for the timeout.
      if (
        /LABBOOT-E2E-FAIL|you need to load the kernel first|Nothing to boot|Boot Failed/.test(
          serial,
        )
      ) {
        throw fail('guest failed', serial);
      }
      if (vm.child.exitCode !== null)
        throw fail(`qemu exited (${vm.child.exitCode}) before the marker: ${vm.stderr()}`, serial);
      if (Date.now() - started > o.timeoutMs)
        throw fail(`no marker within ${o.timeoutMs} ms`, serial);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    serialConsole?.destroy();
    await lab.stop(vm, 2000);
  }
}

// Firmware writes terminal escape sequences (ESC [ … letter); strip them from failure output.
const escapes = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

function tail(text: string): string {
  return text.replace(escapes, '').split('\n').slice(-40).join('\n');
}

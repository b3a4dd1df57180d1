/**
 * A lab VM with a blank virtio disk, network first (bootindex 1) and the disk second, that may
 * reboot (a deploy ends in one): QEMU's command line is the PXE e2e's (qemu.ts) plus the disk,
 * without `-no-reboot` and `-boot order=n`. The serial log keeps every boot of the run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabProcess, NetnsLab } from '../../helpers/netns/netns-lab';
import { qemuArgs, type VmOptions } from './qemu';

/** A running deploy VM. */
export interface DeployVm {
  readonly process: LabProcess;
  /** The serial console so far, escape sequences removed. */
  serial(): string;
  /** Resolves with the serial text once `pattern` shows; rejects on a failure line, exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** Kills QEMU at once (power loss). */
  kill(): Promise<void>;
}

// Firmware writes terminal escape sequences (ESC [ … letter); strip them before matching.
const escapes = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?=]*[A-Za-z]`, 'g');

/** deployVmArgs is qemuArgs with the disk added and reboots allowed. */
export function deployVmArgs(o: VmOptions, serialLog: string, disk: string): string[] {
  const args = qemuArgs(o, serialLog).filter((a) => a !== '-no-reboot');
  const boot = args.indexOf('-boot');
  if (boot >= 0) args.splice(boot, 2);
  args.push(
    '-drive',
    `file=${disk},format=raw,if=none,id=d0,cache=writeback`,
    '-device',
    'virtio-blk-pci,drive=d0,bootindex=2',
  );
  return args;
}

/** startDeployVm starts QEMU in `o.ns` with `disk` and returns at once. */
export function startDeployVm(lab: NetnsLab, o: VmOptions, disk: string, name: string): DeployVm {
  const serialLog = join(o.work, `serial-${name}.log`);
  writeFileSync(serialLog, '');
  const args = deployVmArgs(o, serialLog, disk);
  writeFileSync(join(o.work, `qemu-${name}.cmd`), `qemu-system-x86_64 ${args.join(' ')}\n`);
  const process = lab.run(o.ns, 'qemu-system-x86_64', args);
  const serial = (): string =>
    existsSync(serialLog) ? readFileSync(serialLog, 'latin1').replace(escapes, '') : '';
  const tail = (text: string): string => text.split('\n').slice(-40).join('\n');
  return {
    process,
    serial,
    async waitFor(pattern, timeoutMs) {
      const started = Date.now();
      for (;;) {
        const text = serial();
        if (pattern.test(text)) return text;
        const why = /LABBOOT-E2E-FAIL.*/.exec(text)?.[0];
        const problem =
          why ??
          (process.child.exitCode !== null || process.child.signalCode !== null
            ? `qemu exited (${process.child.exitCode ?? process.child.signalCode})`
            : Date.now() - started > timeoutMs
              ? `no ${String(pattern)} within ${timeoutMs} ms`
              : undefined);
        if (problem !== undefined)
          throw new Error(
            `${name}: ${problem}\n--- serial (tail) ---\n${tail(text)}\n--- server log (tail) ---\n${tail(o.serverLog?.() ?? '')}`,
          );
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    kill: async () => {
      if (process.child.exitCode === null && process.child.signalCode === null) {
        process.child.kill('SIGKILL');
        await process.exited;
      }
    },
  };
}

/**
 * Makes QEMU's iPXE ROM ask for its boot file like a plain (vendor) BIOS PXE ROM, through its
 * serial console: at "Press Ctrl-B for the iPXE command line" it sends Ctrl-B, sets the DHCP user
 * class (option 77) to something other than "iPXE", then runs `autoboot`. QEMU has no other BIOS
 * PXE ROM, and without this LabBoot rightly hands iPXE its script instead of lpxelinux.0. Everything
 * the guest prints is appended to the serial log, which `bootVm` watches as for the other firmware.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

const SHELL_PROMPT = 'for the iPXE command line';

/** attachPlainPxeConsole connects to QEMU's serial socket (QEMU waits for it) and drives the ROM. */
export async function attachPlainPxeConsole(socketPath: string, logFile: string): Promise<Socket> {
  const deadline = Date.now() + 15_000;
  while (!existsSync(socketPath)) {
    if (Date.now() > deadline) throw new Error(`QEMU did not create ${socketPath}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  let seen = '';
  let step: 'wait-prompt' | 'wait-shell' | 'booting' = 'wait-prompt';
  socket.on('data', (chunk: Buffer) => {
    appendFileSync(logFile, chunk);
    seen = (seen + chunk.toString('latin1')).slice(-4096);
    if (step === 'wait-prompt' && seen.includes(SHELL_PROMPT)) {
      step = 'wait-shell';
      socket.write('\x02');
    } else if (step === 'wait-shell' && seen.includes('iPXE>')) {
      step = 'booting';
      socket.write('set user-class PXEClient\rautoboot\r');
    }
  });
  return socket;
}

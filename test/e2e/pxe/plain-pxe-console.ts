/**
 * Makes QEMU's iPXE ROM ask for its boot file like a plain (vendor) BIOS PXE ROM, through its
 * serial console: at "Press Ctrl-B for the iPXE command line" it sends Ctrl-B, sets the DHCP user
 * class (option 77) to something other than "iPXE", then runs `autoboot`. QEMU has no other BIOS
 * PXE ROM, and without this LabBoot rightly hands iPXE its script instead of lpxelinux.0. Everything
 * the guest prints is appended to the serial log, which `bootVm` watches as for the other firmware.
 *
 * The ROM polls its UART between other work, and on a loaded machine (TCG, other VMs) characters
 * written in one burst were lost ("iPXE> autobo"). So it types like a person: one character at a
 * time once the previous one is echoed, each command once the prompt is back, and retypes a line
 * whose echo stalls (Ctrl-U clears it first).
 */
import { appendFileSync, existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

/** The ROM's banner line that offers Ctrl-B. */
const BANNER = 'for the iPXE command line';
const PROMPT = 'iPXE>';
const COMMANDS = ['set user-class PXEClient', 'autoboot'];
/** How long one character's echo may take before the line is typed again. */
const ECHO_WAIT_MS = 3_000;
const CLEAR_LINE = '\x15';

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
  const typist = new Typist(socket);
  socket.on('data', (chunk: Buffer) => {
    appendFileSync(logFile, chunk);
    typist.saw(chunk.toString('latin1'));
  });
  socket.on('close', () => typist.stop());
  return socket;
}

/** Typist drives the ROM's console from what it prints: Ctrl-B, then each command, echo-paced. */
class Typist {
  private seen = '';
  private state: 'wait-banner' | 'wait-prompt' | 'typing' | 'done' = 'wait-banner';
  private command = 0;
  private typed = 0;
  private entered = false;
  private stall: NodeJS.Timeout | undefined;

  constructor(private readonly socket: Socket) {}

  saw(text: string): void {
    this.seen = (this.seen + text).slice(-4096);
    if (this.state === 'wait-banner' && this.seen.includes(BANNER)) {
      this.state = 'wait-prompt';
      this.seen = '';
      this.socket.write('\x02');
    } else if (this.state === 'wait-prompt' && this.seen.includes(PROMPT)) {
      this.state = 'typing';
      this.startLine();
    } else if (this.state === 'typing') {
      this.advance();
    }
  }

  stop(): void {
    this.state = 'done';
    clearTimeout(this.stall);
  }

  private startLine(): void {
    this.typed = 0;
    this.entered = false;
    this.seen = '';
    this.typeNext();
  }

  /** The echo of what was typed so far arrived: type the next character, or end the line. */
  private advance(): void {
    const line = COMMANDS[this.command] ?? '';
    if (!this.entered) {
      if (this.seen.endsWith(line.slice(0, this.typed))) this.typeNext();
      return;
    }
    // Enter was sent: wait for the command's output to bring the prompt back.
    if (!this.seen.includes(PROMPT)) return;
    this.command += 1;
    this.startLine();
  }

  private typeNext(): void {
    const line = COMMANDS[this.command] ?? '';
    clearTimeout(this.stall);
    if (this.typed >= line.length) {
      this.seen = '';
      this.entered = true;
      this.socket.write('\r');
      // autoboot never returns to the prompt when it works: stop once the last line is entered.
      if (this.command === COMMANDS.length - 1) this.stop();
      return;
    }
    this.socket.write(line[this.typed] ?? '');
    this.typed += 1;
    this.stall = setTimeout(() => this.retype(), ECHO_WAIT_MS);
  }

  private retype(): void {
    if (this.state !== 'typing') return;
    this.socket.write(CLEAR_LINE);
    this.startLine();
  }
}

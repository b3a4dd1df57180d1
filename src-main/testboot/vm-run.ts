/**
 * VmRun runs one test boot VM: starts QEMU, reads its serial console through `ConsoleWatch`, and
 * stops QEMU at the first verdict: success, a failing console line, a kernel that printed nothing,
 * the timeout, QEMU exiting on its own, or `stop()`. QEMU is always stopped (TERM, then KILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestBootState } from '../../src-shared/contract/testboot';
import { MILESTONE_LABELS } from '../../src-shared/testboot/milestones';
import { ConsoleWatch, type ConsoleVerdict, type ReachedMilestone } from './console-watch';
import { ConsoleText } from './console-text';

/** How a VM run ended. */
export interface VmOutcome {
  readonly state: Exclude<TestBootState, 'running'>;
  /** One sentence saying what happened. */
  readonly message: string;
  readonly milestones: readonly ReachedMilestone[];
  readonly elapsedMs: number;
  /**
   * QEMU ended on its own with an error before the console showed anything: the accelerator or
   * the machine could not start (nested KVM refusing the CPU's registers, for one).
   */
  readonly startFailed: boolean;
  /** QEMU's last line on stderr, if any. */
  readonly qemuSaid: string | undefined;
}

/** What a VM run is started with. */
export interface VmRunOptions {
  readonly binary: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
  /** How long a kernel may print nothing after the bootloader handed over. */
  readonly kernelSilenceMs: number;
  readonly onConsole?: (text: string) => void;
  readonly onMilestone?: (m: ReachedMilestone) => void;
  /** How long QEMU gets to exit after SIGTERM before SIGKILL. */
  readonly killGraceMs?: number;
  /** A deploy test boot (see `ConsoleWatch`): success only from the VM's own disk. */
  readonly deploy?: boolean;
}

/** verdictMessage says a console verdict in one sentence. */
export function verdictMessage(verdict: ConsoleVerdict, elapsedMs: number): string {
  const at = `${(elapsedMs / 1000).toFixed(1)} s`;
  switch (verdict.kind) {
    case 'success':
      return `The image booted: ${MILESTONE_LABELS[verdict.milestone]} after ${at}.`;
    case 'failure':
      return `The VM could not boot: "${verdict.line}".`;
    case 'silent-kernel':
      return `The test boot failed: no kernel output after ${verdict.seconds} s once the bootloader started the kernel; check the extra kernel options (global and per machine).`;
  }
}

type Ending = Pick<VmOutcome, 'state' | 'message'>;

/** VmRun is one QEMU process and its judgement. */
export class VmRun {
  /** Resolves when QEMU has exited, with how the boot ended. */
  readonly done: Promise<VmOutcome>;
  private readonly child: ChildProcess;
  private readonly watch: ConsoleWatch;
  private readonly started = Date.now();
  private ending: Ending | undefined;
  private stderr = '';
  private consoleSeen = false;

  constructor(private readonly o: VmRunOptions) {
    this.watch = new ConsoleWatch(o.kernelSilenceMs, o.deploy === true);
    this.child = spawn(o.binary, [...o.args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const text = new ConsoleText();
    this.child.stdout?.setEncoding('latin1');
    this.child.stdout?.on('data', (chunk: string) => {
      this.consoleSeen ||= chunk.trim() !== '';
      const shown = text.push(chunk);
      if (shown !== '') o.onConsole?.(shown);
      const update = this.watch.feed(chunk, this.elapsed());
      for (const m of update.milestones) o.onMilestone?.(m);
      if (update.verdict !== undefined) this.judge(update.verdict);
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    const ticker = setInterval(() => {
      const verdict = this.watch.tick(this.elapsed());
      if (verdict !== undefined) this.judge(verdict);
      else if (this.elapsed() >= o.timeoutMs) {
        this.end({
          state: 'timed-out',
          message: `The test boot timed out after ${Math.round(o.timeoutMs / 1000)} s${this.lastMilestoneNote()}.`,
        });
      }
    }, 250);
    this.done = new Promise<VmOutcome>((resolve) => {
      const finish = (spawnError?: Error): void => {
        clearInterval(ticker);
        const ending = this.ending ?? this.exitEnding(spawnError);
        const failedAlone =
          this.ending === undefined &&
          spawnError === undefined &&
          (this.child.signalCode !== null || this.child.exitCode !== 0);
        resolve({
          ...ending,
          milestones: this.watch.milestones(),
          elapsedMs: this.elapsed(),
          startFailed: failedAlone && !this.consoleSeen,
          qemuSaid: this.lastStderrLine(),
        });
      };
      this.child.once('error', (error) => finish(error));
      // `close` comes after stdout's last data, so a verdict printed just before exit counts.
      this.child.once('close', () => finish());
    });
  }

  /** The milestones seen so far, in boot order. */
  milestones(): ReachedMilestone[] {
    return this.watch.milestones();
  }

  /** installerDone says a deploy test boot's installer reported `done` (the local boot follows). */
  installerDone(): void {
    this.watch.installerDone();
  }

  /** fail ends the run with `message` (a deploy's installer failed). */
  fail(message: string): void {
    this.end({ state: 'failed', message });
  }

  /** stop ends the run at the user's request. */
  stop(): void {
    this.end({ state: 'stopped', message: 'The test boot was stopped.' });
  }

  private elapsed(): number {
    return Date.now() - this.started;
  }

  private judge(verdict: ConsoleVerdict): void {
    this.end({
      state: verdict.kind === 'success' ? 'succeeded' : 'failed',
      message: verdictMessage(verdict, this.elapsed()),
    });
  }

  private lastMilestoneNote(): string {
    const last = this.watch.milestones().at(-1);
    return last === undefined
      ? ' with nothing on the serial console'
      : `; the last milestone was "${MILESTONE_LABELS[last.id]}"`;
  }

  /** The outcome when QEMU exited before any verdict. */
  private exitEnding(spawnError?: Error): Ending {
    if (spawnError !== undefined)
      return { state: 'failed', message: `QEMU could not be started: ${spawnError.message}.` };
    const code = this.child.exitCode;
    const signal = this.child.signalCode;
    const said = this.lastStderrLine();
    if (signal !== null || (code !== 0 && code !== null)) {
      return {
        state: 'failed',
        message: `QEMU stopped with ${signal ?? `status ${code}`}${said ? `: ${said}` : ''}.`,
      };
    }
    const diskKernel = this.watch.milestones().find((m) => m.id === 'disk-kernel');
    if (diskKernel !== undefined)
      // The deployed system ran from the VM's own disk and powered the VM off by itself.
      return {
        state: 'succeeded',
        message: `The deployed image booted from the VM's own disk: its kernel started after ${(diskKernel.atMs / 1000).toFixed(1)} s, and its system powered the VM off without showing a login prompt.`,
      };
    return {
      state: 'failed',
      message: `The VM powered off or restarted before the boot finished${this.lastMilestoneNote()}.`,
    };
  }

  /** QEMU's last line on stderr, preferring an error over a warning. */
  private lastStderrLine(): string | undefined {
    const lines = this.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    return lines.find((l) => /error/i.test(l)) ?? lines.at(-1);
  }

  /** end records the first ending and stops QEMU; later endings are ignored. */
  private end(ending: Ending): void {
    if (this.ending !== undefined) return;
    this.ending = ending;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const kill = setTimeout(() => {
      if (this.child.exitCode === null && this.child.signalCode === null)
        this.child.kill('SIGKILL');
    }, this.o.killGraceMs ?? 3000);
    this.child.once('close', () => clearTimeout(kill));
  }
}

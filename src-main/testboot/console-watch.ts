/**
 * ConsoleWatch reads a test boot's serial console as it arrives and says which milestones it has
 * reached (with the time each was first seen) and when the boot is over: a success milestone, a
 * console line that means the boot cannot go on, or a kernel that printed nothing for too long
 * after the bootloader handed over to it. Pure: the caller passes the text and the time.
 */
import {
  FAILURE_PATTERNS,
  MILESTONE_PATTERNS,
  SUCCESS_MILESTONES,
  TEST_BOOT_MILESTONES,
  type TestBootMilestone,
} from '../../src-shared/testboot/milestones';

/** A milestone and the milliseconds from VM start at which the console first showed it. */
export interface ReachedMilestone {
  readonly id: TestBootMilestone;
  readonly atMs: number;
  /** Said instead of the milestone's usual label ("installer writing 50%"). */
  readonly label?: string;
}

/** How the console ended a test boot. */
export type ConsoleVerdict =
  | { readonly kind: 'success'; readonly milestone: TestBootMilestone }
  | { readonly kind: 'failure'; readonly line: string }
  | { readonly kind: 'silent-kernel'; readonly seconds: number };

/** What one piece of console text changed. */
export interface ConsoleUpdate {
  readonly milestones: readonly ReachedMilestone[];
  readonly verdict: ConsoleVerdict | undefined;
}

const ESC = String.fromCharCode(27);
// Terminal control sequences (colour, cursor, screen clear), then other control characters.
const escapes = new RegExp(`${ESC}\\[[0-?]*[ -/]*[@-~]|${ESC}[()][0-9A-Za-z]|${ESC}.`, 'g');
const c = (code: number): string => String.fromCharCode(code);
const controls = new RegExp(`[${c(0)}-${c(8)}${c(11)}-${c(31)}${c(127)}]`, 'g');

/** cleanConsoleLine removes terminal control sequences from one console line; a backspace erases. */
export function cleanConsoleLine(line: string): string {
  const [first = '', ...rest] = line.replace(escapes, '').split('\b');
  let out = first;
  for (const part of rest) out = out.slice(0, -1) + part;
  return out.replace(controls, '');
}

/**
 * Lines printed between the bootloader's hand-over and the kernel proper: the x86 real-mode setup
 * code and the EFI stub print these even when the kernel then hangs before its console starts.
 */
const BEFORE_KERNEL = /^(?:Probing EDD \(edd=off to disable\)|EFI stub: )/;

/** What iPXE prints when a script exits to the firmware's next boot device. */
const HANDED_BACK = /^No more network devices/;

/** ConsoleWatch judges one test boot from its serial console. */
export class ConsoleWatch {
  private readonly reached = new Map<TestBootMilestone, number>();
  private pending = '';
  /** The last complete line: iPXE wraps its URLs at 80 columns, so a mark may span two lines. */
  private previous = '';
  private verdict: ConsoleVerdict | undefined;
  /** A deploy test boot: the installer's `done` comes from outside (see `installerDone`). */
  private installerFinished = false;

  /**
   * `kernelSilenceMs`: how long a handed-over kernel may print nothing before the boot fails.
   * `deploy`: a deploy test boot, which succeeds only at a login prompt from the VM's own disk,
   * after the installer is done and LabBoot answered the next network boot with local boot.
   */
  constructor(
    private readonly kernelSilenceMs: number,
    private readonly deploy = false,
  ) {}

  /** installerDone says the installer reported `done`: the console now shows the local boot. */
  installerDone(): void {
    this.installerFinished = true;
  }

  /** The milestones seen so far, in boot order. */
  milestones(): ReachedMilestone[] {
    return TEST_BOOT_MILESTONES.flatMap((id) => {
      const atMs = this.reached.get(id);
      return atMs === undefined ? [] : [{ id, atMs }];
    });
  }

  /** feed takes the next console text, received `atMs` after the VM started. */
  feed(text: string, atMs: number): ConsoleUpdate {
    const lines = (this.pending + text).split(/\r\n|\n|\r/);
    this.pending = lines.pop() ?? '';
    const found: ReachedMilestone[] = [];
    for (const raw of lines) {
      const line = cleanConsoleLine(raw).trimEnd();
      this.readLine(line, atMs, found, true);
      if (line !== '') this.previous = line;
    }
    // A prompt (`login: `) waits without a newline, so the unfinished line is read too.
    this.readLine(cleanConsoleLine(this.pending).trimEnd(), atMs, found, false);
    return { milestones: found, verdict: this.verdict ?? this.tick(atMs) };
  }

  /** tick reports the silent-kernel verdict once its time has come (call it while nothing prints). */
  tick(atMs: number): ConsoleVerdict | undefined {
    if (this.verdict !== undefined) return this.verdict;
    const handedOver = this.reached.get('kernel-loaded');
    if (
      handedOver !== undefined &&
      !this.reached.has('kernel') &&
      atMs - handedOver >= this.kernelSilenceMs
    ) {
      this.verdict = { kind: 'silent-kernel', seconds: Math.round(this.kernelSilenceMs / 1000) };
    }
    return this.verdict;
  }

  private readLine(line: string, atMs: number, found: ReachedMilestone[], complete: boolean): void {
    if (this.verdict !== undefined || line.trim() === '') return;
    const reach = (id: TestBootMilestone): void => {
      if (this.reached.has(id)) return;
      this.reached.set(id, atMs);
      found.push({ id, atMs });
    };
    const handedOver = this.reached.has('kernel-loaded');
    const joined = this.previous + line;
    // An unfinished line is read for a prompt only: the rest waits for its end of line.
    for (const id of complete ? TEST_BOOT_MILESTONES : (['login'] as const)) {
      const pattern = MILESTONE_PATTERNS[id];
      if (id === 'local-boot' && !this.installerFinished) continue;
      // A deploy's installer is followed through its reports, not its console line.
      if (id === 'installer' && this.deploy) continue;
      if (!this.reached.has(id) && (pattern.test(line) || pattern.test(joined))) reach(id);
    }
    if (this.deploy && this.reached.has('local-boot')) {
      if (complete && MILESTONE_PATTERNS.kernel.test(line)) reach('disk-kernel');
      if (MILESTONE_PATTERNS.login.test(line)) reach('disk-login');
    }
    // LabBoot's local-boot script exits iPXE, which then says so and the firmware boots the disk.
    const handingBack = this.reached.has('local-boot') && HANDED_BACK.test(line);
    const failure =
      complete && !handingBack ? FAILURE_PATTERNS.find((p) => p.test(line)) : undefined;
    if (failure !== undefined) {
      this.verdict = { kind: 'failure', line: line.trim() };
      return;
    }
    // Whatever else prints after the hand-over comes from the kernel or later, even with `quiet`.
    if (complete && handedOver && !BEFORE_KERNEL.test(line.trim())) reach('kernel');
    const success = this.deploy
      ? this.reached.has('disk-login')
        ? 'disk-login'
        : undefined
      : SUCCESS_MILESTONES.find((id) => this.reached.has(id));
    if (success !== undefined) this.verdict = { kind: 'success', milestone: success };
  }
}

/**
 * DeployWatch reads a deploy test boot's installer from its deploy row, as the installer's
 * reports leave it (the serving process, this one or another, writes the row): milestones for
 * "installer started", "writing N%" at each quarter, "verified" and "done", and the verdict, done
 * or the installer's own failure sentence. Pure: the caller passes each snapshot and the time.
 */
import { MILESTONE_LABELS, type TestBootMilestone } from '../../src-shared/testboot/milestones';

/** The fields of a deploy row the watch reads. */
export interface DeploySnapshot {
  readonly state: 'deploying' | 'deployed' | 'failed' | 'released';
  readonly phase: string;
  readonly bytes: number;
  readonly total: number;
  readonly error: string | null;
}

/** A milestone from the installer's reports, with its label for people. */
export interface InstallerMilestone {
  readonly id: TestBootMilestone;
  readonly label: string;
  readonly atMs: number;
}

/** How the installer ended the deploy. */
export type DeployVerdict =
  | { readonly kind: 'done' }
  | { readonly kind: 'failed'; readonly error: string };

/** What one snapshot changed. */
export interface DeployUpdate {
  readonly milestones: readonly InstallerMilestone[];
  readonly verdict: DeployVerdict | undefined;
}

/** Writing progress is reported at these percentages (the first report whatever it says). */
const WRITING_STEPS = [25, 50, 75, 100];

/** DeployWatch follows one deploy from `marked` to `done` or `failed`. */
export class DeployWatch {
  private readonly reached = new Set<TestBootMilestone>();
  /** The last writing percentage reported as a milestone (-1: none yet). */
  private writingShown = -1;
  private verdict: DeployVerdict | undefined;

  /** feed takes the deploy row as read `atMs` after the VM started (undefined: no row). */
  feed(d: DeploySnapshot | undefined, atMs: number): DeployUpdate {
    const found: InstallerMilestone[] = [];
    if (d === undefined || this.verdict !== undefined)
      return { milestones: found, verdict: this.verdict };
    const reach = (id: TestBootMilestone, label = MILESTONE_LABELS[id]): void => {
      this.reached.add(id);
      found.push({ id, label, atMs });
    };
    const once = (id: TestBootMilestone): void => {
      if (!this.reached.has(id)) reach(id);
    };
    // A report can be missed between two reads: every later phase implies the earlier ones.
    const order = ['started', 'writing', 'verifying', 'done'];
    const at = d.state === 'deployed' ? 3 : order.indexOf(d.phase);
    if (at >= 0) once('installer-started');
    if (at === 1) this.writing(d, reach);
    if (at >= 2) once('installer-verified');
    if (at >= 3) {
      once('installer-done');
      this.verdict = { kind: 'done' };
    } else if (d.state === 'failed') {
      this.verdict = {
        kind: 'failed',
        error: d.error ?? 'The installer failed without saying why; see the VM console.',
      };
    }
    return { milestones: found, verdict: this.verdict };
  }

  private writing(d: DeploySnapshot, reach: (id: TestBootMilestone, label: string) => void): void {
    const percent = d.total > 0 ? Math.min(100, Math.floor((d.bytes * 100) / d.total)) : 0;
    const step = [...WRITING_STEPS].reverse().find((s) => percent >= s) ?? 0;
    if (this.writingShown < 0 || step > this.writingShown) {
      this.writingShown = step;
      reach('installer-writing', `installer writing ${percent}%`);
    }
  }
}

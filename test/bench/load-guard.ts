/**
 * The load guard every benchmark calls first: it prints the machine's 1-minute load average and
 * core count, and refuses to run (exit 1, one line on stderr) when the load is above 1, because
 * figures taken while other work competes for the CPU say more about that work than about LabBoot.
 */
import { availableParallelism, loadavg } from 'node:os';

/** The highest 1-minute load average at which a benchmark still reports. */
export const maxBenchLoad = 1;

/** QuietMachineVerdict is the guard's decision and the one line it prints. */
export interface QuietMachineVerdict {
  quiet: boolean;
  line: string;
}

/** quietMachineVerdict decides from a 1-minute load average and a core count. */
export function quietMachineVerdict(load1: number, cores: number): QuietMachineVerdict {
  const where = `1-minute load average ${load1.toFixed(2)} on ${cores} core(s)`;
  if (Number.isFinite(load1) && load1 <= maxBenchLoad) {
    return { quiet: true, line: `machine: ${where}` };
  }
  return {
    quiet: false,
    line: `bench refused: ${where} is above ${maxBenchLoad}; other work would skew the figures, so run it again when the machine is idle.`,
  };
}

/** assertQuietMachine prints the load before a bench starts and exits 1 when it is above 1. */
export function assertQuietMachine(): void {
  const verdict = quietMachineVerdict(loadavg()[0] ?? Number.NaN, availableParallelism());
  if (!verdict.quiet) {
    process.stderr.write(`${verdict.line}\n`);
    process.exit(1);
  }
  console.log(verdict.line);
}

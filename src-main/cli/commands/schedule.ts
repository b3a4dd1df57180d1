import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliContext } from '../context';
import {
  syncIntervalSchema,
  type SyncInterval,
  type SyncSchedule,
} from '../../../src-shared/contract/admin';

function parseInterval(value: string): SyncInterval {
  const parsed = syncIntervalSchema.safeParse(value);
  if (!parsed.success) {
    throw new InvalidArgumentError(`expected one of ${syncIntervalSchema.options.join(', ')}.`);
  }
  return parsed.data;
}

function describe(s: SyncSchedule): string {
  const last = s.lastRun === null ? 'never' : `${s.lastRun.at} (${s.lastRun.message})`;
  return [
    `Scheduled sync: ${s.interval}.`,
    `Last run: ${last}.`,
    s.interval === 'off'
      ? 'It runs while the app, the console or "labboot serve" runs, once an interval is set.'
      : 'It runs while the app, the console or "labboot serve" runs.',
  ].join('\n');
}

/** registerSchedule adds `labboot schedule [off|6h|12h|daily|weekly]`: show or set the sync schedule. */
export function registerSchedule(program: Command, ctx: CliContext): void {
  program
    .command('schedule')
    .description('show or set how often the app, console and serve sync (off by default)')
    .argument('[INTERVAL]', 'off, 6h, 12h, daily or weekly', parseInterval)
    .action((interval: SyncInterval | undefined) =>
      ctx.withServices(async (services) => {
        const s =
          interval === undefined
            ? services.schedule.schedule()
            : services.schedule.setInterval(interval);
        ctx.output(describe(s), s);
      }),
    );
}

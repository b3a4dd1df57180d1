import { InvalidArgumentError, type Command } from 'commander';
import type { CliContext } from '../context';
import { bootStepLine } from '../boot-event-line';
import { normalizeMac } from '../../../src-shared/boot/mac';
import { UserError } from '../../../src-shared/errors';
import { BootLogStore, type StoredBootEvent } from '../../boot/dhcp/boot-log-store';
import { storeSettingsSchema } from '../../../src-shared/contract/store';
import { waitForShutdown } from '../../shutdown';

interface LogOptions {
  follow?: boolean;
  mac?: string;
  limit: number;
}

/** How often `--follow` looks for new rows, and how many it reads per look. */
export const FOLLOW_POLL_MS = 250;
const FOLLOW_BATCH = 500;
const DEFAULT_LIMIT = 50;
/** The log never holds more rows than the largest history setting allows. */
const MAX_LIMIT = storeSettingsSchema.shape.historyEvents.maxValue ?? 1_000_000;

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_LIMIT) {
    throw new InvalidArgumentError(`expected a count from 1 to ${MAX_LIMIT}.`);
  }
  return n;
}

function parseMacFilter(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const mac = normalizeMac(text);
  if (mac === undefined) {
    throw new UserError(
      `"${text}" is not a MAC address; write it like 52:54:00:12:34:56.`,
      'bad-mac',
    );
  }
  return mac;
}

/**
 * registerLog adds `labboot log [--follow] [--mac MAC] [--limit N]`: the stored boot log, one line
 * per step as `labboot serve` prints them (NDJSON with --json); `--follow` then prints the steps a
 * running `labboot serve` (or the app) writes, until Ctrl-C.
 */
export function registerLog(program: Command, ctx: CliContext): void {
  program
    .command('log')
    .description('the boot log: every DHCP step, TFTP transfer and HTTP request, newest last')
    .option('-f, --follow', 'keep printing new steps as they are written, until Ctrl-C')
    .option('--mac <MAC>', "only this machine's steps (its DHCP steps and its TFTP/HTTP requests)")
    .option(
      '--limit <N>',
      `how many of the newest steps to print first (default ${DEFAULT_LIMIT})`,
      parseLimit,
      DEFAULT_LIMIT,
    )
    .action(async (opts: LogOptions) => {
      const mac = parseMacFilter(opts.mac);
      const json = ctx.json();
      const stopped = opts.follow === true ? waitForShutdown() : undefined;
      await ctx.withServices(async (services) => {
        const log = new BootLogStore(services.db);
        const first = log.newest(opts.limit, mac);
        for (const row of first) ctx.stdout.write(bootStepLine(row, json));
        if (stopped === undefined) {
          if (first.length === 0 && !json) {
            ctx.info(
              mac === undefined
                ? 'The boot log is empty: no machine has asked LabBoot for anything yet.'
                : `The boot log has no steps of ${mac}.`,
            );
          }
          return;
        }
        ctx.info(
          `Following the boot log${mac === undefined ? '' : ` of ${mac}`}; press Ctrl-C to stop.`,
        );
        const cursor = first.at(-1)?.id ?? log.lastId();
        await follow(log, cursor, mac, stopped, (line) =>
          ctx.stdout.write(bootStepLine(line, json)),
        );
      });
    });
}

/** follow polls the store for rows after `cursor` until `stopped` settles. */
async function follow(
  log: BootLogStore,
  cursor: number,
  mac: string | undefined,
  stopped: Promise<unknown>,
  write: (row: StoredBootEvent) => void,
): Promise<void> {
  let done = false;
  void stopped.then(() => (done = true));
  let last = cursor;
  while (!done) {
    // A burst larger than one batch is read in a few batches, never unbounded in one go.
    for (let batch = 0; batch < 20 && !done; batch++) {
      const rows = log.after(last, FOLLOW_BATCH, mac);
      for (const row of rows) write(row);
      last = rows.at(-1)?.id ?? last;
      if (rows.length < FOLLOW_BATCH) break;
    }
    await Promise.race([stopped, new Promise((r) => setTimeout(r, FOLLOW_POLL_MS))]);
  }
}

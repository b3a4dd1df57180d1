import type { Command } from 'commander';
import type { SyncEvent } from '../../../src-shared/contract/images';
import type { CliContext } from '../context';

function mb(n: number): string {
  return (n / 1e6).toFixed(1);
}

/** progressLine renders a one-line bar for a TTY: `[#####-----]  45%  12.3/27.0 MB  8.1 MB/s`. */
export function progressLine(bytes: number, total: number, rate: number, width = 30): string {
  const frac = total > 0 ? Math.min(1, bytes / total) : 1;
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${mb(bytes)}/${mb(total)} MB  ${mb(rate)} MB/s`;
}

/**
 * registerSync adds `labboot sync`: download what is selected plus bootloaders. Progress goes to
 * stderr (a bar on a TTY); with --json every event is one NDJSON line on stdout. Ctrl-C cancels;
 * downloaded parts are kept and the next sync resumes them.
 */
export function registerSync(program: Command, ctx: CliContext): void {
  program
    .command('sync')
    .description('download the selected images and the bootloaders, verified')
    .action(() =>
      ctx.withServices(async (services) => {
        const json = ctx.json();
        const tty = (ctx.stderr as NodeJS.WriteStream).isTTY === true;
        let barShown = false;
        const clearBar = (): void => {
          if (barShown) ctx.stderr.write('\r\x1b[K');
          barShown = false;
        };
        const onEvent = (e: SyncEvent): void => {
          if (json) {
            ctx.stdout.write(`${JSON.stringify(e)}\n`);
            return;
          }
          if (e.event === 'progress') {
            if (tty) {
              ctx.stderr.write(`\r${progressLine(e.bytes, e.total, e.rate)}`);
              barShown = true;
            }
            return;
          }
          clearBar();
          if (e.event === 'warning') ctx.info(`labboot: warning: ${e.message}`);
          else if (e.event === 'start') {
            ctx.info(
              `Syncing from ${e.sources.join(', ')}: ${e.files} file(s), ${mb(e.bytes)} MB to fetch.`,
            );
          } else if (e.event === 'published') ctx.info(`Stored ${e.image} ${e.version}.`);
          else if (e.event === 'done') {
            ctx.info(`Done: ${e.published.length} version(s) stored in ${e.seconds.toFixed(1)} s.`);
          }
        };
        const onSigint = (): void => {
          services.sync.cancel();
        };
        process.once('SIGINT', onSigint);
        try {
          await services.sync.run(onEvent);
        } finally {
          process.removeListener('SIGINT', onSigint);
          clearBar();
        }
      }),
    );
}

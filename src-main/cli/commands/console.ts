import type { Command } from 'commander';
import type { CliContext } from '../context';
import { runConsole } from '../run-console';
import { parsePort } from '../parse';

/** registerConsole adds `labboot console`: the UI and the contract over loopback HTTP. */
export function registerConsole(program: Command, ctx: CliContext): void {
  program
    .command('console')
    .description('serve the LabBoot UI and API on 127.0.0.1 (headless / browser mode)')
    .option('--port <N>', 'TCP port on 127.0.0.1 (0 = any free port)', parsePort, 0)
    .option('--no-open', 'do not open a browser')
    .action(async (opts: { port: number; open: boolean }) => {
      await runConsole(ctx, { port: opts.port, open: opts.open });
    });
}

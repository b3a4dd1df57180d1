/**
 * runCli runs the `labboot` command line. Exit status: 0 success, 1 the operation failed (one sentence on
 * stderr), 2 usage error — see ../shared/spec/cli.md.
 */
import { CommanderError } from 'commander';
import { isUserError } from '../../src-shared/errors';
import { createCliContext } from './context';
import type { Command } from 'commander';
import { buildProgram, readGlobals } from './program';

/** runCli parses argv, runs the command and resolves with the exit status. */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  // The context reads global options lazily: commander parses them before any action runs.
  const holder: { program?: Command } = {};
  const ctx = createCliContext(() => (holder.program ? readGlobals(holder.program) : {}), {
    stdout: process.stdout,
    stderr: process.stderr,
    env,
  });
  const program = buildProgram(ctx);
  holder.program = program;
  exitOverrideDeep(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    if (isUserError(error)) {
      process.stderr.write(`labboot: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(
      `labboot: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

/** exitOverrideDeep makes commander throw instead of exiting, for every nested command. */
function exitOverrideDeep(command: Command): void {
  command.exitOverride();
  for (const sub of command.commands) exitOverrideDeep(sub);
}

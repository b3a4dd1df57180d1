/**
 * Runs the `labboot` command line the moment a file appears, for races between processes:
 * `node --import tsx cli-on-go.ts GO_FILE ARGS…`. Everything is loaded first, then it prints
 * `READY` on stdout, waits (at most a minute) for GO_FILE to exist and runs ARGS as `labboot`.
 */
import { existsSync } from 'node:fs';
import { runCli } from '../../../src-main/cli/run';

const [goFile, ...args] = process.argv.slice(2);
if (goFile === undefined) throw new Error('usage: cli-on-go.ts GO_FILE ARGS…');
process.stdout.write('READY\n');
const deadline = Date.now() + 60_000;
while (!existsSync(goFile) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 2));
}
const code = await runCli(args);
process.stdout.write('', () => process.exit(code));

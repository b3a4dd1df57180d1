/** Entry point of the `labboot` binary (bundled to out/main/cli.js; see bin/labboot.mjs). */
import { runCli } from './run';

const code = await runCli(process.argv.slice(2));
process.stdout.write('', () => process.exit(code));

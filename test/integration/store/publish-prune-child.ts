/**
 * Runs the publish-and-prune scenario in its own process so the test can kill -9 it:
 * `node --import tsx publish-prune-child.ts DATA_DIR`. At each step boundary it prints
 * `step NAME` and waits for a line on stdin before going on; it prints `done` at the end.
 */
import { createInterface } from 'node:readline';
import { runScenario } from './publish-prune-scenario';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: publish-prune-child.ts DATA_DIR');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
await runScenario(dataDir, async (name) => {
  process.stdout.write(`step ${name}\n`);
  await lines.next();
});
process.stdout.write('done\n');
process.exit(0);

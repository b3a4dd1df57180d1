/**
 * Serves a mirror folder from its own process (benchmarks keep the server off the client's event
 * loop): `node --import tsx serve-cli.ts ROOT` prints `PORT <n>` and serves until killed.
 */
import { MirrorServer } from './mirror-server';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: serve-cli.ts ROOT');
const server = await new MirrorServer(root).start();
process.stdout.write(`PORT ${new URL(server.url).port}\n`);
process.on('SIGTERM', () => {
  void server.stop().then(() => process.exit(0));
});

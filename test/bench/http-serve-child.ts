/**
 * Runs LabBoot's BootHttpServer on 127.0.0.1 over a folder, for the HTTP benchmark:
 * `node --import tsx test/bench/http-serve-child.ts ROOT`. Prints `PORT <n>`; stops on SIGTERM.
 */
import { BootHttpServer } from '../../src-main/boot/http/http-server';
import { directoryResolver } from '../../src-main/boot/boot-files';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: http-serve-child.ts ROOT');
const server = await BootHttpServer.start({
  address: '127.0.0.1',
  port: 0,
  resolver: directoryResolver(root),
});
process.stdout.write(`PORT ${server.port}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));

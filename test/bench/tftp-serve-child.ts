/**
 * Runs LabBoot's TftpServer on 127.0.0.1 over a folder, for the TFTP benchmarks:
 * `node --import tsx test/bench/tftp-serve-child.ts ROOT`. Prints `PORT <n>`; stops on SIGTERM.
 */
import { TftpServer } from '../../src-main/boot/tftp/tftp-server';
import { directoryResolver } from '../../src-main/boot/boot-files';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: tftp-serve-child.ts ROOT');
const server = await TftpServer.start({
  address: '127.0.0.1',
  port: 0,
  resolver: directoryResolver(root),
  maxBlksize: 65_464,
  maxTransfers: 512,
});
process.stdout.write(`PORT ${server.port}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));

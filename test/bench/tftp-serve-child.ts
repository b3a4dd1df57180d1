/**
 * Runs LabBoot's TftpServer on 127.0.0.1 over a folder, for the TFTP benchmarks:
 * `node --import tsx test/bench/tftp-serve-child.ts ROOT [auto|native|portable]`. Prints
 * `PORT <n> ENGINE <name>`; stops on SIGTERM.
 */
import { TftpServer } from '../../src-main/boot/tftp/tftp-server';
import { directoryResolver } from '../../src-main/boot/boot-files';

const [root, engine = 'auto'] = process.argv.slice(2);
if (root === undefined || !['auto', 'native', 'portable'].includes(engine))
  throw new Error('usage: tftp-serve-child.ts ROOT [auto|native|portable]');
const server = await TftpServer.start({
  address: '127.0.0.1',
  port: 0,
  resolver: directoryResolver(root),
  maxBlksize: 65_464,
  maxTransfers: 512,
  engine: engine as 'auto' | 'native' | 'portable',
});
process.stdout.write(`PORT ${server.port} ENGINE ${server.engine}\n`);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));

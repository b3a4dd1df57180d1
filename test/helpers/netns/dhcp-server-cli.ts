/**
 * Runs LabBoot's DhcpService on one interface inside a test namespace:
 * `node --import tsx test/helpers/netns/dhcp-server-cli.ts '<json ServerArgs>'`. Prints `READY`
 * once the sockets are open, each boot event as `EVENT {json}`, `ERROR <code> <message>` if start
 * fails, and stops cleanly on SIGTERM.
 */
import { openDatabase } from '../../../src-main/store/database';
import { createLogger } from '../../../src-main/logger';
import { DhcpService, type DhcpServiceOptions } from '../../../src-main/boot/dhcp/dhcp-service';
import { isUserError } from '../../../src-shared/errors';

/** What the server CLI takes as its one JSON argument. */
export type ServerArgs = Omit<DhcpServiceOptions, 'db' | 'log' | 'onEvent'> & {
  readonly dbFile: string;
};

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as ServerArgs;
  const db = openDatabase(args.dbFile);
  let service: DhcpService;
  try {
    service = await DhcpService.start({
      ...args,
      db,
      log: createLogger({ stderrLevel: 'info' }),
      onEvent: (e) => process.stdout.write(`EVENT ${JSON.stringify(e)}\n`),
    });
  } catch (error) {
    db.close();
    const code = isUserError(error) ? error.code : 'internal';
    process.stdout.write(`ERROR ${code} ${(error as Error).message}\n`);
    process.exit(2);
  }
  process.stdout.write('READY\n');
  const stop = (): void => {
    void service.dispose().finally(() => {
      db.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();

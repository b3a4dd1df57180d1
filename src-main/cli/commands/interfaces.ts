import type { Command } from 'commander';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import { listInterfaces } from '../../net/interfaces';

/** registerInterfaces adds `labboot interfaces`: NICs with addresses, MAC, MTU and a kind hint. */
export function registerInterfaces(program: Command, ctx: CliContext): void {
  program
    .command('interfaces')
    .description('list network interfaces with addresses, MAC, MTU and a kind hint')
    .action(() => {
      // Reading NICs needs no store, so this command does not open the database.
      const nics = listInterfaces();
      ctx.output(
        () =>
          formatTable(
            ['NAME', 'KIND', 'STATE', 'MAC', 'MTU', 'ADDRESSES', 'NOTE'],
            nics.map((n) => [
              n.name,
              n.kind,
              n.up ? 'up' : 'down',
              n.mac ?? '-',
              n.mtu === null ? '-' : String(n.mtu),
              n.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(' ') || '-',
              n.warning ?? n.kindReason,
            ]),
          ),
        nics,
      );
    });
}

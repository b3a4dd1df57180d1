import type { Command } from 'commander';
import type { CliContext } from '../context';
import { formatTable } from '../table';
import type { MachinesView, ReservationView } from '../../../src-shared/contract/machines';

function setupLine(view: MachinesView): string {
  const s = view.setup;
  return s === null
    ? (view.setupProblem ?? 'No full-DHCP setup is known.')
    : `Full DHCP on ${s.interfaceName} (${s.address}, subnet ${s.subnet}, range ${s.range}).`;
}

function leasesTable(view: MachinesView): string {
  if (view.leases.length === 0)
    return 'No leases yet: full DHCP has not given any machine an address.';
  return formatTable(
    ['MAC', 'IP', 'HOSTNAME', 'STATE', 'EXPIRES', 'INTERFACE'],
    view.leases.map((l) => [
      l.mac,
      l.ip,
      l.hostname ?? '-',
      `${l.state}${l.reserved ? ' (reserved)' : ''}`,
      l.expired ? `${l.expiresAt} (expired)` : l.expiresAt,
      l.interfaceName,
    ]),
  );
}

function poolNote(r: ReservationView): string {
  if (r.unused) return 'not on the served subnet: unused';
  if (r.inPool === null) return '-';
  return r.inPool ? 'in the range' : 'outside the range';
}

function reservationsTable(view: MachinesView): string {
  if (view.reservations.length === 0)
    return 'No reservations; add one with "labboot leases reserve MAC IP".';
  return formatTable(
    ['MAC', 'IP', 'WHERE'],
    view.reservations.map((r) => [r.mac, r.ip, poolNote(r)]),
  );
}

/**
 * registerLeases adds `labboot leases` (full-DHCP leases and reservations) and
 * `leases reserve MAC IP` / `leases unreserve MAC`.
 */
export function registerLeases(program: Command, ctx: CliContext): void {
  const leases = program
    .command('leases')
    .description('full-DHCP leases (MAC, IP, hostname, expiry) and static reservations')
    .action(() =>
      ctx.withServices(async (services) => {
        const view = services.machines.list();
        ctx.output(
          () =>
            [
              setupLine(view),
              '',
              'Leases',
              leasesTable(view),
              '',
              'Reservations',
              reservationsTable(view),
            ].join('\n'),
          view,
        );
      }),
    );
  leases
    .command('reserve')
    .description(
      'always give this MAC this address in full DHCP (checked against the subnet and range)',
    )
    .argument('<MAC>', 'the machine, e.g. 52:54:00:12:34:56')
    .argument('<IP>', 'its address on the full-DHCP subnet, e.g. 10.0.0.50')
    .action((mac: string, ip: string) =>
      ctx.withServices(async (services) => {
        const r = services.machines.reserve(mac, ip);
        const where =
          r.inPool === false
            ? '; it is outside the DHCP range, so make sure no other host uses it'
            : '';
        ctx.output(`Reserved ${r.ip} for ${r.mac}${where}.`, r);
      }),
    );
  leases
    .command('unreserve')
    .description("remove a MAC's reservation; its address goes back to the pool")
    .argument('<MAC>', 'the machine')
    .action((mac: string) =>
      ctx.withServices(async (services) => {
        const r = services.machines.unreserve(mac);
        ctx.output(`Removed the reservation of ${r.mac}.`, r);
      }),
    );
}

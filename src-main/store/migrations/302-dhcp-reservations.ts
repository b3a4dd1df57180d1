import type { Migration } from './types';

/**
 * dhcp_reservations pins a client MAC to one IPv4 address for full-mode DHCP. Both columns are
 * unique, so the schema itself guarantees one address per MAC and one MAC per address. Not tied to
 * an interface: a reservation off the served subnet is simply not used.
 */
export const dhcpReservationsMigration: Migration = {
  id: 302,
  name: 'dhcp-reservations',
  up(db) {
    db.exec(`
      CREATE TABLE dhcp_reservations (
        mac TEXT PRIMARY KEY,
        ip TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL
      ) STRICT;
    `);
  },
};

import type { Migration } from './types';

/**
 * dhcp_leases holds full-mode DHCP leases. The (interface, address) pair is the primary key, so the schema itself
 * guarantees that one address is never held by two clients; a MAC holds at most one row.
 */
export const dhcpLeasesMigration: Migration = {
  id: 300,
  name: 'dhcp-leases',
  up(db) {
    db.exec(`
      CREATE TABLE dhcp_leases (
        ip TEXT NOT NULL,
        mac TEXT NOT NULL,
        interface TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('offered', 'bound', 'declined')),
        hostname TEXT,
        expires_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (interface, ip)
      ) STRICT;
      CREATE UNIQUE INDEX dhcp_leases_mac ON dhcp_leases (interface, mac) WHERE state <> 'declined';
    `);
  },
};

import type { Migration } from './types';

/** boot_events is the per-client boot timeline (DHCP → TFTP → HTTP), newest rows pruned by count. */
export const bootEventsMigration: Migration = {
  id: 301,
  name: 'boot-events',
  up(db) {
    db.exec(`
      CREATE TABLE boot_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        mac TEXT,
        client_ip TEXT,
        protocol TEXT NOT NULL CHECK (protocol IN ('dhcp', 'tftp', 'http')),
        stage TEXT NOT NULL,
        detail TEXT NOT NULL
      ) STRICT;
      CREATE INDEX boot_events_mac_at ON boot_events (mac, at);
      CREATE INDEX boot_events_ip_at ON boot_events (client_ip, at);
    `);
  },
};

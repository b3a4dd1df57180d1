import type { Migration } from './types';

/**
 * boot_servers.http_port: the HTTP port a serving process bound, so a test boot in another process
 * can boot its VM through that process's HTTP server. Null in rows written before it existed.
 */
export const bootServerHttpPortMigration: Migration = {
  id: 250,
  name: 'boot-server-http-port',
  up(db) {
    db.exec('ALTER TABLE boot_servers ADD COLUMN http_port INTEGER;');
  },
};

/**
 * A child process for the log-file test: appends COUNT numbered lines tagged TAG to the log in DIR
 * with a small size cap, so it rotates while another writer does the same.
 */
import { LogFile } from '../../src-main/log-file';

const [dir = '', tag = 'x', count = '100'] = process.argv.slice(2);
const log = new LogFile(dir, { maxBytes: 4096, files: 10 });
for (let i = 0; i < Number(count); i++) {
  log.append(`${tag} ${String(i).padStart(4, '0')} ${'z'.repeat(30)}`);
}
log.dispose();

/**
 * History is pruned when LabBoot starts and after each sync, through the composition root: old
 * rows written between the two are gone once a sync has run against a loopback mirror.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createServices, type Services } from '../../../src-main/services';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir();
const open: Services[] = [];
let server: MirrorServer | undefined;
afterEach(async () => {
  for (const s of open.splice(0)) await s.dispose();
  await server?.stop();
  tmp.remove();
});

function addOldHistory(s: Services, days: number): void {
  const at = new Date(Date.now() - days * 86_400_000).toISOString();
  const run = s.db
    .prepare("INSERT INTO sync_runs (status, pid, started_at) VALUES ('done', 1, ?)")
    .run(at).lastInsertRowid;
  s.db
    .prepare("INSERT INTO sync_events (run_id, at, event, payload) VALUES (?, ?, 'file', '{}')")
    .run(run, at);
  s.db
    .prepare(
      "INSERT INTO boot_events (at, mac, client_ip, protocol, stage, detail) VALUES (?, NULL, '10.9.9.9', 'http', 'http-sent', '')",
    )
    .run(Date.now() - days * 86_400_000);
}

const rows = (s: Services, table: string): number =>
  s.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

describe('history pruning wiring', { timeout: 60_000 }, () => {
  it('runs at start and after each sync, with the configured age', async () => {
    const dataDir = join(tmp.path, 'data');
    const first = await createServices({ dataDir, frontDoor: 'cli', stderrLogLevel: 'silent' });
    addOldHistory(first, 40);
    addOldHistory(first, 40); // two runs: the newest run is always kept
    await first.dispose();

    const s = await createServices({ dataDir, frontDoor: 'cli', stderrLogLevel: 'silent' });
    open.push(s);
    expect(rows(s, 'sync_runs')).toBe(1);
    expect(rows(s, 'boot_events')).toBe(0);

    const mirror = await standardMirror(join(tmp.path, 'mirror'));
    server = await new MirrorServer(mirror.root).start();
    await s.sources.add({
      url: server.url,
      name: 'loop',
      keyring: mirror.key.publicBinary,
      verify: true,
    });
    s.upkeep.setSettings({ historyDays: 5 });
    addOldHistory(s, 10);
    await s.sync.run(() => undefined);
    // Only the sync that just ran is left.
    expect(s.sources.store.listRuns().map((r) => r.status)).toEqual(['done']);
    expect(rows(s, 'boot_events')).toBe(0);
  });
});

/**
 * Machine views read the boot log this process is still batching: a machine seen a moment ago is
 * listed, with its address and path, before the batch's timer writes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { BootLogStore } from '../../../src-main/boot/dhcp/boot-log-store';
import { DeployService } from '../../../src-main/deploy/deploy-service';
import { openDatabase } from '../../../src-main/store/database';
import { makeTempDir } from '../../helpers/temp-dir';

const tmp = makeTempDir('labboot-deploy-log-');
const db = openDatabase(':memory:');
afterEach(() => {
  db.close();
  tmp.remove();
});

describe('DeployService with a batching boot log', () => {
  it('lists and shows a machine whose steps are still queued', () => {
    const bootLog = new BootLogStore(db);
    const service = new DeployService({ db, dataDir: join(tmp.path, 'data'), bootLog });
    const mac = '52:54:00:17:00:01';
    const at = Date.now();
    bootLog.record({
      at,
      mac,
      clientIp: '10.0.0.21',
      protocol: 'dhcp',
      stage: 'dhcp-ack',
      detail: '10.0.0.21',
    });
    bootLog.record({
      at: at + 1,
      mac,
      clientIp: '10.0.0.21',
      protocol: 'http',
      stage: 'http-sent',
      detail: 'GET /images/abc/ubuntu/amd64/ga/jammy/stable/boot-kernel — 200',
    });
    expect(service.machines().map((m) => [m.mac, m.state, m.lastAddress])).toEqual([
      [mac, 'ephemeral', '10.0.0.21'],
    ]);
    expect(service.machine(mac).lastPath).toMatch(/boot-kernel/);
  });
});

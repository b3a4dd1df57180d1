/**
 * The deploy cycle without a network: marking, the installer as user-data for marked MACs only,
 * token-checked reports moving the state, local boot once deployed, failures from a report, from
 * a new boot mid-write and from silence, release with erase, and image delete while in use.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { DeployService } from '../../../src-main/deploy/deploy-service';
import { importCustomImage } from '../../../src-main/deploy/image-import';
import { EventBus } from '../../../src-main/event-bus';
import { makeTempDir } from '../../helpers/temp-dir';
import { fakeDisk, pack } from '../../helpers/deploy/disk-images';
import { parseReport } from '../../helpers/deploy/installer-harness';

const MAC = '52:54:00:aa:00:01';
const OTHER = '52:54:00:aa:00:02';
const endpoint = { host: '10.0.0.1', httpPort: 5248 };

let tmp: ReturnType<typeof makeTempDir>;
let db: Database;
let clock: number;
let service: DeployService;
let changes: string[];

beforeEach(async () => {
  tmp = makeTempDir('labboot-deploy-');
  db = openDatabase(':memory:');
  clock = 1_700_000_000_000;
  const events = new EventBus();
  changes = [];
  events.subscribe((name, payload) => {
    if (name === 'deploy.changed') {
      const p = payload as { mac: string | null; state: string | null };
      changes.push(`${p.mac ?? '-'} ${p.state ?? '-'}`);
    }
  });
  service = new DeployService({
    db,
    dataDir: join(tmp.path, 'data'),
    events,
    now: () => clock,
    silenceMs: 60_000,
  });
  const file = pack(join(tmp.path, 'img'), fakeDisk(1024 * 1024), 'gz');
  await importCustomImage(
    { file, name: 'jammy', kind: 'auto', arch: 'amd64', firmware: 'any' },
    { blobs: service.blobs, images: service.images },
  );
});

afterEach(async () => {
  await service.dispose();
  db.close();
  tmp.remove();
});

/** The installer settings as written into the user-data. */
function settingsOf(userData: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of userData.matchAll(/^(LABBOOT_[A-Z0-9_]+)='?([^'\n]*)'?$/gm))
    out[m[1] ?? ''] = m[2] ?? '';
  return out;
}

function post(mac: string, body: Record<string, string>): number {
  const text = Object.entries(body)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  return service.report(`deploy/${mac.replaceAll(':', '-')}/report`, text).status;
}

describe('DeployService', () => {
  it('gives the installer to the marked MAC only, then local boot once it reports done', async () => {
    expect(service.bootAction(MAC)).toBeUndefined();
    const marked = service.deploy(MAC, 'custom/jammy', 'auto');
    expect(marked).toMatchObject({
      state: 'deploying',
      phase: 'marked',
      image: 'custom/jammy',
      percent: 0,
    });
    expect(service.bootAction(MAC)).toBe('installer');
    expect(service.bootAction(OTHER)).toBeUndefined();
    expect(service.userData(OTHER, endpoint)).toBeUndefined();
    expect(service.userData(undefined, endpoint)).toBeUndefined();

    const userData = service.userData(MAC, endpoint) ?? '';
    expect(userData.startsWith('#!/bin/sh\n')).toBe(true);
    const s = settingsOf(userData);
    expect(s.LABBOOT_REPORT_URL).toBe('http://10.0.0.1:5248/deploy/52-54-00-aa-00-01/report');
    expect(s.LABBOOT_IMAGE_URL).toBe(`http://10.0.0.1:5248/deploy/${s.LABBOOT_TOKEN}/jammy.img.gz`);
    expect(s.LABBOOT_KIND).toBe('ddgz');
    expect(s.LABBOOT_TOTAL).toBe(String(1024 * 1024));
    expect(s.LABBOOT_SHA256).toBe(service.images.get('jammy')?.sha256);

    const file = await service.resolveFile(`deploy/${s.LABBOOT_TOKEN}/jammy.img.gz`);
    expect(file?.kind).toBe('file');
    if (file?.kind === 'file') await file.handle.close();
    expect(await service.resolveFile(`deploy/${'0'.repeat(32)}/jammy.img.gz`)).toBeUndefined();

    const token = s.LABBOOT_TOKEN ?? '';
    expect(post(MAC, { token: 'wrong', phase: 'started', bytes: '0', total: '1' })).toBe(403);
    expect(post(MAC, { phase: 'started', bytes: '0', total: '1' })).toBe(403);
    expect(
      post(MAC, { token, phase: 'started', bytes: '0', total: '1048576', disk: '/dev/vda' }),
    ).toBe(200);
    expect(post(MAC, { token, phase: 'writing', bytes: '524288', total: '1048576' })).toBe(200);
    expect(service.machine(MAC)).toMatchObject({
      state: 'deploying',
      phase: 'writing',
      percent: 50,
      disk: '/dev/vda',
    });
    // Marked but no longer waiting: the user-data is not handed out a second time.
    expect(service.userData(MAC, endpoint)).toBeUndefined();
    clock += 5000;
    expect(post(MAC, { token, phase: 'done', bytes: '1048576', total: '1048576' })).toBe(200);
    expect(service.machine(MAC)).toMatchObject({
      state: 'deployed',
      image: 'custom/jammy',
      deployedAt: new Date(clock).toISOString(),
      percent: null,
    });
    expect(service.bootAction(MAC)).toBe('local');
    // The token died with the deploy: a replayed report is refused.
    expect(post(MAC, { token, phase: 'failed', bytes: '0', total: '0', error: 'x' })).toBe(403);
    expect(changes).toContain(`${MAC} deployed`);
  });

  it('keeps the installer’s failure sentence, and a new deploy works after it', () => {
    service.deploy(MAC, 'jammy');
    const token = settingsOf(service.userData(MAC, endpoint) ?? '').LABBOOT_TOKEN ?? '';
    post(MAC, { token, phase: 'started', bytes: '0', total: '9' });
    post(MAC, {
      token,
      phase: 'failed',
      bytes: '0',
      total: '9',
      error: 'The disk /dev/vda holds 2 bytes\u001b[2J, but custom/jammy needs 9 bytes.',
    });
    const failed = service.machine(MAC);
    expect(failed.state).toBe('failed');
    expect(failed.error).toBe(
      'The disk /dev/vda holds 2 bytes\\x1b[2J, but custom/jammy needs 9 bytes.',
    );
    expect(service.bootAction(MAC)).toBeUndefined();
    const again = service.deploy(MAC, 'jammy');
    expect(again).toMatchObject({ state: 'deploying', phase: 'marked', error: null });
    expect(settingsOf(service.userData(MAC, endpoint) ?? '').LABBOOT_TOKEN).not.toBe(token);
  });

  it('fails a deploy whose machine network-boots again while writing (power loss), and boots it as usual', () => {
    service.deploy(MAC, 'jammy');
    const token = settingsOf(service.userData(MAC, endpoint) ?? '').LABBOOT_TOKEN ?? '';
    post(MAC, { token, phase: 'writing', bytes: '100', total: '1048576' });
    expect(service.bootAction(MAC)).toBeUndefined();
    expect(service.machine(MAC).error).toMatch(
      /^The machine started again while its installer was writing the disk \(power loss or reset\)/,
    );
  });

  it('fails a deploy whose installer went silent', () => {
    service.deploy(MAC, 'jammy');
    const token = settingsOf(service.userData(MAC, endpoint) ?? '').LABBOOT_TOKEN ?? '';
    post(MAC, { token, phase: 'writing', bytes: '100', total: '1048576' });
    clock += 59_000;
    expect(service.machine(MAC).state).toBe('deploying');
    clock += 2_000;
    expect(service.machine(MAC)).toMatchObject({ state: 'failed' });
    expect(service.machine(MAC).error).toMatch(
      /^The installer stopped reporting for 1 minute\(s\)/,
    );
  });

  it('release --erase hands out the erase installer once, then the MAC is released', () => {
    service.deploy(MAC, 'jammy');
    const token = settingsOf(service.userData(MAC, endpoint) ?? '').LABBOOT_TOKEN ?? '';
    post(MAC, { token, phase: 'done', bytes: '1', total: '1' });
    const released = service.release(MAC, true);
    expect(released).toMatchObject({ state: 'released', erasePending: true });
    expect(service.bootAction(MAC)).toBe('installer');
    const erase = settingsOf(service.userData(MAC, endpoint) ?? '');
    expect(erase.LABBOOT_MODE).toBe('erase');
    expect(
      post(MAC, { token: erase.LABBOOT_TOKEN ?? '', phase: 'erased', bytes: '0', total: '0' }),
    ).toBe(200);
    expect(service.machine(MAC)).toMatchObject({ state: 'released', erasePending: false });
    expect(service.bootAction(MAC)).toBeUndefined();
  });

  it('refuses to delete an image while a deploy writes it, and deletes it afterwards', async () => {
    service.deploy(MAC, 'jammy');
    expect(service.listImages()[0]?.inUseBy).toBe(MAC);
    await expect(service.deleteImage('custom/jammy')).rejects.toThrow(
      `custom/jammy is being deployed to ${MAC}, so it cannot be deleted now; wait for the deploy to end or release that machine first.`,
    );
    service.release(MAC, false);
    expect(await service.deleteImage('custom/jammy')).toEqual({
      name: 'custom/jammy',
      removed: true,
    });
    expect(service.listImages()).toEqual([]);
  });

  it('lists MACs from the boot log as new or ephemeral, and refuses bad input in one sentence', () => {
    const log = db.prepare(
      'INSERT INTO boot_events (at, mac, client_ip, protocol, stage, detail) VALUES (?, ?, ?, ?, ?, ?)',
    );
    log.run(clock, OTHER, '10.0.0.20', 'dhcp', 'dhcp-ack', '10.0.0.20');
    log.run(
      clock + 1,
      MAC,
      '10.0.0.21',
      'http',
      'http-sent',
      'GET /images/abc/ubuntu/amd64/ga/jammy/stable/boot-kernel — 200',
    );
    const list = service.machines();
    expect(list.map((m) => [m.mac, m.state, m.lastAddress])).toEqual([
      [MAC, 'ephemeral', '10.0.0.21'],
      [OTHER, 'new', '10.0.0.20'],
    ]);
    expect(list[0]?.lastPath).toMatch(/boot-kernel/);
    expect(() => service.deploy('nope', 'jammy')).toThrow(/^"nope" is not a MAC address/);
    expect(() => service.deploy(MAC, 'missing')).toThrow(
      /^custom\/missing is not in the store; import it first/,
    );
    expect(() => service.deploy(MAC, 'jammy', 'sda')).toThrow(/^"sda" is not a disk; /);
  });
});

describe('report parsing', () => {
  it('reads the harness body format the installer posts', () => {
    expect(parseReport('token=t\nphase=writing\nbytes=1')).toEqual({
      token: 't',
      phase: 'writing',
      bytes: '1',
    });
  });
});

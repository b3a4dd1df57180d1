/**
 * BootService over a store filled by a real sync: start/stop/status, per-MAC choices taking effect
 * on the next request, SSH key and hostname checks, and boot-log rows for served requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { requireBinaries, run } from '../../helpers/boot/udp-tools';
import { BootResources } from '../../../src-main/store/boot-resources';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { BootService } from '../../../src-main/boot/boot-service';
import { listInterfaces } from '../../../src-main/net/interfaces';
import type { BootServeEvent } from '../../../src-shared/boot/events';

let env: SyncEnv;
let boot: BootService;
const seen: BootServeEvent[] = [];

beforeAll(async () => {
  await requireBinaries(['curl']);
  env = await makeSyncEnv({ key: await generateTestKey() });
  const error = await env.run();
  if (error !== undefined) throw error;
  boot = new BootService({
    db: env.db,
    bootResources: new BootResources(env.db, env.dataDir),
    settings: new SettingsStore(env.db),
    interfaces: () => listInterfaces(),
  });
  boot.onEvent((e) => seen.push(e));
});

afterAll(async () => {
  await boot?.dispose();
  await env?.cleanup();
});

const fetchText = async (port: number, path: string): Promise<string> =>
  (await run('curl', ['-sSf', `http://127.0.0.1:${port}${path}`])).stdout;

describe('BootService', () => {
  it('starts on the loopback interface, reports its parts, and refuses a second start', async () => {
    const status = await boot.start({ interfaceName: 'lo', tftpPort: 0, httpPort: 0 });
    expect(status).toMatchObject({ running: true, address: '127.0.0.1', interfaceName: 'lo' });
    expect(status.warnings[0]).toMatch(/^lo: Loopback/);
    expect(status.parts.map((p) => [p.name, p.state])).toEqual([
      ['http', 'running'],
      ['tftp', 'running'],
    ]);
    await expect(boot.start({ address: '127.0.0.1' })).rejects.toThrow(
      /already serving on 127\.0\.0\.1/,
    );
  });

  it('applies per-MAC choices on the next request and falls back to the default', async () => {
    const port = boot.status().parts.find((p) => p.name === 'http')?.port ?? 0;
    boot.setChoice({ mac: 'default', action: 'image', image: 'ubuntu/jammy/amd64' });
    boot.setChoice({ mac: '52-54-00-00-00-01', action: 'local' });
    boot.setChoice({
      mac: '52:54:00:00:00:02',
      action: 'image',
      image: 'ubuntu/jammy/amd64/hwe-22.04-lowlatency',
      hostname: 'rt-box',
    });
    expect(await fetchText(port, '/grub/grub.cfg-52:54:00:00:00:01')).toContain(
      "menuentry 'Local'",
    );
    const rt = await fetchText(port, '/pxelinux.cfg/01-52-54-00-00-00-02');
    expect(rt).toContain('/ubuntu/amd64/hwe-22.04-lowlatency/jammy/stable/boot-kernel');
    expect(rt).toContain('ip=::::rt-box:BOOTIF');
    const other = await fetchText(port, '/ipxe.cfg-52-54-00-00-00-03');
    expect(other).toContain('/ubuntu/amd64/ga-22.04/jammy/stable/boot-kernel');
    expect(await fetchText(port, '/cloud-init/52:54:00:00:00:02/meta-data')).toBe(
      'instance-id: labboot-52-54-00-00-00-02\nlocal-hostname: rt-box\n',
    );
  });

  it('refuses images that are not stored, bad hostnames and bad SSH keys in one sentence', () => {
    expect(() =>
      boot.setChoice({ mac: 'default', action: 'image', image: 'ubuntu/noble/amd64' }),
    ).toThrow(/not in the store.*labboot sync/);
    expect(() => boot.setChoice({ mac: 'default', action: 'local', hostname: 'bad_name' })).toThrow(
      /not a valid hostname/,
    );
    expect(() => boot.setSshKeys(['not a key'])).toThrow(/is not an SSH public key/);
    boot.setSshKeys(['# comment', 'ssh-ed25519 AAAAC3Nz admin@x', '']);
    expect(boot.sshKeys()).toEqual(['ssh-ed25519 AAAAC3Nz admin@x']);
  });

  it('records served requests in the boot log and stops cleanly', async () => {
    expect(seen.some((e) => e.protocol === 'http' && e.status === 200)).toBe(true);
    const rows = env.db
      .prepare('SELECT protocol, stage, client_ip AS clientIp FROM boot_events')
      .all();
    expect(rows).toContainEqual({ protocol: 'http', stage: 'http-sent', clientIp: '127.0.0.1' });
    const status = await boot.stop();
    expect(status).toEqual({
      running: false,
      address: null,
      interfaceName: null,
      mtu: null,
      warnings: [],
      parts: [],
    });
  });
});

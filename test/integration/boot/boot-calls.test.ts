/**
 * The boot server's contract calls through the real dispatcher and composition root: SSH keys set,
 * refused and read back after a restart; DHCP-mode limitations; a start on loopback with DHCP off
 * remembered across a restart; DHCP on a NIC without a MAC refused in words; the stored boot log of
 * a real HTTP fetch surviving a restart. Only 127.0.0.1 is used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Dispatcher } from '../../../src-main/api/dispatch';
import { createHandlers } from '../../../src-main/api/handlers/index';
import { createServices, type Services } from '../../../src-main/services';
import type { BootStep } from '../../../src-shared/boot/events';
import type { BootStatus } from '../../../src-shared/contract/boot';
import { makeTempDir } from '../../helpers/temp-dir';
import { requireBinaries, run } from '../../helpers/boot/udp-tools';

const tmp = makeTempDir();
let services: Services | undefined;

async function open(): Promise<Dispatcher> {
  await services?.dispose();
  services = await createServices({
    dataDir: join(tmp.path, 'data'),
    frontDoor: 'console',
    stderrLogLevel: 'silent',
  });
  return new Dispatcher(createHandlers(services));
}

/** ok unwraps a successful call and fails the test with the service's message otherwise. */
async function ok<T>(d: Dispatcher, name: string, input: unknown): Promise<T> {
  const result = await d.call(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value as T;
}

beforeAll(() => requireBinaries(['curl']));

afterAll(async () => {
  await services?.dispose();
  tmp.remove();
});

describe('boot calls', () => {
  it('sets, refuses and reads back SSH keys, kept across a restart', async () => {
    let d = await open();
    expect(await ok(d, 'boot.sshKeys', {})).toEqual({ keys: [] });
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk admin@laptop';
    expect(await ok(d, 'boot.setSshKeys', { keys: ['# mine', key, '  '] })).toEqual({
      keys: [key],
    });
    expect(
      await d.call('boot.setSshKeys', { keys: ['-----BEGIN OPENSSH PRIVATE KEY-----'] }),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad-ssh-key', message: expect.stringMatching(/private key/) },
    });
    d = await open();
    expect(await ok(d, 'boot.sshKeys', {})).toEqual({ keys: [key] });
  });

  it('names what cannot work per DHCP mode', async () => {
    const d = await open();
    const proxy = await ok<{ id: string; message: string }[]>(d, 'boot.limitations', {
      dhcp: 'proxy',
    });
    // An empty store: nothing is known about its GRUB yet.
    expect(proxy.map((l) => l.id)).toEqual(['uefi-proxy-http-boot', 'secure-boot-proxy']);
    expect(proxy[1]?.message).toMatch(/holds no UEFI GRUB yet/);
    expect(await ok(d, 'boot.limitations', { dhcp: 'full' })).toEqual([]);
    expect(await d.call('boot.limitations', { dhcp: 'maybe' })).toMatchObject({
      ok: false,
      error: { code: 'bad-input' },
    });
  });

  it('refuses DHCP on a NIC without a MAC, serves with DHCP off, and remembers the start', async () => {
    let d = await open();
    expect(
      await d.call('boot.start', { interfaceName: 'lo', dhcp: 'proxy', tftpPort: 0, httpPort: 0 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'dhcp-interface', message: expect.stringMatching(/choose DHCP off/) },
    });
    const status = await ok<BootStatus>(d, 'boot.start', {
      interfaceName: 'lo',
      dhcp: 'off',
      tftpPort: 0,
      httpPort: 0,
    });
    expect(status.parts.map((p) => p.name)).toEqual(['http', 'tftp', 'dhcp']);
    const http = status.parts.find((p) => p.name === 'http')?.port ?? 0;
    await run('curl', ['-sS', '-o', '/dev/null', `http://127.0.0.1:${http}/boot.ipxe`]);
    await ok(d, 'boot.stop', {});

    d = await open();
    const after = await ok<BootStatus>(d, 'boot.status', {});
    expect(after.running).toBe(false);
    expect(after.lastStart).toEqual({
      interfaceName: 'lo',
      address: null,
      dhcp: 'off',
      range: null,
    });
    const log = await ok<BootStep[]>(d, 'boot.log', {});
    expect(log.at(-1)).toMatchObject({
      protocol: 'http',
      clientIp: '127.0.0.1',
      mac: null,
      detail: expect.stringMatching(/^GET \/boot\.ipxe — \d{3}, /),
    });
    expect(await d.call('boot.log', { mac: 'zz' })).toMatchObject({
      ok: false,
      error: { code: 'bad-mac' },
    });
  });
});

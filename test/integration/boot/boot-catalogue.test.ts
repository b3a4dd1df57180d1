/**
 * The boot server keeps the stored catalogue in memory: hundreds of probes do not each read every
 * resource, version and file, yet a sync that publishes or prunes while it serves is seen by the
 * very next request. The sync runs on its own database connection, as `labboot sync` beside a
 * running `labboot serve` does. Only 127.0.0.1 is used.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { BootResources } from '../../../src-main/store/boot-resources';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { BootService } from '../../../src-main/boot/boot-service';
import { listInterfaces } from '../../../src-main/net/interfaces';

const FOCAL_MAC = '52:54:00:00:20:04';

let env: SyncEnv;
let serveDb: Database;
let resources: BootResources;
let boot: BootService;
let port = 0;

async function sync(): Promise<void> {
  const error = await env.run();
  if (error !== undefined) throw error;
}

/** The HTTP status of one request to the running boot server. */
async function status(path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  return res.status;
}

beforeAll(async () => {
  env = await makeSyncEnv({ key: await generateTestKey() });
  await sync();
  serveDb = openDatabase(join(env.dataDir, 'labboot.sqlite'));
  resources = new BootResources(serveDb, env.dataDir);
  boot = new BootService({
    db: serveDb,
    bootResources: resources,
    settings: new SettingsStore(serveDb),
    interfaces: () => listInterfaces(),
  });
  boot.setChoice({ mac: 'default', action: 'image', image: 'ubuntu/jammy/amd64' });
  // Chosen before focal is stored: the machine gets "not found" until a sync brings it.
  boot.choices.set(FOCAL_MAC, { action: 'image', image: 'ubuntu/focal/amd64', hostname: null });
  const started = await boot.start({ address: '127.0.0.1', tftpPort: 0, httpPort: 0 });
  port = started.parts.find((p) => p.name === 'http')?.port ?? 0;
});

afterAll(async () => {
  await boot?.stop();
  if (serveDb?.open) serveDb.close();
  await env?.cleanup();
});

describe('the boot catalogue while serving', () => {
  it('answers many probes from one read of the catalogue', async () => {
    const reads = vi.spyOn(resources, 'listImages');
    const loaderReads = vi.spyOn(resources, 'listBootloaders');
    // What GRUB does on start: module lists, fonts, per-MAC and per-IP configs, then its config.
    const probes = Array.from({ length: 200 }, (_, i) => `/grub/x86_64-efi/probe-${i}.mod`);
    for (const p of probes) expect(await status(p)).toBe(404);
    expect(await status('/grub/grub.cfg-default-amd64')).toBe(200);
    expect(await status('/bootx64.efi')).toBe(200);
    // The first request reads the catalogue once; nothing changed after it.
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    expect(loaderReads.mock.calls.length).toBeLessThanOrEqual(1);
    reads.mockRestore();
    loaderReads.mockRestore();
  });

  it('sees an image published by a sync on the next request, and its prune too', async () => {
    const config = `/ipxe.cfg-${FOCAL_MAC.replaceAll(':', '-')}`;
    expect(await status(config)).toBe(404);

    env.sources.select(['ubuntu/focal/amd64']);
    await sync();
    expect(await status(config)).toBe(200);

    env.sources.unselect(['ubuntu/focal/amd64']);
    await sync();
    expect(await status(config)).toBe(404);
    // The other image is untouched by the prune.
    expect(await status('/ipxe.cfg-default')).toBe(200);
  });
});

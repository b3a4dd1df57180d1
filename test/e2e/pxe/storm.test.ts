/**
 * A small PXE storm through the bundled `labboot serve --dhcp full`: 5 VMs (3 BIOS with QEMU's
 * iPXE ROM, 2 UEFI with OVMF's own PXE) on one LAN bridge, powered on together, boot a store filled
 * by `labboot sync` up to a marker-only initramfs. Each must reach the marker, get its own address,
 * and keep its own boot-log timeline (no TFTP or HTTP row from its address carrying another MAC);
 * serve's event-loop delay summary is printed and must stay sane. The 20-client version, timed
 * against dnsmasq, is test/bench/many-clients.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetnsLab, canUseNetns } from '../../helpers/netns/netns-lab';
import { buildLan, clientTaps, routerConfig } from './lab';
import { buildMarkerOnlyInitramfs } from './payloads';
import { startServe } from './serve-process';
import { syncLabStore } from './store-image';
import {
  bootTogether,
  checkTimelines,
  clientLines,
  parseLoopDelaySummary,
  readBootLog,
  spawnSpreadMs,
  stormClients,
} from './storm';

if (!canUseNetns())
  throw new Error('The PXE e2e tests need root (network namespaces, tap devices).');

const CLIENTS = 5;
/** Generous: five TCG VMs share a CI box's cores with other tests. */
const VM_TIMEOUT_MS = 240_000;
const work = mkdtempSync(join(tmpdir(), 'labboot-storm-e2e-'));
const dataDir = join(work, 'data');

beforeAll(async () => {
  await syncLabStore(work, dataDir, 'http', buildMarkerOnlyInitramfs);
}, 300_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('a PXE storm through labboot serve --dhcp full', () => {
  it(`boots ${CLIENTS} BIOS and UEFI machines powered on together, each with its own address and timeline`, async () => {
    const lab = new NetnsLab('st');
    try {
      const net = buildLan(lab);
      const clients = stormClients(clientTaps(lab, net, CLIENTS), 0x50);
      const router = routerConfig(work, false);
      lab.run(net.rtr, 'dnsmasq', ['-k', `--conf-file=${router.conf}`, '--log-facility=-']);
      const serve = await startServe(lab, net.srv, dataDir, [
        '--interface',
        net.srvIf,
        '--dhcp',
        'full',
        '--range',
        '10.77.0.100-10.77.0.149',
        '--boot',
        'ubuntu/jammy/amd64',
      ]);
      const since = Date.now();
      const boots = await bootTogether(lab, net.lan, clients, {
        work,
        timeoutMs: VM_TIMEOUT_MS,
        serverLog: () => `${serve.stdout()}\n${serve.stderr()}`,
      });
      // SIGTERM, as a user's Ctrl-C: serve flushes the boot log and prints its loop summary.
      await lab.stop(serve, 15_000);
      const summary = parseLoopDelaySummary(serve.stderr());
      const verdict = checkTimelines(
        await readBootLog(dataDir),
        clients.map((c) => c.mac),
        since,
      );
      process.stdout.write(
        `[pxe-e2e] storm: ${CLIENTS} VMs spawned within ${spawnSpreadMs(boots)} ms\n${clientLines(boots, '[pxe-e2e]   ')}` +
          `[pxe-e2e] storm: timelines ${verdict.own.length}/${CLIENTS} own; addresses ${JSON.stringify(Object.fromEntries(verdict.addresses))}\n` +
          `[pxe-e2e] storm: ${summary?.line ?? 'no loop-delay summary'}\n`,
      );
      for (const b of boots.filter((x) => x.errorDetail !== undefined))
        process.stdout.write(`[pxe-e2e] storm: ${b.client.mac}: ${b.errorDetail ?? ''}\n`);
      expect(spawnSpreadMs(boots)).toBeLessThan(1000);
      expect(
        boots.filter((b) => b.ms === undefined).map((b) => `${b.client.mac}: ${b.error ?? ''}`),
      ).toEqual([]);
      expect(verdict.faults).toEqual([]);
      expect(verdict.own).toHaveLength(CLIENTS);
      expect(new Set(verdict.addresses.values()).size).toBe(CLIENTS);
      expect(summary, serve.stderr().slice(-2000)).toBeDefined();
      // A sanity bound only: the 50 ms goal is the benchmark's, on a machine left to it.
      expect(summary?.maxMs).toBeLessThan(1000);
    } finally {
      await lab.dispose();
    }
  });
});

/**
 * Leases, reservations and the MAC filter of the live log on the Boot server screen, end to end: a
 * real `labboot console` on a store where full DHCP last ran on `lo` (127.0.0.1/8, range
 * 127.0.0.100-127.0.0.200) and gave two machines addresses, Debian Chromium, axe-core and
 * screenshots. The console's own process writes every reservation; the CLI in another process
 * then reads it back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { runBundledCli } from '../../helpers/run-bundled-cli';
import { openDatabase } from '../../../src-main/store/database';
import { SettingsStore } from '../../../src-main/store/settings-store';
import { LeaseStore } from '../../../src-main/boot/dhcp/lease-store';
import { BootLogStore } from '../../../src-main/boot/dhcp/boot-log-store';
import { LAST_START_SETTING } from '../../../src-main/boot/boot-service';
import type { BootLastStart } from '../../../src-shared/contract/boot';
import type { MachinesView } from '../../../src-shared/contract/machines';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir();
const dataDir = join(tmp.path, 'data');
const NODE1 = '52:54:00:00:01:01';
const NODE2 = '52:54:00:00:02:02';
const NEW = '52:54:00:00:03:03';
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;

/** seed writes what `serve --interface lo --dhcp full` leaves behind: the start, leases, the log. */
function seed(): void {
  const db = openDatabase(join(dataDir, 'labboot.sqlite'));
  try {
    const last: BootLastStart = {
      interfaceName: 'lo',
      address: null,
      dhcp: 'full',
      range: '127.0.0.100-127.0.0.200',
    };
    new SettingsStore(db).set(LAST_START_SETTING, last);
    const now = Date.now();
    const leases = new LeaseStore(db, 'lo');
    leases.put(
      { ip: '127.0.0.100', mac: NODE1, state: 'bound', hostname: 'node1', expiresAt: now + 3.6e6 },
      now,
    );
    leases.put(
      { ip: '127.0.0.101', mac: NODE2, state: 'bound', hostname: null, expiresAt: now - 60_000 },
      now,
    );
    const log = new BootLogStore(db);
    const steps: [string, string, string, string][] = [
      [NODE1, '127.0.0.100', 'dhcp-offer', '127.0.0.100 + bios lpxelinux.0 (arch 0), host node1'],
      [NODE1, '127.0.0.100', 'dhcp-ack', '127.0.0.100 + bios lpxelinux.0 (arch 0), host node1'],
      [NODE2, '127.0.0.101', 'dhcp-offer', '127.0.0.101 + uefi bootx64.efi (arch 7)'],
      [NODE2, '127.0.0.101', 'dhcp-ack', '127.0.0.101 + uefi bootx64.efi (arch 7)'],
    ];
    steps.forEach(([mac, ip, stage, detail], i) =>
      log.record({
        at: now - 60_000 + i * 1000,
        mac,
        clientIp: ip,
        protocol: 'dhcp',
        stage,
        detail,
      }),
    );
    log.record({
      at: now - 50_000,
      mac: NODE1,
      clientIp: '127.0.0.100',
      protocol: 'tftp',
      stage: 'tftp-sent',
      detail: 'lpxelinux.0 — complete, 42.0 KiB',
    });
    // The store batches its writes; write them before the console (another process) reads.
    log.dispose();
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  seed();
  consoleProcess = await startConsole(dataDir);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Boot server', exact: true })
    .click();
  await page.getByRole('table', { name: 'DHCP leases' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  tmp.remove();
});

describe('machines, leases and reservations on the Boot server screen', () => {
  it('lists the leases with MAC, IP, hostname and expiry, and the setup they belong to', async () => {
    const panel = page.getByRole('region', { name: 'Machines and leases' });
    expect(await panel.textContent()).toContain(
      'Full DHCP on lo (127.0.0.1), subnet 127.0.0.0/8, range 127.0.0.100-127.0.0.200.',
    );
    const leases = page.getByRole('table', { name: 'DHCP leases' });
    const node1 = leases.getByRole('row', { name: new RegExp(`^${NODE1}`) });
    expect(await node1.textContent()).toMatch(/127\.0\.0\.100node1leased.*lo/);
    const node2 = leases.getByRole('row', { name: new RegExp(`^${NODE2}`) });
    expect(await node2.textContent()).toContain('leased, ended');
  });

  it('adds a reservation, refuses one off the subnet in words, and pins a lease', async () => {
    await page.getByLabel('Machine MAC').fill(NEW);
    await page.getByLabel('Reserved IP').fill('10.9.9.9');
    await page.getByRole('button', { name: 'Reserve address' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      "10.9.9.9 is not on lo's subnet 127.0.0.0/8, which full DHCP serves; pick an address from that subnet.",
    );
    await page.getByLabel('Reserved IP').fill('127.0.0.100');
    await page.getByRole('button', { name: 'Reserve address' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toMatch(/^127\.0\.0\.100 is leased to 52:54:00:00:01:01 until/);
    await page.getByLabel('Reserved IP').fill('127.0.0.150');
    await page.getByRole('button', { name: 'Reserve address' }).click();
    const reservations = page.getByRole('table', { name: 'DHCP reservations' });
    await expect
      .poll(() => reservations.getByRole('row', { name: new RegExp(`^${NEW}`) }).textContent())
      .toContain('127.0.0.150in the DHCP range');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByLabel('Machine MAC').inputValue()).toBe('');

    await page.getByRole('button', { name: `Reserve 127.0.0.100 for ${NODE1}` }).click();
    await expect
      .poll(() => reservations.getByRole('row', { name: new RegExp(`^${NODE1}`) }).count())
      .toBe(1);
    await expect
      .poll(() =>
        page
          .getByRole('table', { name: 'DHCP leases' })
          .getByRole('row', { name: new RegExp(`^${NODE1}`) })
          .textContent(),
      )
      .toContain('reserved');
    // Another process (the CLI) sees what the UI stored.
    const cli = await runBundledCli(['--data', dataDir, '--json', 'leases']);
    const view = JSON.parse(cli.stdout) as MachinesView;
    expect(view.reservations.map((r) => [r.mac, r.ip])).toEqual([
      [NODE1, '127.0.0.100'],
      [NEW, '127.0.0.150'],
    ]);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'boot-server-machines.png'));
  });

  it('filters the live log by MAC, typed in part or picked from the machines seen', async () => {
    const log = page.getByRole('table', { name: 'Boot log by client' });
    await log.getByRole('row', { name: new RegExp(`^${NODE2}`) }).waitFor();
    expect(await log.getByRole('row', { name: new RegExp(`^${NODE1}`) }).count()).toBe(1);
    const seen = await page
      .locator('#seen-macs option')
      .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(seen).toEqual([NODE1, NODE2]);
    await page.getByLabel('Show machine').fill('00-02-02');
    await expect
      .poll(() => log.getByRole('row', { name: new RegExp(`^${NODE1}`) }).count())
      .toBe(0);
    expect(await log.getByRole('row', { name: new RegExp(`^${NODE2}`) }).textContent()).toContain(
      'dhcp-ack',
    );
    await screenshotScreen(page, join(shots, 'boot-server-log-filter.png'));
    await page.getByLabel('Show machine').fill('aa:bb');
    await expect
      .poll(() =>
        page.getByRole('status').filter({ hasText: 'No step of a machine matching aa:bb' }).count(),
      )
      .toBe(1);
    await page.getByRole('button', { name: 'Show all machines' }).click();
    await expect
      .poll(() => log.getByRole('row', { name: new RegExp(`^${NODE1}`) }).count())
      .toBe(1);
  });

  it('removes a reservation', async () => {
    await page.getByRole('button', { name: `Remove the reservation of ${NEW}` }).click();
    const reservations = page.getByRole('table', { name: 'DHCP reservations' });
    await expect
      .poll(() => reservations.getByRole('row', { name: new RegExp(`^${NEW}`) }).count())
      .toBe(0);
    expect(
      await page
        .getByRole('status')
        .filter({ hasText: `Removed the reservation of ${NEW}` })
        .count(),
    ).toBe(1);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'boot-server-machines-dark.png'));
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

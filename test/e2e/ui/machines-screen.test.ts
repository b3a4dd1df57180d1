/**
 * The Machines screen end to end: a real `labboot console` on a store seeded with one machine in
 * each deploy state (new, ephemeral, deploying at 40 %, deployed, failed with the installer's
 * sentence), Debian Chromium, axe-core and screenshots. Deploy asks with a sentence naming the
 * MAC, the image and that the disk is overwritten; Release can erase the disk first; an
 * installer's progress written by another process shows up without a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { fakeDisk, pack } from '../../helpers/deploy/disk-images';
import { openDatabase, type Database } from '../../../src-main/store/database';
import { BootLogStore, type BootProtocol } from '../../../src-main/boot/dhcp/boot-log-store';
import { DeployService } from '../../../src-main/deploy/deploy-service';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir('labboot-machines-ui-');
const dataDir = join(tmp.path, 'data');
const MiB = 1024 * 1024;
const NEW = '52:54:00:00:0a:01';
const EPHEMERAL = '52:54:00:00:0a:02';
const DEPLOYING = '52:54:00:00:0a:03';
const DEPLOYED = '52:54:00:00:0a:04';
const FAILED = '52:54:00:00:0a:05';
const TOO_SMALL =
  'The disk /dev/vda has 512 MiB, fewer than the 2.0 GiB the image needs; give the machine a bigger disk or deploy a smaller image.';
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;

/** withDeploy opens the store as another process would and runs `fn` with a DeployService. */
async function withDeploy<T>(fn: (d: DeployService, db: Database) => T | Promise<T>): Promise<T> {
  const db = openDatabase(join(dataDir, 'labboot.sqlite'));
  const deploy = new DeployService({ db, dataDir });
  try {
    return await fn(deploy, db);
  } finally {
    await deploy.dispose();
    db.close();
  }
}

/** report posts an installer report for `mac` with its deploy's token, as the installer does. */
function report(deploy: DeployService, mac: string, fields: Record<string, string>): void {
  const token = deploy.deployments.get(mac)?.token ?? '';
  const body = Object.entries({ token, ...fields })
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  const answer = deploy.report(`deploy/${mac.replaceAll(':', '-')}/report`, body);
  if (answer.status !== 200) throw new Error(`report refused: ${answer.body}`);
}

async function seed(): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  await withDeploy(async (deploy, db) => {
    for (const [name, label] of [
      ['jammy-packer', 'mbr'],
      ['noble-uefi', 'gpt'],
    ] as const) {
      const file = pack(join(tmp.path, name), fakeDisk(2 * MiB, label, name), 'gz');
      await deploy.importImage({
        name,
        path: file,
        kind: 'auto',
        arch: 'amd64',
        firmware: label === 'gpt' ? 'uefi' : 'bios',
      });
    }
    const log = new BootLogStore(db);
    const now = Date.now();
    const step = (
      at: number,
      mac: string,
      ip: string,
      protocol: BootProtocol,
      detail: string,
    ): void => log.record({ at, mac, clientIp: ip, protocol, stage: `${protocol}-sent`, detail });
    step(now - 90_000, NEW, '192.168.50.21', 'dhcp', '192.168.50.21 + bios lpxelinux.0 (arch 0)');
    step(now - 80_000, EPHEMERAL, '192.168.50.22', 'tftp', 'lpxelinux.0 — complete, 42.0 KiB');
    step(now - 79_000, EPHEMERAL, '192.168.50.22', 'http', 'images/ubuntu/boot-kernel — 14 MiB');
    for (const [i, mac] of [DEPLOYING, DEPLOYED, FAILED].entries())
      step(now - 70_000 + i, mac, `192.168.50.${30 + i}`, 'http', 'cloud-init/user-data');

    // The store batches its writes; write them before the console (another process) reads.
    log.dispose();
    deploy.deploy(DEPLOYING, 'custom/jammy-packer', 'auto');
    report(deploy, DEPLOYING, { phase: 'started', bytes: '0', total: String(100 * MiB) });
    report(deploy, DEPLOYING, {
      phase: 'writing',
      bytes: String(40 * MiB),
      total: String(100 * MiB),
    });
    deploy.deploy(DEPLOYED, 'custom/noble-uefi', '/dev/nvme0n1');
    report(deploy, DEPLOYED, { phase: 'started', bytes: '0', total: String(2 * MiB) });
    report(deploy, DEPLOYED, { phase: 'done', bytes: String(2 * MiB), total: String(2 * MiB) });
    deploy.deploy(FAILED, 'custom/jammy-packer', 'auto');
    report(deploy, FAILED, { phase: 'started', bytes: '0', total: String(2 * MiB) });
    report(deploy, FAILED, { phase: 'failed', bytes: '0', total: '0', error: TOO_SMALL });
  });
}

const row = (mac: string) =>
  page.getByRole('table', { name: 'Machines' }).getByRole('row', { name: new RegExp(`^${mac}`) });

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  await seed();
  consoleProcess = await startConsole(dataDir);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Machines', exact: true })
    .click();
  await page.getByRole('table', { name: 'Machines' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  tmp.remove();
});

describe('the Machines screen', () => {
  it('lists every machine with its state, last boot step and address', async () => {
    expect(await row(NEW).textContent()).toMatch(/new.*lpxelinux|new.*—.*192\.168\.50\.21/);
    expect(await row(EPHEMERAL).textContent()).toContain('ephemeral');
    expect(await row(EPHEMERAL).textContent()).toContain('images/ubuntu/boot-kernel — 14 MiB');
    expect(await row(EPHEMERAL).textContent()).toContain('192.168.50.22');
    const bar = row(DEPLOYING).getByRole('progressbar');
    expect(await bar.getAttribute('aria-valuenow')).toBe('40');
    expect(await row(DEPLOYING).textContent()).toContain('Writing the disk.');
    expect(await row(DEPLOYING).textContent()).toContain('40 MiB of 100 MiB');
    expect(await row(DEPLOYED).textContent()).toMatch(/deployedcustom\/noble-uefi at .+;/);
    expect(await row(FAILED).textContent()).toContain(`failed${TOO_SMALL}`);
    // Release is offered only where a deploy was asked for.
    expect(
      await row(NEW)
        .getByRole('button', { name: `Release ${NEW}` })
        .count(),
    ).toBe(0);
    expect(
      await row(FAILED)
        .getByRole('button', { name: `Release ${FAILED}` })
        .count(),
    ).toBe(1);
    expect(
      await row(DEPLOYING)
        .getByRole('button', { name: `Deploy to ${DEPLOYING}` })
        .isDisabled(),
    ).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'machines.png'));
  });

  it('shows an installer’s progress written by another process without a reload', async () => {
    await withDeploy((deploy) =>
      report(deploy, DEPLOYING, {
        phase: 'writing',
        bytes: String(85 * MiB),
        total: String(100 * MiB),
      }),
    );
    await expect
      .poll(() => row(DEPLOYING).getByRole('progressbar').getAttribute('aria-valuenow'), {
        timeout: 8000,
      })
      .toBe('85');
  });

  it('deploys after a confirmation naming the MAC, the image and the overwritten disk', async () => {
    await row(NEW)
      .getByRole('button', { name: `Deploy to ${NEW}` })
      .click();
    const dialog = page.getByRole('dialog', { name: `Deploy to ${NEW}` });
    await dialog.waitFor();
    await dialog.getByLabel('Image').selectOption('custom/noble-uefi');
    await dialog.getByRole('radio', { name: /this device/ }).check();
    await dialog.getByLabel('Disk device').fill('sdb');
    expect(await dialog.getByText('A disk is /dev/ and its name in lower case').count()).toBe(1);
    const go = dialog.getByRole('button', { name: 'Deploy and overwrite the disk' });
    expect(await go.isDisabled()).toBe(true);
    await dialog.getByLabel('Disk device').fill('/dev/sdb');
    expect(await dialog.getByTestId('deploy-confirmation').textContent()).toBe(
      `At its next network boot, ${NEW} runs the installer, which writes custom/noble-uefi over its disk /dev/sdb. Everything on that disk will be overwritten and lost.`,
    );
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'machines-deploy-dialog.png'));
    await go.click();
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: `${NEW} is marked` })
          .count(),
      )
      .toBe(1);
    await expect.poll(() => row(NEW).textContent()).toContain('Waiting for its next network boot');
    expect(await row(NEW).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('0');
    const view = await withDeploy((d) => d.machine(NEW));
    expect(view).toMatchObject({
      state: 'deploying',
      image: 'custom/noble-uefi',
      disk: '/dev/sdb',
    });
  });

  it('releases a deployed machine, erasing its disk first when asked', async () => {
    await row(DEPLOYED)
      .getByRole('button', { name: `Release ${DEPLOYED}` })
      .click();
    const dialog = page.getByRole('dialog', { name: `Release ${DEPLOYED}?` });
    await dialog.waitFor();
    await dialog.getByRole('checkbox', { name: /Erase the disk first/ }).check();
    expect(await dialog.textContent()).toContain(
      'zeroes the first 16 MiB and the last 1 MiB of disk /dev/nvme0n1',
    );
    await screenshotScreen(page, join(shots, 'machines-release-dialog.png'));
    await dialog.getByRole('button', { name: 'Release and erase the disk' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(() => row(DEPLOYED).textContent())
      .toContain('releasedIts next network boot erases the start and end of its disk');
    const view = await withDeploy((d) => d.machine(DEPLOYED));
    expect(view).toMatchObject({ state: 'released', erasePending: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'machines-dark.png'));
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('is linked from the machines and leases panel of the Boot server screen', async () => {
    await page.getByRole('link', { name: 'Boot server', exact: true }).click();
    await page
      .getByRole('region', { name: 'Machines and leases' })
      .getByRole('link', { name: 'Machines' })
      .click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Machines');
  });
});

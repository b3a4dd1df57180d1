import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import {
  labbootBin,
  repoRoot,
  startConsole,
  type ConsoleProcess,
} from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { screenshotScreen } from './screenshot';
import { openDatabase } from '../../../src-main/store/database';
import { ReservationStore } from '../../../src-main/boot/dhcp/reservation-store';

const shots = join(repoRoot, 'test-results', 'screenshots');
const keyringFile = new URL(
  '../../../../shared/spec/data/keys/ubuntu-cloudimage-keyring.gpg',
  import.meta.url,
).pathname;
const served = makeTempDir();
const other = makeTempDir();
let consoleProcess: ConsoleProcess;
let browser: Browser;
let page: Page;
let backupFile: string;

function labboot(data: string, args: string[]): void {
  const r = spawnSync(process.execPath, [labbootBin, '--data', data, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`labboot ${args.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // Another install's configuration, exported with the CLI: the file the UI imports.
  labboot(other.path, [
    'sources',
    'add',
    'http://mirror.lab/stable/',
    '--keyring',
    keyringFile,
    '--name',
    'lab mirror',
  ]);
  labboot(other.path, ['select', 'add', 'ubuntu/jammy/amd64', 'ubuntu/noble/arm64']);
  // A reservation made there (reserving through the CLI needs a full-DHCP interface).
  const db = openDatabase(join(other.path, 'labboot.sqlite'));
  new ReservationStore(db).set('52:54:00:00:00:01', '10.0.0.50', Date.now());
  db.close();
  backupFile = join(other.path, 'backup.json');
  labboot(other.path, ['config', 'export', backupFile]);
  consoleProcess = await startConsole(served.path);
  browser = await launchChromium();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('heading', { name: 'Scheduled sync' }).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  served.remove();
  other.remove();
});

describe('the Settings screen', () => {
  it('sets the sync schedule and shows the last and next run', async () => {
    const select = page.getByLabel('Sync', { exact: true });
    expect(await select.inputValue()).toBe('off');
    await expect.poll(() => page.locator('.facts').textContent()).toContain('never');
    expect(await page.locator('.facts').textContent()).toContain('not scheduled');
    await select.selectOption('daily');
    // Next run: one day after now, shown as a date, not "not scheduled".
    await expect.poll(() => page.locator('.facts dd').nth(1).textContent()).toMatch(/\d/);
    await page.reload();
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await expect.poll(() => page.getByLabel('Sync', { exact: true }).inputValue()).toBe('daily');
  });

  it('exports the configuration as a versioned JSON file', async () => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export configuration' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^labboot-config-\d{4}-\d\d-\d\d\.json$/);
    const path = await file.path();
    const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(doc['labboot-config']).toBe(1);
    expect(doc.settings).toEqual({ 'sync.schedule': { interval: 'daily' } });
  });

  it('shows what an import would change before applying it, then applies it', async () => {
    await page.locator('input[type=file]').setInputFiles(backupFile);
    const preview = page.getByRole('region', { name: 'Import preview' });
    await preview.waitFor();
    const text = await preview.textContent();
    expect(text).toContain('Importing backup.json would change');
    expect(text).toContain('+ lab mirror (http://mirror.lab/stable/)');
    expect(text).toContain('+ ubuntu/noble/arm64');
    // The other install has no schedule: importing it removes ours.
    expect(text).toContain('− sync.schedule');
    expect(text).toContain('DHCP reservations+ 52:54:00:00:00:01 → 10.0.0.50');
    // This install never served full DHCP, so the subnet check is a note, not a refusal.
    expect(text).toContain('The reservations are not checked against a subnet');
    await screenshotScreen(page, join(shots, 'settings-import-preview.png'));
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Apply these changes' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Imported' }).count())
      .toBe(1);
    await page.getByRole('link', { name: 'Sources', exact: true }).click();
    await expect.poll(() => page.locator('table').textContent()).toContain('lab mirror');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await expect.poll(() => page.getByLabel('Sync', { exact: true }).inputValue()).toBe('off');
  });

  it('refuses a corrupt backup in one sentence and changes nothing', async () => {
    const corrupt = join(other.path, 'corrupt.json');
    writeFileSync(corrupt, readFileSync(backupFile, 'utf8').slice(0, 50));
    await page.locator('input[type=file]').setInputFiles(corrupt);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /^The backup is not JSON, so it is not a LabBoot configuration backup/,
    );
    expect(await page.getByRole('region', { name: 'Import preview' }).count()).toBe(0);
  });

  it('names the log file and shows its last lines', async () => {
    const path = page.getByLabel('Log file path');
    await expect.poll(() => path.textContent()).toBe(join(served.path, 'labboot.log'));
    await page.getByRole('button', { name: 'Show the last lines' }).click();
    const tail = page.getByLabel('Last lines of the log file');
    await expect.poll(() => tail.textContent()).toContain('[schedule] scheduled sync: daily');
    await screenshotScreen(page, join(shots, 'settings.png'));
    expect(await axeViolations(page)).toEqual([]);
  });
});

/**
 * Deleting images from the Images screen of a real `labboot console` in Debian Chromium: the
 * confirmation dialog names the image and its versions, Cancel deletes nothing, a refusal (a sync
 * holding the lock) shows in the dialog, one version and then a whole image go; the Settings
 * screen changes the versions kept per image. axe-core and screenshots along the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { axeViolations } from '../../helpers/axe';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { standardMirror } from '../../helpers/mirror/standard-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { SyncLock } from '../../../src-main/sync/sync-lock';
import { olderMirror } from '../../integration/upkeep/older-mirror';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
let env: SyncEnv | undefined;
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const key = await generateTestKey();
  env = await makeSyncEnv({ key, build: olderMirror });
  expect(await env.run()).toBeUndefined();
  await standardMirror(env.mirror.root, key);
  expect(await env.run()).toBeUndefined();
  env.db.close();
  consoleProcess = await startConsole(env.dataDir);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  await env?.cleanup();
});

async function open(label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: label, exact: true })
    .click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(label);
}

const hwe = 'ubuntu/jammy/amd64/hwe-22.04-lowlatency';
const ga = 'ubuntu/jammy/amd64/ga-22.04';
const storedRow = (name: string) =>
  page
    .getByRole('table', { name: 'Stored images' })
    .getByRole('row')
    .filter({ has: page.getByRole('button', { name: `Delete ${name}` }) });

describe('deleting images from the Images screen', () => {
  it('asks first, naming the image and its versions; Cancel deletes nothing', async () => {
    await open('Images');
    await page.getByRole('button', { name: `Delete ${hwe}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${hwe}?` });
    await dialog.waitFor();
    expect(await dialog.getByRole('checkbox', { name: '20250701 (newest)' }).isChecked()).toBe(
      true,
    );
    expect(await dialog.getByRole('checkbox', { name: '20250601' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Delete 2 versions' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(shots, 'image-delete-dialog.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect(await storedRow(hwe).textContent()).toContain('20250601');
  });

  it('shows a refusal in the dialog while a sync holds the lock', async () => {
    const lock = await SyncLock.acquire(env!.dataDir);
    try {
      await page.getByRole('button', { name: `Delete ${ga}` }).click();
      const dialog = page.getByRole('dialog', { name: `Delete ${ga}?` });
      await dialog.getByRole('button', { name: 'Delete 2 versions' }).click();
      await expect
        .poll(() => dialog.getByRole('alert').textContent())
        .toContain(
          `A sync is running in this data folder (pid ${process.pid}), so ${ga} was not deleted`,
        );
      await page.screenshot({ path: join(shots, 'image-delete-refused.png') });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
    } finally {
      await lock.release();
    }
    expect(await storedRow(ga).textContent()).toContain('20250601');
  });

  it('deletes one chosen version, then a whole image with its selection', async () => {
    await page.getByRole('button', { name: `Delete ${hwe}` }).click();
    let dialog = page.getByRole('dialog', { name: `Delete ${hwe}?` });
    await dialog.getByRole('checkbox', { name: '20250701 (newest)' }).uncheck();
    await dialog.getByRole('button', { name: 'Delete 1 version' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Deleted' });
    await expect.poll(() => status.textContent()).toContain(`Deleted ${hwe} 20250601.`);
    await expect.poll(() => storedRow(hwe).textContent()).not.toContain('20250601');
    await screenshotScreen(page, join(shots, 'image-delete-done.png'));

    for (const name of [hwe, ga]) {
      await page.getByRole('button', { name: `Delete ${name}` }).click();
      dialog = page.getByRole('dialog', { name: `Delete ${name}?` });
      await dialog.getByRole('button', { name: /^Delete \d versions?$/ }).click();
      await expect.poll(() => dialog.count()).toBe(0);
    }
    await expect
      .poll(() => status.textContent())
      .toContain(
        'ubuntu/jammy/amd64 is no longer selected, so the next sync does not bring it back.',
      );
    expect(await page.getByRole('button', { name: /^Delete ubuntu\// }).count()).toBe(0);
    expect(
      await page.getByRole('checkbox', { name: 'Sync ubuntu/jammy/amd64' }).count(),
    ).toBeLessThanOrEqual(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'image-delete-all.png'));
  });

  it('sets the versions kept per image on the Settings screen', async () => {
    await open('Settings');
    const keep = page.getByRole('spinbutton', { name: 'Versions kept per image' });
    await expect.poll(() => keep.inputValue()).toBe('2');
    await keep.fill('11');
    await page.getByRole('button', { name: 'Save storage settings' }).click();
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toBe('Versions kept per image must be a whole number from 1 to 10.');
    await keep.fill('3');
    await page.getByRole('button', { name: 'Save storage settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'settings-storage.png'));
    await page.reload();
    await open('Settings');
    await expect
      .poll(() => page.getByRole('spinbutton', { name: 'Versions kept per image' }).inputValue())
      .toBe('3');
  });
});

/**
 * The Mirror panel on the Sources screen of a real `labboot console` in Debian Chromium: what a
 * consumer can fetch completely, the verbatim/resigned switch with the key to paste into MAAS,
 * export to a folder with its progress bar, and the stable/candidate switch of the default source.
 * axe-core and screenshots along the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { axeViolations } from '../../helpers/axe';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
let env: SyncEnv | undefined;
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  env = await makeSyncEnv({ key: await generateTestKey() });
  expect(await env.run()).toBeUndefined();
  env.db.close();
  consoleProcess = await startConsole(env.dataDir);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Sources', exact: true })
    .click();
  await page.getByRole('heading', { name: 'Local image mirror' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  await env?.cleanup();
});

describe('the Mirror panel', () => {
  it('lists what a consumer can fetch completely and what the signed files list besides', async () => {
    const table = page.getByRole('table', { name: /Complete versions of stream/ });
    await expect
      .poll(() => table.textContent())
      .toContain('com.ubuntu.maas.stable:v3:boot:22.04:amd64:ga-22.04');
    expect(await table.textContent()).toContain('20250701');
    expect(await page.getByRole('note').textContent()).toMatch(
      /also list \d+ version\(s\) LabBoot does not hold whole/,
    );
    expect(await page.getByText('Start the boot server (or run').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'mirror-verbatim.png'));
  });

  it('switches to resigned and shows the key to paste into MAAS', async () => {
    await page.getByRole('radio', { name: /Resigned/ }).check();
    const key = page.getByRole('textbox', { name: /Mirror key for MAAS/ });
    await expect.poll(() => key.inputValue()).toContain('-----BEGIN PGP PUBLIC KEY BLOCK-----');
    await expect.poll(() => page.getByRole('note').count()).toBe(0);
    await page.getByRole('button', { name: 'Copy key' }).click();
    await expect
      .poll(() =>
        page
          .getByText(/Copied|press Ctrl\+C/)
          .first()
          .count(),
      )
      .toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'mirror-resigned.png'));
  });

  it('exports to a folder with a progress bar and says what it did', async () => {
    const dir = join(env?.tmp ?? '', 'usb');
    await page.getByRole('textbox', { name: /Folder/ }).fill(dir);
    await page.getByRole('button', { name: 'Export' }).click();
    const done = page.getByRole('status').filter({ hasText: `Exported to ${dir}` });
    await done.waitFor();
    expect(
      await page.getByRole('progressbar', { name: 'Export' }).getAttribute('aria-valuenow'),
    ).toBe('100');
    expect(existsSync(join(dir, 'streams/v1/index.sjson'))).toBe(true);
    expect(readFileSync(join(dir, 'streams/v1/index.json'), 'utf8')).toContain('index:1.0');
    await screenshotScreen(page, join(shots, 'mirror-exported.png'));
    // A folder whose parent does not exist is refused in one sentence.
    await page.getByRole('textbox', { name: /Folder/ }).fill(join(dir, 'no', 'such'));
    await page.getByRole('button', { name: 'Export' }).click();
    await page.getByText('the folder above it does not exist').waitFor();
  });

  it('switches the default source between stable and candidate', async () => {
    const select = page.getByRole('combobox', { name: /images.maas.io stream/ });
    expect(await select.inputValue()).toBe('');
    await select.selectOption('candidate');
    await page
      .getByRole('table', { name: 'Boot sources' })
      .getByText('https://images.maas.io/ephemeral-v3/candidate/')
      .waitFor();
    expect(await select.inputValue()).toBe('candidate');
    await screenshotScreen(page, join(shots, 'sources-candidate.png'));
  });
});

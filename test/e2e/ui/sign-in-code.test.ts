/**
 * The browser console's one-time sign-in: `labboot console` hands the browser opener a `#code=` URL
 * (a stand-in xdg-open records it), Debian Chromium loads it, the page trades the code for the token
 * and every call works; opening the same URL again shows that the link was already used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeStandInOpener, type StandInOpener } from '../../helpers/stand-in-opener';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir();
let opener: StandInOpener | undefined;
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let codeUrl: string;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  // The browser first: the code is good for a minute from the moment the console starts.
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  opener = makeStandInOpener();
  consoleProcess = await startConsole(tmp.path, opener.env, { open: true });
  const argv = await opener.argv();
  expect(argv).toHaveLength(1);
  codeUrl = argv[0]!;
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  opener?.remove();
  tmp.remove();
});

/** pageErrors collects script errors and console errors of a page. */
function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return errors;
}

describe('signing in to the browser console with the one-time code', () => {
  let page: Page;

  it('opens the code URL, trades the code for the token, and calls work', async () => {
    expect(codeUrl).toMatch(new RegExp(`^${consoleProcess!.origin}/#code=[A-Za-z0-9_-]{43}$`));
    expect(codeUrl).not.toContain(consoleProcess!.token);
    page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(codeUrl);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(page.url()).toBe(`${consoleProcess!.origin}/#/images`);
    // system.info answers through the traded token: the status bar names the data folder.
    await expect.poll(() => page.getByRole('contentinfo').textContent()).toContain(tmp.path);
    await page.getByRole('link', { name: 'Sources', exact: true }).click();
    await page.getByRole('row', { name: /^maas-stable\b/ }).waitFor();
    expect(errors).toEqual([]);
    await screenshotScreen(page, join(shots, 'sign-in-code.png'));
  });

  it('shows that the link was used when the same code URL is opened again', async () => {
    const again = await context.newPage();
    await again.goto(codeUrl);
    const notice = again.getByRole('alert');
    await notice.waitFor();
    expect(await notice.textContent()).toBe(
      'LabBootThis sign-in link was already used or has expired; open the console URL LabBoot printed.',
    );
    expect(await again.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    expect(again.url()).not.toContain('code=');
    expect(await axeViolations(again)).toEqual([]);
    await again.screenshot({ path: join(shots, 'sign-in-code-used.png') });
  });

  it('keeps the first tab signed in after the code is spent', async () => {
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await expect.poll(() => page.getByRole('contentinfo').textContent()).toContain(tmp.path);
  });
});

/**
 * Kernel options on the Boot server screen against a real `labboot console` in Debian Chromium:
 * what cannot go on a kernel line is refused as it is typed (in the server's words), the global
 * and a machine's own options are saved, listed, kept over a reload and removed; axe-core and a
 * screenshot of the section.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir();
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  consoleProcess = await startConsole(join(tmp.path, 'data'));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Boot server', exact: true })
    .click();
  await page.getByLabel('Kernel options for every machine').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  tmp.remove();
});

describe('kernel options on the boot server screen', () => {
  it('refuses loader syntax as it is typed, in the words the server would use', async () => {
    const field = page.getByLabel('Kernel options for every machine');
    await field.fill('console=ttyS0,115200 init=$HOME');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'Kernel options cannot contain "$", because GRUB or iPXE would read it as part of their config language instead of passing it to the kernel; remove it.',
    );
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Save for every machine' }).isDisabled()).toBe(
      true,
    );
  });

  it('saves the global options and a machine’s own, and lists the machine', async () => {
    await page
      .getByLabel('Kernel options for every machine')
      .fill('  console=ttyS0,115200   quiet ');
    await page.getByRole('button', { name: 'Save for every machine' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain('Saved: machines get these options from their next boot on.');
    // The server tidies the spaces; the field shows what is stored.
    await expect
      .poll(() => page.getByLabel('Kernel options for every machine').inputValue())
      .toBe('console=ttyS0,115200 quiet');

    const own = page.getByRole('form', { name: 'Kernel options of one machine' });
    await own.getByLabel('Machine (MAC)').fill('52-54-00-AB-CD-EF');
    await own.getByLabel('Its own options').fill('systemd.log_level=debug');
    await own.getByRole('button', { name: 'Save for this machine' }).click();
    const row = page
      .getByRole('table', { name: 'Kernel options per machine' })
      .getByRole('row', { name: /52:54:00:ab:cd:ef/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('systemd.log_level=debug');
    expect(await own.getByLabel('Machine (MAC)').inputValue()).toBe('');

    // A bad MAC is refused by the server, in one sentence.
    await own.getByLabel('Machine (MAC)').fill('not-a-mac');
    await own.getByLabel('Its own options').fill('quiet');
    await own.getByRole('button', { name: 'Save for this machine' }).click();
    await expect
      .poll(async () => (await page.getByRole('alert').allTextContents()).join(' '))
      .toContain('"not-a-mac" is not a MAC address');
    await own.getByLabel('Machine (MAC)').fill('');
    await own.getByLabel('Its own options').fill('');

    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('heading', { name: 'Kernel options' }).scrollIntoViewIfNeeded();
    await screenshotScreen(page, join(shots, 'boot-server-kernel-options.png'));
    // The panel alone, to look at the section closely.
    await page
      .getByRole('region', { name: 'What machines boot' })
      .screenshot({ path: join(shots, 'boot-server-kernel-options-panel.png') });
  });

  it('keeps both over a reload, and removes a machine’s options', async () => {
    await page.reload();
    await expect
      .poll(() => page.getByLabel('Kernel options for every machine').inputValue())
      .toBe('console=ttyS0,115200 quiet');
    const table = page.getByRole('table', { name: 'Kernel options per machine' });
    await table.getByRole('row', { name: /52:54:00:ab:cd:ef/ }).waitFor();
    await page.getByRole('button', { name: 'Remove kernel options of 52:54:00:ab:cd:ef' }).click();
    await expect
      .poll(() => page.getByRole('status').allTextContents())
      .toContain('Removed the kernel options of 52:54:00:ab:cd:ef.');
    await expect.poll(() => table.count()).toBe(0);
  });
});

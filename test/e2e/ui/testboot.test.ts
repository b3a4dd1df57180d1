/**
 * The Test boot button of a real `labboot console` in Debian Chromium: on the Images screen it
 * boots the synced marker image in a QEMU VM (BIOS) and shows the milestones with their times and
 * the serial console as it streams; on the Boot server screen it boots the default image (UEFI)
 * and Stop ends the VM mid-boot. axe-core and screenshots along the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { axeViolations } from '../../helpers/axe';
import { makeTempDir } from '../../helpers/temp-dir';
import { buildInitramfs, buildSquashfs, kernelPath, MARKER } from '../pxe/payloads';
import { syncTestImage } from '../pxe/store-image';

const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir('labboot-testboot-ui-');
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const work = join(tmp.path, 'work');
  const dataDir = join(tmp.path, 'data');
  mkdirSync(work, { recursive: true });
  const initrd = join(work, 'initrd.img');
  const squashfs = join(work, 'root.squashfs');
  buildInitramfs(work, initrd);
  buildSquashfs(work, squashfs);
  await syncTestImage(join(work, 'mirror'), dataDir, {
    kernel: kernelPath().path,
    initrd,
    squashfs,
  });
  consoleProcess = await startConsole(dataDir);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  tmp.remove();
});

async function open(label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: label, exact: true })
    .click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(label);
}

const image = 'ubuntu/jammy/amd64/ga-22.04';

describe('Test boot in the UI', () => {
  it('boots an image from the Images screen and shows its milestones and console', async () => {
    await open('Images');
    await page.getByRole('button', { name: `Test boot ${image}` }).click();
    const dialog = page.getByRole('dialog', { name: `Test boot of ${image}` });
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: 'BIOS' }).check();
    await dialog.getByRole('button', { name: 'Start' }).click();
    await dialog.getByRole('button', { name: 'Stop' }).waitFor();
    const consoleView = dialog.getByRole('log', { name: 'Serial console' });
    // The console streams while the VM boots, before the end.
    await expect
      .poll(() => consoleView.textContent(), { timeout: 120_000, interval: 500 })
      .toContain('Booting under LabBoot direction');
    const outcome = dialog.getByRole('status').filter({ hasText: 'The image booted' });
    await outcome.waitFor({ timeout: 200_000 });
    expect(await outcome.textContent()).toMatch(
      /^The image booted: login prompt after \d+\.\d s\.$/,
    );
    const milestones = await dialog
      .getByRole('list', { name: 'Milestones reached' })
      .getByRole('listitem')
      .allTextContents();
    expect(milestones.map((m) => m.replace(/^\d+\.\d s /, ''))).toEqual([
      'firmware started',
      'network boot ROM got an address',
      "LabBoot's boot script loaded",
      'kernel and initramfs downloaded',
      'kernel started',
      'initramfs running',
      'login prompt',
    ]);
    expect(await consoleView.textContent()).toContain(MARKER);
    expect(await dialog.textContent()).toMatch(/through LabBoot's HTTP server on 127\.0\.0\.1:\d+/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(shots, 'testboot-images-bios.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it('boots the default image from the Boot server screen, and Stop ends the VM mid-boot', async () => {
    await open('Boot server');
    await page.getByRole('button', { name: 'Test boot the default image' }).click();
    const dialog = page.getByRole('dialog', { name: 'Test boot' });
    await dialog.getByRole('radio', { name: 'UEFI' }).check();
    await dialog.getByRole('button', { name: 'Start' }).click();
    // Stop as soon as the network ROM speaks: the kernel is still seconds away under TCG. (A
    // screenshot taken first let a loaded machine finish the boot before Stop was clicked.)
    await dialog
      .getByRole('log', { name: 'Serial console' })
      .filter({ hasText: 'Open Source Network Boot Firmware' })
      .waitFor({ timeout: 150_000 });
    await dialog.getByRole('button', { name: 'Stop' }).click();
    const outcome = dialog.getByRole('status').filter({ hasText: 'The test boot was stopped.' });
    await outcome.waitFor({ timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Start again' }).waitFor();
    expect(await dialog.getByRole('log', { name: 'Serial console' }).textContent()).toContain(
      'Open Source Network Boot Firmware',
    );
    await page.screenshot({ path: join(shots, 'testboot-boot-server-stopped.png') });
  });
});

/**
 * Uploading a disk image on the Images screen, end to end: a real `labboot console`, Debian
 * Chromium with its upload throttled so the progress bar is seen moving, a real ddgz image built
 * here (a sparse disk with an MBR signature and some random sectors, compressed with gzip), the
 * name rule checked as it is typed, the stored image listed beside the synced ones with its kind,
 * size and sha256 (copied whole), axe-core and screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { runBundledCli } from '../../helpers/run-bundled-cli';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir('labboot-upload-ui-');
const dataDir = join(tmp.path, 'data');
const MiB = 1024 * 1024;
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let context: BrowserContext;
let page: Page;
let image: string;

/**
 * buildDdgz writes a 64 MiB sparse disk image (MBR boot signature, 3 MiB of random sectors after
 * it so the compressed file is big enough to watch upload) and gzips it with the real tool.
 */
function buildDdgz(): string {
  const raw = join(tmp.path, 'Lab-Disk_01.img');
  const fd = openSync(raw, 'w');
  try {
    ftruncateSync(fd, 64 * MiB);
    const mbr = Buffer.alloc(512);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    writeSync(fd, mbr, 0, 512, 0);
    writeSync(fd, randomBytes(3 * MiB), 0, 3 * MiB, MiB);
  } finally {
    closeSync(fd);
  }
  execFileSync('gzip', ['-1', raw]);
  return `${raw}.gz`;
}

const panel = () => page.getByRole('region', { name: 'Uploaded disk images' });

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  image = buildDdgz();
  consoleProcess = await startConsole(dataDir);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: consoleProcess.origin,
  });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await panel().waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  tmp.remove();
});

describe('uploading a disk image on the Images screen', () => {
  it('checks the name as it is typed and suggests one from the file', async () => {
    const name = panel().getByLabel('Name');
    const upload = panel().getByRole('button', { name: 'Upload', exact: true });
    await name.fill('Bad Name');
    expect(await panel().getByText('Use lower-case letters, digits, dots').count()).toBe(1);
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await name.fill('');
    await panel().getByLabel('Disk image file').setInputFiles(image);
    // The name was touched, so the file does not overwrite it; cleared, it is not suggested.
    expect(await name.inputValue()).toBe('');
    expect(await upload.isDisabled()).toBe(true);
    await name.fill('lab-disk_01');
    expect(await name.getAttribute('aria-invalid')).toBe('false');
    expect(await upload.isDisabled()).toBe(false);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('uploads it with a progress bar and lists it beside the synced images', async () => {
    const size = readFileSync(image).length;
    const sha = createHash('sha256').update(readFileSync(image)).digest('hex');
    await panel().getByLabel('Kind').selectOption('ddgz');
    await panel().getByLabel('Firmware').selectOption('bios');
    // About 2 s for the ~3 MiB file: the bar is seen part way.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 1.5 * MiB,
    });
    await panel().getByRole('button', { name: 'Upload', exact: true }).click();
    const bar = panel().getByRole('progressbar', { name: /^Uploading Lab-Disk_01\.img\.gz/ });
    await expect
      .poll(async () => Number((await bar.getAttribute('aria-valuenow')) ?? '0'), {
        timeout: 10_000,
        interval: 50,
      })
      .toBeGreaterThan(10);
    const midway = Number(await bar.getAttribute('aria-valuenow'));
    await screenshotScreen(page, join(shots, 'images-upload-progress.png'));
    expect(midway).toBeLessThan(100);
    const done = panel().getByRole('status').filter({ hasText: 'Uploaded custom/lab-disk_01' });
    await done.waitFor({ timeout: 20_000 });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    expect(await done.textContent()).toBe(
      `Uploaded custom/lab-disk_01 (ddgz, ${(size / MiB).toFixed(1)} MiB for a 64 MiB disk, sha256 ${sha.slice(0, 12)}…); deploy it from the Machines screen.`,
    );
    const row = panel()
      .getByRole('table', { name: 'Uploaded disk images' })
      .getByRole('row', { name: /^custom\/lab-disk_01/ });
    expect(await row.textContent()).toMatch(
      new RegExp(`uploaded.*ddgz.*amd64 / bios.*64 MiB.*${sha.slice(0, 12)}`),
    );
    await row.getByRole('button', { name: 'Copy the sha256 of custom/lab-disk_01' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(sha);
    // Another process (the CLI) sees what the upload stored.
    const cli = await runBundledCli(['--data', dataDir, '--json', 'images']);
    expect(cli.stdout).toContain(sha);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'images-uploaded.png'));
  });

  it('refuses a name that is taken before anything is sent', async () => {
    await panel().getByLabel('Disk image file').setInputFiles(image);
    const name = panel().getByLabel('Name');
    await name.fill('lab-disk_01');
    expect(
      await panel()
        .getByText(
          'custom/lab-disk_01 already exists; choose another name or delete that image first.',
        )
        .count(),
    ).toBe(1);
    expect(await panel().getByRole('button', { name: 'Upload', exact: true }).isDisabled()).toBe(
      true,
    );
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'images-upload-dark.png'));
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

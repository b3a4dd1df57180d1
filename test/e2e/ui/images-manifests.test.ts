/**
 * The image screens end to end: a real `labboot console`, Debian Chromium, and a signed test mirror
 * on 127.0.0.1. Adds the source through the UI, selects and syncs an image (cancelling a slowed run
 * first), browses, searches and diffs manifests with the mirror stopped, then adds a second source
 * and checks MAAS's banner and the disabled controls. axe-core and a screenshot on every screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { screenshotScreen } from './screenshot';
import {
  buildMirror,
  generateTestKey,
  manifestText,
  type BuiltMirror,
  type TestKey,
} from '../../helpers/mirror/build-mirror';
import { jammyPackages, standardMirror } from '../../helpers/mirror/standard-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';

const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir();
let mirror: BuiltMirror;
let server: MirrorServer | undefined;
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let keyringPath: string;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const key = await generateTestKey();
  mirror = await firstMirror(join(tmp.path, 'mirror'), key);
  keyringPath = join(tmp.path, 'mirror-keyring.gpg');
  writeFileSync(keyringPath, key.publicBinary);
  server = await new MirrorServer(mirror.root).start();
  consoleProcess = await startConsole(join(tmp.path, 'data'));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  await server?.stop();
  tmp.remove();
});

/** firstMirror offers only jammy 20250601; the standard mirror later adds 20250701 on top. */
function firstMirror(root: string, key: TestKey): Promise<BuiltMirror> {
  const files = (flavor: string) => ({
    kernel: `kernel ${flavor} 20250601 `.repeat(500),
    initrd: `initrd ${flavor} 20250601 `.repeat(800),
    squashfs: 'squashfs 20250601 '.repeat(2000),
    manifest: manifestText(jammyPackages['20250601']),
  });
  return buildMirror({
    root,
    key,
    images: [
      {
        release: 'jammy',
        version: '22.04',
        arch: 'amd64',
        subarch: 'ga-22.04',
        versions: { '20250601': files('generic') },
      },
      {
        release: 'focal',
        version: '20.04',
        arch: 'amd64',
        subarch: 'ga-20.04',
        versions: { '20250601': files('focal') },
      },
    ],
  });
}

async function open(label: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: label, exact: true })
    .click();
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(label);
}

describe('images, sync and manifests against a real console and a signed loopback mirror', () => {
  it('adds the mirror as a source with its keyring and shows the fingerprint', async () => {
    await open('Sources');
    await page.getByLabel('Stream URL').fill(server!.url);
    await page.getByLabel('Name', { exact: false }).fill('loop');
    await page.getByLabel('Keyring file', { exact: false }).setInputFiles(keyringPath);
    await page.getByRole('button', { name: 'Add source' }).click();
    const fingerprint = mirror.key.fingerprint.toUpperCase().slice(-4);
    await expect
      .poll(() => page.getByRole('row', { name: /^loop\b/ }).textContent())
      .toContain(fingerprint);
    expect(await page.getByRole('status').filter({ hasText: 'Added loop' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'sources.png'));
  });

  it('lists the catalogue and selects jammy for sync', async () => {
    await open('Images');
    await page.getByRole('button', { name: 'Check sources' }).click();
    const box = page.getByRole('checkbox', { name: 'Sync ubuntu/jammy/amd64' });
    await box.waitFor();
    expect(await page.getByRole('row', { name: /ubuntu\/focal\/amd64/ }).count()).toBe(1);
    // Per offered image: its kernels with the size of their newest complete version, flavours.
    const jammy = page.getByRole('row', { name: /ubuntu\/jammy\/amd64/ });
    expect(await jammy.textContent()).toMatch(/ga-22\.04 · [\d.]+ KiB/);
    expect(await jammy.getByRole('cell', { name: 'generic', exact: true }).count()).toBe(1);
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await expect.poll(() => box.isChecked()).toBe(true);
    await expect.poll(() => page.getByRole('button', { name: 'Sync now' }).isEnabled()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'images-catalogue.png'));
  });

  it('shows per-file progress while a slowed sync runs, and cancels it', async () => {
    server!.setFaults([{ path: /squashfs$/, kind: 'slow', bytesPerSecond: 8_000 }]);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByRole('list', { name: 'Files downloading' }).waitFor({ timeout: 20_000 });
    const run = page.getByRole('progressbar', { name: 'Sync progress' });
    expect(Number(await run.getAttribute('aria-valuenow'))).toBeLessThan(100);
    await screenshotScreen(page, join(shots, 'images-syncing.png'));
    await page.getByRole('button', { name: 'Cancel sync' }).click();
    await page.getByRole('progressbar', { name: 'Sync cancelled' }).waitFor({ timeout: 20_000 });
    expect(await page.getByRole('list', { name: 'Sync messages' }).textContent()).toContain(
      'next sync resumes',
    );
  });

  it('syncs the selection and watches the run reach 100 %', async () => {
    server!.setFaults([]);
    await page.getByRole('button', { name: 'Sync now' }).click();
    const done = page.getByRole('progressbar', { name: 'Sync finished' });
    await done.waitFor({ timeout: 60_000 });
    expect(await done.getAttribute('aria-valuenow')).toBe('100');
    const stored = page.getByRole('table', { name: 'Stored images' });
    await expect.poll(() => stored.textContent()).toContain('20250601');
    await screenshotScreen(page, join(shots, 'images-synced-first.png'));

    // The mirror publishes a newer version and a second kernel; the next sync adds them.
    await standardMirror(mirror.root, mirror.key);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect
      .poll(() => page.getByRole('progressbar', { name: 'Sync finished' }).count(), {
        timeout: 60_000,
      })
      .toBe(1);
    await expect.poll(() => stored.textContent()).toContain('20250701');
    expect(await stored.textContent()).toContain('20250601');
    expect(await stored.textContent()).toContain('hwe-22.04');
    // Every stored version names the source that supplied it.
    const newest = stored.getByRole('row', { name: /hwe-22\.04/ });
    expect(await newest.getByRole('cell', { name: 'loop', exact: true }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'images-synced.png'));
  });

  it('names a source that cannot be read and still lists what the good one offers', async () => {
    await open('Sources');
    await page.getByLabel('Stream URL').fill(`${server!.url}nothing-here/`);
    await page.getByLabel('Name', { exact: false }).fill('gone');
    await page.getByLabel('Keyring file', { exact: false }).setInputFiles(keyringPath);
    await page.getByRole('button', { name: 'Add source' }).click();
    await page.getByRole('row', { name: /^gone\b/ }).waitFor();

    await open('Images');
    await page.getByRole('button', { name: /^Check (sources|again)$/ }).click();
    const failed = page.getByTestId('catalog-source-failed');
    await failed.waitFor();
    expect(await failed.count()).toBe(1);
    expect(await failed.textContent()).toBe(
      `The source gone could not be read.Source "gone" (${server!.url}nothing-here/): streams/v1/index.sjson could not be fetched (HTTP 404 not found); check the source URL and the network; previously synced images are unchanged.`,
    );
    const offered = page.getByRole('table', { name: 'Images offered by the sources' });
    const jammy = offered.getByRole('row', { name: /ubuntu\/jammy\/amd64/ });
    expect(await jammy.getByRole('cell', { name: 'loop', exact: true }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'images-catalogue-source-failed.png'));

    await open('Sources');
    await page.getByRole('button', { name: 'Remove source gone' }).click();
    await page.getByRole('button', { name: 'Remove gone' }).click();
    await expect.poll(() => page.getByRole('row', { name: /^gone\b/ }).count()).toBe(0);
  });

  it('browses, filters, searches and diffs manifests with the mirror stopped', async () => {
    await server!.stop();
    server = undefined;
    await open('Manifests');
    const table = page.getByRole('table', { name: /^Packages of ubuntu\/jammy\/amd64 20250701$/ });
    await table.waitFor();
    await expect.poll(() => page.getByTestId('package-count').textContent()).toBe('4 packages');
    await page.getByLabel('Filter').fill('ssl');
    await expect
      .poll(() => page.getByTestId('package-count').textContent())
      .toBe('2 of 4 packages');
    const firstCells = table.getByRole('row').locator('[role="cell"]:first-child');
    expect(await firstCells.allTextContents()).toEqual(['libssl3:amd64', 'openssl']);
    await page.getByRole('button', { name: 'Package' }).click();
    expect((await table.getByRole('row').nth(1).textContent())?.startsWith('openssl')).toBe(true);
    expect(
      await page.getByRole('columnheader', { name: 'Package' }).getAttribute('aria-sort'),
    ).toBe('descending');
    // Keyboard: the sort buttons and the scrolling row area are reachable and work without a mouse.
    await page.getByRole('button', { name: 'Version' }).focus();
    await page.keyboard.press('Enter');
    expect(
      await page.getByRole('columnheader', { name: 'Version' }).getAttribute('aria-sort'),
    ).toBe('ascending');
    expect(await page.locator('#package-rows').getAttribute('tabindex')).toBe('0');

    await page.getByRole('searchbox', { name: 'Package' }).fill('openssl');
    await page.getByRole('button', { name: 'Search' }).click();
    const hits = page.getByRole('table', { name: 'Search results for openssl' });
    await hits.waitFor();
    const hitText = await hits.textContent();
    expect(hitText).toContain('3.0.2-0ubuntu1.10');
    expect(hitText).toContain('3.0.2-0ubuntu1.15');

    await page.getByLabel('Older').selectOption('ubuntu/jammy/amd64@20250601');
    await page.getByLabel('Newer').selectOption('ubuntu/jammy/amd64@20250701');
    await page.getByRole('button', { name: 'Compare' }).click();
    const changed = page.getByRole('table', { name: 'Changed' });
    await changed.waitFor();
    expect(await changed.getByRole('row', { name: /^openssl/ }).textContent()).toBe(
      'openssl3.0.2-0ubuntu1.103.0.2-0ubuntu1.15',
    );
    expect(await page.getByRole('table', { name: /Added/ }).textContent()).toContain(
      'libssl3:amd64',
    );
    expect(await page.getByRole('table', { name: /Removed/ }).textContent()).toContain(
      'bind9-libs:amd64',
    );
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'manifests.png'));
  });

  it('shows MAAS’s banner and disables image management with a second source', async () => {
    await open('Sources');
    await page.getByLabel('Stream URL').fill('http://127.0.0.1:9/second/');
    await page.getByLabel('Name', { exact: false }).fill('second');
    await page.getByRole('button', { name: 'Add source' }).click();
    const banner = page.getByTestId('too-many-sources');
    await banner.waitFor();
    await screenshotScreen(page, join(shots, 'sources-two.png'));

    await open('Images');
    await banner.waitFor();
    const text = await banner.textContent();
    expect(text).toContain(
      'More than one image source exists. The UI does not support updating synced images when more than one source has been defined. Use the API to adjust your sources.',
    );
    expect(text).toContain('loop');
    expect(text).toContain('second');
    expect(await page.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);
    expect(
      await page.getByRole('button', { name: 'Unselect ubuntu/jammy/amd64' }).isDisabled(),
    ).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'images-two-sources.png'));

    await open('Manifests');
    await banner.waitFor();

    await open('Sources');
    await page.getByRole('button', { name: 'Remove source second' }).click();
    await page.getByRole('button', { name: 'Remove second' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    await open('Images');
    await expect.poll(() => page.getByRole('button', { name: 'Sync now' }).isEnabled()).toBe(true);
  });

  it('keeps its look in the dark theme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await open('Manifests');
    await page.getByRole('table', { name: /^Packages of/ }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'manifests-dark.png'));
    await open('Images');
    await page.getByRole('table', { name: 'Stored images' }).waitFor();
    await screenshotScreen(page, join(shots, 'images-dark.png'));
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

/**
 * The store check on the Settings screen of a real `labboot console` in Debian Chromium, on a
 * store synced from a loopback mirror with one blob truncated: Check names the damaged file in
 * words, Repair with the mirror down marks the versions incomplete, Repair with the mirror back
 * (slowed, so the progress bar shows) fetches the file again, and the next Check is all good.
 * axe-core and screenshots along the way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { BlobStore } from '../../../src-main/store/blob-store';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { axeViolations } from '../../helpers/axe';
import { generateTestKey } from '../../helpers/mirror/build-mirror';
import { MirrorServer } from '../../helpers/mirror/mirror-server';
import { makeSyncEnv, type SyncEnv } from '../../helpers/mirror/sync-env';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
let env: SyncEnv | undefined;
let mirrorAgain: MirrorServer | undefined;
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let squashfsSize = 0;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  env = await makeSyncEnv({ key: await generateTestKey() });
  expect(await env.run()).toBeUndefined();
  const squashfs = env.sources.store
    .listResources('image')[0]
    ?.versions[0]?.files.find((f) => f.ftype === 'squashfs');
  if (squashfs === undefined) throw new Error('fixture changed');
  squashfsSize = squashfs.size;
  truncateSync(new BlobStore(env.dataDir).pathFor(squashfs.sha256), 100);
  env.db.close();
  consoleProcess = await startConsole(env.dataDir);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Settings', exact: true })
    .click();
  await page.getByRole('heading', { name: 'Stored images' }).waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  await mirrorAgain?.stop();
  await env?.cleanup();
});

const section = (): Locator => page.getByRole('region', { name: 'Stored images' });
const report = (): Locator => section().getByRole('status').filter({ hasText: /\w/ }).last();
const checkButton = (): Locator => section().getByRole('button', { name: 'Check stored images' });
const repairButton = (): Locator => section().getByRole('button', { name: 'Repair' });

async function shot(name: string): Promise<void> {
  await section().scrollIntoViewIfNeeded();
  await screenshotScreen(page, join(shots, name));
}

describe(
  'checking and repairing the stored images on the Settings screen',
  { timeout: 60_000 },
  () => {
    it('names the truncated file per version, in words, and offers Repair', async () => {
      expect(await repairButton().count()).toBe(0);
      await checkButton().click();
      await expect
        .poll(() => report().textContent())
        .toMatch(/^Damaged or missing files in 2 stored versions \(\d+ files, .+ checked\)\./);
      const items = await section().getByRole('listitem').allTextContents();
      const truncated = `squashfs is truncated (100 of ${squashfsSize} bytes)`;
      expect(items).toEqual([
        `ubuntu/jammy/amd64/ga-22.04 20250701: ${truncated}`,
        `ubuntu/jammy/amd64/hwe-22.04-lowlatency 20250701: ${truncated}`,
      ]);
      expect(await repairButton().isEnabled()).toBe(true);
      expect(await axeViolations(page)).toEqual([]);
      await shot('settings-store-check-damaged.png');
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await axeViolations(page)).toEqual([]);
      await shot('settings-store-check-damaged-dark.png');
      await page.emulateMedia({ colorScheme: 'light' });
    });

    it('marks the versions incomplete when the source cannot be reached', async () => {
      await env!.server.stop();
      await repairButton().click();
      // Busy while it runs: neither button can start a second run.
      expect(await section().getByRole('button', { name: 'Repairing…' }).isDisabled()).toBe(true);
      expect(await checkButton().isDisabled()).toBe(true);
      await expect
        .poll(() => report().textContent(), { timeout: 30_000 })
        .toContain('Not everything could be repaired: 2 stored versions still have damaged files.');
      const items = await section().getByRole('listitem').allTextContents();
      expect(items).toHaveLength(2);
      for (const item of items) {
        expect(item).toMatch(
          /squashfs is truncated \(100 of \d+ bytes\), could not be fetched again \(.+\); marked incomplete, so it is not served until the next sync fetches it again$/,
        );
      }
      expect(await repairButton().isEnabled()).toBe(true);
      expect(await axeViolations(page)).toEqual([]);
      await shot('settings-store-check-offline.png');
    });

    it('fetches the file again from the mirror with visible progress, then all is good', async () => {
      const port = Number(new URL(env!.server.url).port);
      mirrorAgain = await new MirrorServer(env!.mirror.root).start(port);
      // About a second and a half for the file, so the progress bar can be seen.
      mirrorAgain.setFaults([
        { path: /squashfs$/, kind: 'slow', bytesPerSecond: Math.ceil(squashfsSize / 1.5) },
      ]);
      await repairButton().click();
      const bar = section().getByRole('progressbar', { name: 'Fetching damaged files again' });
      await bar.waitFor();
      expect(await section().textContent()).toMatch(/0 of 1 file, 0 B of \d+(\.\d)? KiB/);
      await shot('settings-store-check-repairing.png');
      await expect
        .poll(() => report().textContent(), { timeout: 30_000 })
        .toContain(
          'Repaired: every damaged file of 2 stored versions was fetched again from its source and verified.',
        );
      expect(await section().getByRole('listitem').allTextContents()).toEqual([
        expect.stringMatching(/squashfs is missing, fetched again and verified$/),
        expect.stringMatching(/squashfs is missing, fetched again and verified$/),
      ]);
      expect(await repairButton().count()).toBe(0);
      expect(mirrorAgain.requests.filter((r) => r.path.endsWith('squashfs'))).toHaveLength(1);
      expect(await axeViolations(page)).toEqual([]);
      await shot('settings-store-check-repaired.png');

      await checkButton().click();
      await expect
        .poll(() => report().textContent())
        .toMatch(/^All good: every stored file matches its sha256 \(\d+ files, .+ checked\)\.$/);
      expect(await section().getByRole('listitem').count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await shot('settings-store-check-good.png');
    });
  },
);

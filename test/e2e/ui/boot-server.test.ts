/**
 * The boot server screen end to end: a real `labboot console`, Debian Chromium, and real clients
 * (atftp, curl) on 127.0.0.1. Starts serving on `lo` from the UI, fetches a file over
 * TFTP and HTTP and watches both appear in the live log, shows a busy-port error in words, sets
 * boot choices, and stops. axe-core and screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { screenshotScreen } from './screenshot';

const run = promisify(execFile);
const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir();
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let blocker: Socket | undefined;
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
  await page.getByRole('radio', { name: /^lo\b/ }).waitFor();
});

afterAll(async () => {
  blocker?.close();
  // Stop serving through the API if a failed test left it running; the console stop ends it anyway.
  await browser?.close();
  await consoleProcess?.stop();
  tmp.remove();
});

/** partPort reads the port a serving part listens on from the parts table. */
async function partPort(name: string): Promise<number> {
  const cell = page
    .getByRole('row', { name: new RegExp(`^${name}\\b`) })
    .getByRole('cell')
    .nth(1);
  const text = (await cell.textContent()) ?? '';
  const m = /:(\d+)$/.exec(text);
  if (m === null) throw new Error(`no port in "${text}"`);
  return Number(m[1]);
}

describe('the boot server screen against a real console and real clients', () => {
  it('says in words when the TFTP port is taken', async () => {
    blocker = createSocket('udp4');
    await new Promise<void>((resolve) => blocker!.bind(0, '127.0.0.1', resolve));
    const taken = blocker.address().port;
    await page.getByRole('radio', { name: /^lo\b/ }).check();
    await page.getByText('Ports').click();
    await page.getByLabel('TFTP port').fill(String(taken));
    await page.getByLabel('HTTP port').fill('0');
    await page.getByRole('button', { name: 'Start serving on lo' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain(String(taken));
    expect(await page.getByRole('status').filter({ hasText: 'Not serving' }).count()).toBe(1);
    blocker.close();
    blocker = undefined;
  });

  it('starts on lo, shows each part, and logs a real TFTP and HTTP fetch live', async () => {
    await page.getByLabel('TFTP port').fill('0');
    await page.getByRole('button', { name: 'Start serving on lo' }).click();
    await page.getByRole('button', { name: 'Stop serving' }).waitFor();
    expect(await page.getByRole('status').filter({ hasText: 'Serving on 127.0.0.1' }).count()).toBe(
      1,
    );
    const tftp = await partPort('TFTP');
    const http = await partPort('HTTP');
    expect(await page.getByRole('row', { name: /^TFTP\b/ }).textContent()).toContain('running');

    const out = join(tmp.path, 'grub.cfg');
    // Debian's atftp client for TFTP, curl for HTTP.
    await run('atftp', ['-g', '-r', 'grub/grub.cfg', '-l', out, '127.0.0.1', String(tftp)], {
      timeout: 10_000,
    });
    await run('curl', [
      '-sS',
      '--max-time',
      '10',
      '-o',
      '/dev/null',
      `http://127.0.0.1:${http}/grub/grub.cfg`,
    ]);

    const log = page.getByRole('table', { name: 'Boot log by client' });
    const row = log.getByRole('row', { name: /^127\.0\.0\.1/ });
    await row.waitFor();
    await expect
      .poll(() => row.textContent(), { timeout: 10_000 })
      .toContain('grub/grub.cfg — complete');
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('GET /grub/grub.cfg');
    const chart = page.getByRole('img', { name: /Transfer rate over the last minute/ });
    expect(await chart.getAttribute('aria-label')).not.toContain('peak 0 B/s');
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'boot-server.png'));
  });

  it('sets the default and a per-MAC override, then stops serving', async () => {
    await page.getByLabel('Default for every machine').selectOption('local');
    await expect
      .poll(() => page.getByText(/Machines without an override boot/).textContent())
      .toContain('its local disk');
    await page.getByLabel('MAC', { exact: true }).fill('52:54:00:12:34:56');
    await page.getByLabel('Hostname', { exact: true }).fill('node1');
    await page.getByRole('button', { name: 'Add override' }).click();
    const override = page.getByRole('row', { name: /^52:54:00:12:34:56/ });
    await expect.poll(() => override.textContent()).toContain('node1');
    await page.getByLabel('MAC', { exact: true }).fill('not-a-mac');
    await page.getByRole('button', { name: 'Add override' }).click();
    await expect.poll(() => page.getByRole('alert').count()).toBe(1);
    await screenshotScreen(page, join(shots, 'boot-server-choices.png'));
    await page.getByRole('button', { name: 'Remove override for 52:54:00:12:34:56' }).click();
    await expect.poll(() => override.count()).toBe(0);

    await page.getByRole('button', { name: 'Stop serving' }).click();
    await page.getByRole('button', { name: 'Start serving on lo' }).waitFor();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'boot-server-dark.png'));
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

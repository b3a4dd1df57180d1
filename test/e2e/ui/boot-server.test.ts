/**
 * The boot server screen end to end: a real `labboot console`, Debian Chromium, and real clients
 * (atftp, curl) on 127.0.0.1. Shows the DHCP-mode notes and refusals in words, saves an SSH key,
 * starts serving on `lo` with DHCP off from the UI, fetches a file over TFTP and HTTP and watches
 * both appear in the live log, reloads and finds the log, key, interface and mode again, shows a
 * busy-port error in words, sets boot choices, and stops. axe-core and screenshots.
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
const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e2e admin@labboot-e2e';
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
  it('explains proxy DHCP, and refuses DHCP on a NIC without a MAC in words', async () => {
    expect(await page.getByRole('radio', { name: /Proxy DHCP/ }).isChecked()).toBe(true);
    await expect
      .poll(() => page.getByRole('note').allTextContents())
      .toContainEqual(expect.stringContaining("boot only through the firmware's HTTP Boot"));
    await page.getByRole('radio', { name: /^lo\b/ }).check();
    await page.getByRole('button', { name: 'Start serving on lo' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/and a MAC.*choose DHCP off/);
    await page.getByRole('radio', { name: /Full DHCP/ }).check();
    expect(await page.getByLabel('DHCP range').getAttribute('placeholder')).toContain('-');
    await page.getByRole('radio', { name: /DHCP off/ }).check();
    await expect
      .poll(() => page.getByRole('note').allTextContents())
      .toContainEqual(expect.stringContaining('router must send next-server'));
  });

  it('checks SSH keys as you type and saves them', async () => {
    const keys = page.getByLabel('SSH public keys');
    await keys.fill('not a key');
    await expect
      .poll(() => page.locator('#ssh-hint').textContent())
      .toContain('Key 1 ("not a key") is not an SSH public key');
    expect(await page.getByRole('button', { name: 'Save SSH keys' }).isDisabled()).toBe(true);
    await keys.fill(`# laptop\n${SSH_KEY}`);
    await page.getByRole('button', { name: 'Save SSH keys' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Saved 1 SSH key' }).count())
      .toBe(1);
    expect(await keys.inputValue()).toBe(SSH_KEY);
  });

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
    expect(await page.getByRole('status').filter({ hasText: 'DHCP off' }).count()).toBe(1);
    const tftp = await partPort('TFTP');
    const http = await partPort('HTTP');
    expect(await page.getByRole('row', { name: /^TFTP\b/ }).textContent()).toContain('running');
    expect(await page.getByRole('row', { name: /^DHCP\b/ }).textContent()).toContain('off');

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
    const stages = row.getByRole('list', { name: 'Boot stages of 127.0.0.1' });
    expect(await stages.textContent()).toBe('DHCP not yetTFTP doneHTTP done');
    const chart = page.getByRole('img', { name: /Transfer rate over the last minute/ });
    await expect
      .poll(() => chart.getAttribute('aria-label'), { timeout: 5_000 })
      .not.toContain('peak 0 B/s');
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'boot-server.png'));
  });

  it('after a reload shows the stored log, the key, and the remembered interface and mode', async () => {
    await page.reload();
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Boot server', exact: true })
      .click();
    await page.getByRole('button', { name: 'Stop serving' }).waitFor();
    const row = page
      .getByRole('table', { name: 'Boot log by client' })
      .getByRole('row', { name: /^127\.0\.0\.1/ });
    await expect.poll(() => row.textContent()).toContain('grub/grub.cfg — complete');
    expect(await row.textContent()).toContain('GET /grub/grub.cfg');
    await expect.poll(() => page.getByLabel('SSH public keys').inputValue()).toBe(SSH_KEY);
    expect(await page.getByRole('radio', { name: /^lo\b/ }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: /DHCP off/ }).isChecked()).toBe(true);
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
    // Stopped, the screen still preselects what the last start used.
    expect(await page.getByRole('radio', { name: /DHCP off/ }).isChecked()).toBe(true);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'boot-server-dark.png'));
    await page.emulateMedia({ colorScheme: 'light' });
  });
});

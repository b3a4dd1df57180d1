/**
 * The ESXi preview end to end: a real `labboot console` and Debian Chromium. Pastes MAAS network
 * configs from test/fixtures/esxi and checks the warnings, the marks on ignored input lines, the
 * exact esxcli commands, the NIC list, and errors in words. axe-core and screenshots in both themes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';
import { screenshotScreen } from './screenshot';

const shots = join(repoRoot, 'test-results', 'screenshots');
const fixture = (name: string): string =>
  readFileSync(join(repoRoot, 'test', 'fixtures', 'esxi', name), 'utf8');
const tmp = makeTempDir();
let consoleProcess: ConsoleProcess | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  consoleProcess = await startConsole(tmp.path);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(consoleProcess.url);
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'ESXi preview', exact: true })
    .click();
  await page.getByLabel('Network config (YAML)').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  tmp.remove();
});

describe('the ESXi preview screen against a real console', () => {
  it('shows an 802.3ad bond: its warning, the ignored bond options on their lines, and the commands', async () => {
    await page.getByLabel('Network config (YAML)').fill(fixture('ex06-lacp-bond.yaml'));
    const exit = page.getByTestId('esxi-exit');
    await expect.poll(() => exit.textContent()).toBe('The script finishes, with 1 warning.');
    const warnings = page.getByRole('region', { name: 'What ESXi gets' });
    expect(await warnings.textContent()).toContain(
      'WARNING: LACP rate and XMIT hash policy ignored.',
    );
    const annotated = page.getByRole('region', { name: 'Your network config, annotated' });
    // Line 27 of the fixture is `bond-lacp-rate: fast`; the mark sits on that very line.
    const line27 = annotated.locator('ol.source-lines > li').nth(26);
    expect(await line27.locator('code').textContent()).toBe('        bond-lacp-rate: fast');
    expect(await line27.locator('.mark').first().textContent()).toContain('ignored');
    expect(await line27.textContent()).toContain('bond-lacp-rate');
    const commands = await page.getByRole('list', { name: /esxcli commands/ }).textContent();
    expect(commands).toContain(
      'esxcli network vswitch standard policy failover set -v vSwitch0 -a vmnic0,vmnic1 -l iphash',
    );
    expect(commands).toContain('esxcli network ip dns search add -d maas');
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'esxi.png'));
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await screenshotScreen(page, join(shots, 'esxi-dark.png'));
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('maps uplinks through a pasted NIC list in esxcli form', async () => {
    await page.getByLabel('Network config (YAML)').fill(fixture('ex06-lacp-bond.yaml'));
    await page
      .getByLabel('Host NICs', { exact: false })
      .fill(
        [
          'Name    PCI Device    Driver  MAC Address',
          '------  ------------  ------  -----------------',
          'vmnic4  0000:01:00.0  ixgben  00:16:3e:00:00:01',
          'vmnic5  0000:02:00.0  ixgben  00:16:3e:00:00:02',
        ].join('\n'),
      );
    await expect
      .poll(() => page.getByRole('list', { name: /esxcli commands/ }).textContent())
      .toContain('-a vmnic4,vmnic5 -l iphash');
    await page.getByLabel('Host NICs', { exact: false }).fill('vmnic0 no-mac-here');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Line 1 of the NIC list has no MAC address; write "vmnic0 52:54:00:12:34:56".');
    await page.getByLabel('Host NICs', { exact: false }).fill('');
  });

  it('explains a netplan v2 config and YAML it cannot read', async () => {
    await page.getByLabel('Network config (YAML)').fill(fixture('v2-netplan.yaml'));
    await expect
      .poll(() => page.getByTestId('esxi-exit').textContent())
      .toContain('accepts only network config version 1');
    expect(await page.getByRole('region', { name: 'What ESXi gets' }).textContent()).toContain(
      'ERROR: Only V1 config is supported!',
    );

    await page.getByLabel('Network config (YAML)').fill('network:\n  version: 1\n  config: [\n');
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.count()).toBe(1);
    expect(await alert.textContent()).toMatch(/line \d/i);
    await screenshotScreen(page, join(shots, 'esxi-error.png'));
  });
});

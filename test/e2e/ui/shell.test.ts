import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, repoRoot, type ConsoleProcess } from '../../helpers/console-process';
import { launchChromium } from '../../helpers/chromium';
import { makeTempDir } from '../../helpers/temp-dir';
import { axeViolations } from '../../helpers/axe';

const shots = join(repoRoot, 'test-results', 'screenshots');
const tmp = makeTempDir();
let consoleProcess: ConsoleProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  consoleProcess = await startConsole(tmp.path);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await consoleProcess?.stop();
  tmp.remove();
});

describe('the app shell in Chromium against a real labboot console', () => {
  it('loads with the token, hides it from the address bar, and shows live status', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(consoleProcess.url);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await expect.poll(() => page.getByRole('contentinfo').textContent()).toContain(tmp.path);
    expect(page.url()).not.toContain('token=');
    expect(errors).toEqual([]);
  });

  it('navigates every screen and saves a screenshot of each', async () => {
    for (const [label, file] of [
      ['Images', 'images'],
      ['Manifests', 'manifests'],
      ['Boot server', 'boot-server'],
      ['ESXi preview', 'esxi'],
      ['Sources', 'sources'],
    ] as const) {
      await page.getByRole('link', { name: label, exact: true }).click();
      await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(label);
      expect(
        await page.getByRole('link', { name: label, exact: true }).getAttribute('aria-current'),
      ).toBe('page');
      await page.screenshot({ path: join(shots, `shell-${file}.png`) });
    }
  });

  it('shows the real interface list on the boot server screen', async () => {
    await page.getByRole('link', { name: 'Boot server', exact: true }).click();
    const lo = page.getByRole('radio', { name: /^lo\b/ });
    await lo.waitFor();
    const label = page.locator('label', { has: lo });
    expect(await label.textContent()).toContain('127.0.0.1/8');
    expect(await label.textContent()).toContain('Loopback');
  });

  it('passes an axe-core accessibility check', async () => {
    await page.getByRole('link', { name: 'Boot server', exact: true }).click();
    await page.getByRole('radio', { name: /^lo\b/ }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
  });

  it('refuses API requests from the page without the token, and from a foreign origin', async () => {
    const status = await page.evaluate(async () => {
      const r = await fetch('/api/call/system.info', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      return r.status;
    });
    expect(status).toBe(401);
    const foreign = await fetch(`${consoleProcess.origin}/api/call/system.info`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${consoleProcess.token}`,
        Origin: 'http://attacker.example',
      },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
  });

  it('asks for the console URL when opened without a token', async () => {
    const fresh = await browser.newPage();
    try {
      await fresh.goto(`${consoleProcess.origin}/`);
      await expect.poll(() => fresh.getByRole('alert').textContent()).toContain('console URL');
      await fresh.screenshot({ path: join(shots, 'shell-no-token.png') });
    } finally {
      await fresh.close();
    }
  });
});

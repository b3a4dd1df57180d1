import type { Page } from 'playwright-core';

/**
 * screenshotScreen saves the whole current screen: the app scrolls inside `.content`, so the
 * viewport is grown to the content's height for the shot and restored after.
 */
export async function screenshotScreen(page: Page, path: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  const needed = await page.evaluate(() => {
    const content = document.querySelector('.content');
    const status = document.querySelector('.statusbar');
    return (content?.scrollHeight ?? 0) + (status?.clientHeight ?? 0);
  });
  const height = Math.min(Math.max(viewport.height, needed), 4000);
  await page.setViewportSize({ width: viewport.width, height });
  try {
    await page.screenshot({ path });
  } finally {
    await page.setViewportSize(viewport);
  }
}

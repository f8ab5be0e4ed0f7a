/**
 * What the end-to-end files of the per-exercise pages share (lifecycle,
 * domain; the upstream page launches the same browser): Debian's chromium
 * through playwright-core, an exercise page opened until interactive, the
 * editor's text replaced by pasting, and Submit awaited. exercise.e2e.mjs
 * keeps its own richer helpers.
 */
import { chromium } from 'playwright-core';

export const BASE = process.env.TEARDOWN_BASE_URL ?? 'http://127.0.0.1:4321';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Debian's chromium, headless (never a downloaded browser). */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-extensions'],
  });
}

/** The helpers for exercise `id`'s page: its URL, a fresh page on it, setCode and submit. */
export function exercisePage(id) {
  const url = `${BASE}/exercises/${id}/`;
  const key = `teardown:v1:${id}:code`;
  return {
    url,
    /** A new context (clipboard allowed) with the exercise page open and interactive. */
    async open(browser) {
      const context = await browser.newContext({
        viewport: { width: 1400, height: 1000 },
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
      await page.goto(url);
      await page.waitForSelector('td-exercise[data-ready="true"]', { timeout: 90_000 });
      return { context, page };
    },
    /** Replace the editor's text by pasting it (typing would auto-indent), and wait for the autosave. */
    async setCode(page, text) {
      await page.click('.td-editor .view-lines');
      await page.keyboard.press('Control+A');
      await page.evaluate((t) => navigator.clipboard.writeText(t), text);
      await page.keyboard.press('Control+V');
      await page.waitForFunction(([k, t]) => localStorage.getItem(k) === t, [key, text], { timeout: 10_000 });
    },
    /** Click Submit and wait for the result (`passed`, `failed`, ...). */
    async submit(page, timeout = 180_000) {
      await page.evaluate(() => {
        delete document.querySelector('td-exercise').dataset.result;
      });
      await page.click('.td-submit');
      await page.waitForSelector('td-exercise[data-result][data-busy="false"]', { timeout });
      return page.getAttribute('td-exercise', 'data-result');
    },
  };
}

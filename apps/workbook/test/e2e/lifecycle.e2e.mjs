/**
 * End-to-end tests of the vfio-device-lifecycle exercise page and its
 * chapter, in Debian's chromium through playwright-core. Run by run.mjs,
 * which builds and serves the site and passes its address in
 * TEARDOWN_BASE_URL. The reference solution earns full marks on Submit; the
 * v3 mtty release (a known-bad version of learner functions only) gets its
 * declared use-after-free.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = process.env.TEARDOWN_BASE_URL ?? 'http://127.0.0.1:4321';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ID = 'vfio-device-lifecycle';
const EX = fileURLToPath(new URL(`../../../../exercises/${ID}/`, import.meta.url));
const PAGE = `${BASE}/exercises/${ID}/`;
const KEY = `teardown:v1:${ID}:code`;
const manifest = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8'));
const solution = readFileSync(join(EX, 'solution.c'), 'utf8');
const v3 = readFileSync(join(EX, 'known-bad/v3-mtty-release.c'), 'utf8');
const maxScore = manifest.scenarios.reduce((a, s) => a + s.points, 0);

let browser;

async function newPage() {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
  await page.goto(PAGE);
  await page.waitForSelector('td-exercise[data-ready="true"]', { timeout: 90_000 });
  return { context, page };
}

/** Replace the editor's text by pasting it, and wait for the autosave. */
async function setCode(page, text) {
  await page.click('.td-editor .view-lines');
  await page.keyboard.press('Control+A');
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('Control+V');
  await page.waitForFunction(([k, t]) => localStorage.getItem(k) === t, [KEY, text], { timeout: 10_000 });
}

/** Click Submit and wait for the result. */
async function submit(page) {
  await page.evaluate(() => {
    delete document.querySelector('td-exercise').dataset.result;
  });
  await page.click('.td-submit');
  await page.waitForSelector('td-exercise[data-result][data-busy="false"]', { timeout: 180_000 });
  return page.getAttribute('td-exercise', 'data-result');
}

describe('the vfio-device-lifecycle exercise page', () => {
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-extensions'],
    });
  });
  after(async () => {
    await browser?.close();
  });

  it('chapter 8 is in the sidebar and links to the exercise', async () => {
    const page = await browser.newPage();
    await page.goto(`${BASE}/chapters/08-vfio-device-lifecycle/`);
    assert.match(await page.textContent('nav'), /8\. The vfio_device life cycle/);
    assert.match(await page.textContent('main'), /Remove vfio_free_device/);
    await page.click(`main a[href$="/exercises/${ID}/"]`);
    await page.waitForSelector('td-exercise[data-ready="true"]', { timeout: 90_000 });
    await page.close();
  });

  it('the solution, pasted in, passes every scenario on Submit with full marks', async () => {
    const { context, page } = await newPage();
    await setCode(page, solution);
    assert.equal(await submit(page), 'passed');
    const n = manifest.scenarios.length;
    assert.equal(await page.locator('.td-scenario[data-status="passed"]').count(), n);
    assert.match(
      await page.textContent('.td-results-title'),
      new RegExp(`${maxScore}/${maxScore} points, ${n} of ${n} scenarios passed`),
    );
    await context.close();
  });

  it('the v3 mtty release gets its use-after-free in mtty_release_dev', async () => {
    const { context, page } = await newPage();
    await setCode(page, v3);
    assert.equal(await submit(page), 'failed');
    assert.deepEqual(manifest.knownBad.find((k) => k.file === 'known-bad/v3-mtty-release.c').kinds, ['use-after-free']);
    const card = page
      .locator('.td-results .td-finding[data-kind="use-after-free"][data-scenarios~="remove-while-open"]')
      .first();
    assert.match(await card.textContent(), /BUG: KASAN: slab-use-after-free in mtty_release_dev/);
    await context.close();
  });
});

/**
 * End-to-end tests of the domain-sharing exercise page, in Debian's chromium
 * through playwright-core: the reference solution submitted gets full marks
 * on every scenario; the known-bad version that keeps the allocating device
 * gets the seed's use-after-free in the scenario where device A is unplugged
 * while group B unmaps. Run by run.mjs, which builds and serves the site.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = process.env.TEARDOWN_BASE_URL ?? 'http://127.0.0.1:4321';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const EX = fileURLToPath(new URL('../../../../exercises/domain-sharing/', import.meta.url));
const PAGE = `${BASE}/exercises/domain-sharing/`;
const KEY = 'teardown:v1:domain-sharing:code';

const manifest = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8'));
const solution = readFileSync(join(EX, 'solution.c'), 'utf8');
const keepsDevice = readFileSync(join(EX, 'known-bad/caches-alloc-device.c'), 'utf8');
const points = manifest.scenarios.reduce((n, s) => n + s.points, 0);
const count = manifest.scenarios.length;

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

/** Replace the editor's text by pasting it (typing would auto-indent), and wait for the autosave. */
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
  await page.waitForSelector('td-exercise[data-result][data-busy="false"]', { timeout: 120_000 });
  return page.getAttribute('td-exercise', 'data-result');
}

describe('the domain-sharing exercise page', () => {
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

  it('shows the starter, and the solution submitted passes every scenario with full marks', async () => {
    const { context, page } = await newPage();
    // Monaco renders wrapped lines as separate rows: compare words, not the layout
    const shown = (await page.textContent('.td-editor .view-lines')).replace(/[\u00a0\s]+/g, ' ');
    assert.match(shown, /domain-sharing: write the toy IOMMU driver's domain ops/);
    await setCode(page, solution);
    assert.equal(await submit(page), 'passed');
    assert.equal(await page.locator('.td-scenario[data-status="passed"]').count(), count);
    assert.match(
      await page.textContent('.td-results-title'),
      new RegExp(`${points}/${points} points, ${count} of ${count} scenarios passed`),
    );
    await context.close();
  });

  it('a domain that keeps its allocation device: the use-after-free after device A is unplugged', async () => {
    const { context, page } = await newPage();
    await setCode(page, keepsDevice);
    assert.equal(await submit(page), 'failed');
    const card = page
      .locator('.td-results .td-finding[data-kind="use-after-free"][data-scenarios~="shared-a-unplugged"]')
      .first();
    assert.match(await card.textContent(), /BUG: KASAN: slab-use-after-free in mock_iommu_of/);
    assert.equal(
      await page.locator('.td-scenario[data-scenario="attach-races-detach"][data-status="passed"]').count(),
      1,
    );
    await context.close();
  });
});

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
import { BASE, exercisePage, launch } from './exercise-page.mjs';

const ID = 'vfio-device-lifecycle';
const EX = fileURLToPath(new URL(`../../../../exercises/${ID}/`, import.meta.url));
const manifest = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8'));
const solution = readFileSync(join(EX, 'solution.c'), 'utf8');
const v3 = readFileSync(join(EX, 'known-bad/v3-mtty-release.c'), 'utf8');
const maxScore = manifest.scenarios.reduce((a, s) => a + s.points, 0);

let browser;
const { open, setCode, submit } = exercisePage(ID);
const newPage = () => open(browser);

describe('the vfio-device-lifecycle exercise page', () => {
  before(async () => {
    browser = await launch();
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

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
import { exercisePage, launch } from './exercise-page.mjs';

const EX = fileURLToPath(new URL('../../../../exercises/domain-sharing/', import.meta.url));

const manifest = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8'));
const solution = readFileSync(join(EX, 'solution.c'), 'utf8');
const keepsDevice = readFileSync(join(EX, 'known-bad/caches-alloc-device.c'), 'utf8');
const points = manifest.scenarios.reduce((n, s) => n + s.points, 0);
const count = manifest.scenarios.length;

let browser;
const { open, setCode, submit } = exercisePage('domain-sharing');
const newPage = () => open(browser);

describe('the domain-sharing exercise page', () => {
  before(async () => {
    browser = await launch();
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

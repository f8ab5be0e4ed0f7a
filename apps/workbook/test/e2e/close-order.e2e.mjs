/**
 * End-to-end tests of the close-order exercise page, in Debian's chromium
 * through playwright-core: the reference solution submitted gets full marks
 * on every scenario (3- and 4-thread ones among them); the known-bad release
 * loop without the `empty` flag gets its WARN in the scenario where the
 * iommufd holds nothing but a tombstone. Run by run.mjs, which builds and
 * serves the site.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exercisePage, launch } from './exercise-page.mjs';

const EX = fileURLToPath(new URL('../../../../exercises/close-order/', import.meta.url));

const manifest = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8'));
const solution = readFileSync(join(EX, 'solution.c'), 'utf8');
const warnBeforeEmpty = readFileSync(join(EX, 'known-bad/warn-before-empty.c'), 'utf8');
const points = manifest.scenarios.reduce((n, s) => n + s.points, 0);
const count = manifest.scenarios.length;

let browser;
const { open, setCode, submit } = exercisePage('close-order');
const newPage = () => open(browser);

describe('the close-order exercise page', () => {
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
    assert.match(shown, /close-order: write the release of the iommufd file/);
    await setCode(page, solution);
    assert.equal(await submit(page, 300_000), 'passed');
    assert.equal(await page.locator('.td-scenario[data-status="passed"]').count(), count);
    assert.match(
      await page.textContent('.td-results-title'),
      new RegExp(`${points}/${points} points, ${count} of ${count} scenarios passed`),
    );
    await context.close();
  });

  it('the release loop without the empty flag: a WARN when only a tombstone is left', async () => {
    const { context, page } = await newPage();
    await setCode(page, warnBeforeEmpty);
    assert.equal(await submit(page, 300_000), 'failed');
    const card = page.locator('.td-results .td-finding[data-kind="warn"][data-scenarios~="tombstones-only"]').first();
    assert.match(await card.textContent(), /iommufd_fops_release/);
    assert.equal(await page.locator('.td-scenario[data-scenario="first-open-fails"][data-status="passed"]').count(), 1);
    await context.close();
  });
});

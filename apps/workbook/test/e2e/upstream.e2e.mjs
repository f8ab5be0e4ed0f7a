/**
 * End-to-end tests of "What the model found in Linux 6.17": each finding's
 * reproducer runs in the grading worker on the 6.17 model and with its
 * patch, the trace link from chapter 6 opens the interleaving in the trace
 * viewer. Run by run.mjs (chromium through playwright-core).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch } from './exercise-page.mjs';

const PAGE = `${BASE}/checker/upstream-6-17/`;

let browser;

/** Wait until a finding's island has finished a run; returns its state and the kinds it lists. */
async function finished(page, id) {
  const sel = `td-upstream[data-finding="${id}"]`;
  await page.waitForSelector(`${sel}:is([data-state="reproduced"], [data-state="clean"], [data-state="error"])`, {
    timeout: 120_000,
  });
  return {
    state: await page.getAttribute(sel, 'data-state'),
    model: await page.getAttribute(sel, 'data-model'),
    kinds: await page.$$eval(`${sel} .td-upstream-result li`, (lis) => lis.map((li) => li.dataset.kind)),
  };
}

async function runOn(page, id, which) {
  const sel = `td-upstream[data-finding="${id}"]`;
  await page.waitForSelector(`${sel}[data-ready="true"]`, { timeout: 90_000 });
  await page.evaluate((s) => {
    delete document.querySelector(s).dataset.state;
  }, sel);
  await page.click(`${sel} button[data-model="${which}"]`);
  return finished(page, id);
}

describe('what the model found in Linux 6.17', () => {
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it("chapter 6's trace link opens the page and replays the wake-up stall in the trace viewer", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${BASE}/chapters/06-three-cases/`);
    const link = page.locator('a[href$="/checker/upstream-6-17/#trace-wake-up-stall"]').first();
    await link.click();
    const r = await finished(page, 'wake-up-stall');
    assert.equal(r.state, 'reproduced');
    assert.equal(r.model, 'iommufd-6.17');
    assert.deepEqual(r.kinds, ['stall']);
    const viewer = 'td-upstream[data-finding="wake-up-stall"] .td-trace';
    await page.waitForSelector(`${viewer}:not([hidden])`);
    assert.match(await page.textContent(`${viewer} .td-trace-finding`), /stall: unbind waited the full 60000 ms/);
    // model calls are folded; unfolded, the put whose wake-up skipped the sleeper is a row of the trace
    await page.check(`${viewer} .td-unfold-all`);
    assert.match(await page.textContent(viewer), /wake_up_interruptible_all/);
    await page.close();
  });

  it('with wake_up_all() the reproducer is clean in every interleaving', async () => {
    const page = await browser.newPage();
    await page.goto(PAGE);
    const r = await runOn(page, 'wake-up-stall', 'fixed');
    assert.equal(r.state, 'clean');
    assert.equal(r.model, 'iommufd-6.17+wake-up-all');
    assert.deepEqual(r.kinds, []);
    assert.match(await page.textContent('td-upstream[data-finding="wake-up-stall"] .td-upstream-result'), /exhaustive/);
    await page.close();
  });

  it('the vdevice_size path leaks igroup->lock on 6.17 and not with the patch (the WARN stays)', async () => {
    const page = await browser.newPage();
    await page.goto(PAGE);
    const before = await runOn(page, 'vdevice-size-lock-leak', 'base');
    assert.equal(before.state, 'reproduced');
    assert.ok(before.kinds.includes('lock-misuse'), before.kinds.join());
    assert.ok(before.kinds.includes('deadlock'), before.kinds.join());
    const afterFix = await runOn(page, 'vdevice-size-lock-leak', 'fixed');
    assert.equal(afterFix.state, 'clean');
    assert.deepEqual(afterFix.kinds, ['warn']);
    // both patches are on the page in kernel format
    const text = await page.textContent('main');
    assert.match(text, /Subject: \[PATCH 1\/2\] iommufd: Wake destroy_wait with wake_up_all\(\)/);
    assert.match(text, /\+\s*goto out_unlock_igroup;/);
    await page.close();
  });
});

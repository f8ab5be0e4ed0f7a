/**
 * End-to-end test of the exercise page's split grading (exercise/grader-client.ts): a Submit graded by one
 * module worker and by two (forced with `?workers=N`) shows the same results, scenario by scenario and
 * finding by finding; Cancel stops every worker, and the page grades again afterwards. Run by run.mjs,
 * which builds and serves the site.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exercisePage, launch } from './exercise-page.mjs';

const EX = fileURLToPath(new URL('../../../../exercises/vdev-lifetime/', import.meta.url));
// a learner's kind of mistake (it replaces no model function): findings in several scenarios
const missingLock = readFileSync(join(EX, 'known-bad/missing-lock.c'), 'utf8');
const solution = readFileSync(join(EX, 'solution.c'), 'utf8');

let browser;
const { url, setCode, submit } = exercisePage('vdev-lifetime');

/** A fresh context on the exercise page with `workers` grading workers forced. */
async function openWith(workers) {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
  await page.goto(`${url}?workers=${workers}`);
  await page.waitForSelector('td-exercise[data-ready="true"]', { timeout: 90_000 });
  return { context, page };
}

/** What a Submit shows: the results' text and every scenario's status, with the number of workers used. */
async function results(page) {
  return {
    workers: await page.getAttribute('td-exercise', 'data-workers'),
    text: await page.textContent('.td-results'),
    scenarios: await page.$$eval('.td-scenario', (els) => els.map((e) => `${e.dataset.scenario}:${e.dataset.status}`)),
  };
}

describe('split grading in several module workers', () => {
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('a Submit gives the same results with one worker and with two', async () => {
    const seen = [];
    for (const n of [1, 2]) {
      const { context, page } = await openWith(n);
      await setCode(page, missingLock);
      assert.equal(await submit(page), 'failed');
      seen.push(await results(page));
      await context.close();
    }
    assert.equal(seen[0].workers, '1');
    assert.equal(seen[1].workers, '2');
    assert.ok(seen[0].scenarios.length > 1);
    assert.deepEqual(seen[1].scenarios, seen[0].scenarios);
    assert.equal(seen[1].text, seen[0].text);
  });

  it('Cancel stops a split grading, and the next Submit is graded in two workers again', async () => {
    const { context, page } = await openWith(2);
    await setCode(page, solution);
    await page.evaluate(() => {
      delete document.querySelector('td-exercise').dataset.result;
    });
    await page.click('.td-submit');
    await page.waitForSelector('td-exercise[data-busy="true"]', { timeout: 5_000 });
    await page.click('.td-cancel');
    await page.waitForSelector('td-exercise[data-result="cancelled"][data-busy="false"]', { timeout: 5_000 });
    assert.match(await page.textContent('.td-results'), /Grading cancelled\. Your code is unchanged\./);
    assert.equal(await submit(page), 'passed');
    assert.equal((await results(page)).workers, '2');
    await context.close();
  });
});

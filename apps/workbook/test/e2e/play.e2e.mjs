/**
 * End-to-end tests of "play the scheduler" (issue 16): a chapter's challenge
 * won by clicking the threads' Step buttons, another won by keys alone, a
 * step undone, a played interleaving reopened from its link, and axe-core
 * on a won challenge. Run by run.mjs (chromium through playwright-core).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BASE, launch } from './exercise-page.mjs';

const AXE = readFileSync(
  fileURLToPath(new URL('../../../../node_modules/axe-core/axe.min.js', import.meta.url)),
  'utf8',
);

/** A challenge's minimal token as the manifest states it. */
function minimal(exercise, id) {
  const m = JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../../../exercises/${exercise}/exercise.json`, import.meta.url)), 'utf8'),
  );
  return m.challenges.find((c) => c.id === id).minimal.token;
}

/** The thread per step of a token (no fault plan, one execution). */
function decode(token) {
  const out = [];
  for (const m of token.matchAll(/([a-z])(\d*)/g))
    for (let i = 0; i < Number(m[2] || 1); i++) out.push(m[1].charCodeAt(0) - 97);
  return out;
}

let browser;

async function openChallenge(page, chapter, id, hash = '') {
  await page.goto(`${BASE}/chapters/${chapter}/${hash}`);
  const sel = `td-challenge[data-challenge="${id}"]`;
  await page.waitForSelector(`${sel}[data-ready="true"]`, { timeout: 60_000 });
  return sel;
}

/** Wait until the panel has played `n` steps (moves are queued in order). */
const atStep = (page, sel, n) =>
  page.waitForSelector(`${sel} .td-play[data-steps="${n}"]:not([data-busy])`, { timeout: 60_000 });

describe('play the scheduler', () => {
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it("wins chapter 8's challenge by clicking the threads, after undoing a step", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
    const sel = await openChallenge(page, '08-vfio-device-lifecycle', 'reopening-user-stall');
    await page.click(`${sel} .td-play-open`);
    await page.waitForSelector(`${sel} .td-play[data-state="playing"]`, { timeout: 90_000 });
    const schedule = decode(minimal('vfio-device-lifecycle', 'reopening-user-stall'));
    // a step, then undo: back at the start
    await page.click(`${sel} .td-play-thread[data-tid="${schedule[0]}"] .td-play-step`);
    await atStep(page, sel, 1);
    await page.click(`${sel} .td-play-undo`);
    await atStep(page, sel, 0);
    for (const [i, tid] of schedule.entries()) {
      await page.click(`${sel} .td-play-thread[data-tid="${tid}"] .td-play-step:not([disabled])`);
      await atStep(page, sel, i + 1);
    }
    await page.waitForSelector(`${sel} .td-play[data-state="won"]`);
    assert.match(await page.textContent(`${sel} .td-play-win`), /You made it happen in 44 steps with 0 preemptions/);
    assert.match(await page.textContent(`${sel} .td-play-findings`), /stall: remove waited the full 10000 ms/);
    // the finding is drawn in the results panel's card
    assert.equal(await page.locator(`${sel} .td-play-findings article.td-finding[data-kind="stall"]`).count(), 1);
    assert.equal(await page.getAttribute(`${sel} .td-play`, 'data-token'), 'b11a32b');
    // axe-core: no serious or critical violation with the panel open and won
    await page.addScriptTag({ content: AXE });
    const found = await page.evaluate(async () => {
      const r = await window.axe.run(document, { resultTypes: ['violations'] });
      return r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
    });
    assert.deepEqual(found, []);
    await page.close();
  });

  it("wins chapter 7's challenge with the keyboard alone (digits, U to undo)", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
    const sel = await openChallenge(page, '07-exploring-interleavings', 'missing-lock-race');
    await page.focus(`${sel} .td-play-open`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${sel} .td-play[data-state="playing"]`, { timeout: 90_000 });
    // the focus moved into the panel (its heading): keys go to it
    assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('td-play-title')), true);
    const schedule = decode(minimal('vdev-lifetime', 'missing-lock-race'));
    for (const tid of schedule.slice(0, -1)) await page.keyboard.press(String(tid + 1));
    await atStep(page, sel, schedule.length - 1);
    assert.equal(await page.getAttribute(`${sel} .td-play`, 'data-state'), 'playing');
    await page.keyboard.press('u');
    await atStep(page, sel, schedule.length - 2);
    await page.keyboard.press(String(schedule[schedule.length - 2] + 1));
    await page.keyboard.press(String(schedule[schedule.length - 1] + 1));
    await page.waitForSelector(`${sel} .td-play[data-state="won"]`, { timeout: 60_000 });
    assert.match(await page.textContent(`${sel} .td-play-status`), /You won: BUG: KCSAN: data-race/);
    await page.close();
  });

  it('opens a played interleaving from its link, and the link of the panel is that link', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const token = minimal('vfio-device-lifecycle', 'reopening-user-stall');
    const sel = await openChallenge(
      page,
      '08-vfio-device-lifecycle',
      'reopening-user-stall',
      `#play-reopening-user-stall=${token}`,
    );
    await page.waitForSelector(`${sel} .td-play[data-state="won"]`, { timeout: 90_000 });
    assert.equal(await page.getAttribute(`${sel} .td-play`, 'data-steps'), '44');
    await page.click(`${sel} .td-play-link`);
    await page.waitForSelector(`${sel} .td-play[data-link]`);
    assert.match(
      await page.getAttribute(`${sel} .td-play`, 'data-link'),
      new RegExp(`#play-reopening-user-stall=${token}$`),
    );
    // blocked threads say why; the checker's minimal interleaving replays from the win panel
    await page.click(`${sel} .td-play-minimal`);
    await page.waitForSelector(`${sel} .td-play[data-state="won"][data-token="${token}"]:not([data-busy])`);
    await page.close();
  });

  it("plays a scenario from the exercise page with the learner's code, and its link reopens it", async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`${BASE}/exercises/vdev-lifetime/`);
    await page.waitForSelector('td-exercise[data-ready="true"]', { timeout: 90_000 });
    await page.click('.td-play-btn');
    await page.selectOption('#td-play-scenario', 'destroy-races-unbind');
    await page.click('.td-play-start');
    await page.waitForSelector('.td-play-area .td-play[data-state="playing"]', { timeout: 90_000 });
    await page.click('.td-play-area .td-play-thread[data-tid="1"] .td-play-mycode');
    await page.waitForSelector('.td-play-area .td-play[data-steps]:not([data-steps="0"]):not([data-busy])');
    const token = await page.getAttribute('.td-play-area .td-play', 'data-token');
    assert.match(token, /^b\d*$/);
    await page.click('.td-play-area .td-play-link');
    await page.waitForSelector('.td-play-area .td-play[data-link]');
    const link = await page.getAttribute('.td-play-area .td-play', 'data-link');
    const again = await context.newPage();
    await again.goto(link);
    await again.waitForSelector(`.td-play-area .td-play[data-token="${token}"]`, { timeout: 90_000 });
    await context.close();
  });
});

/**
 * End-to-end tests of the exercise page, in Debian's chromium through
 * playwright-core (never a downloaded browser). Run by run.mjs, which builds
 * and serves the site and passes its address in TEARDOWN_BASE_URL.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, strToU8 } from 'fflate';
import { chromium } from 'playwright-core';

const BASE = process.env.TEARDOWN_BASE_URL ?? 'http://127.0.0.1:4321';
/** The site's base path without its trailing slash: '' at the root, '/teardown' on a sub-path build. */
const PATH = new URL(BASE).pathname.replace(/\/$/, '');
const SHOTS = process.env.TEARDOWN_SCREENSHOTS || '';
const METRICS = process.env.TEARDOWN_METRICS || '';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const EX = fileURLToPath(new URL('../../../../exercises/vdev-lifetime/', import.meta.url));
const PAGE = `${BASE}/exercises/vdev-lifetime/`;
const KEY = 'teardown:v1:vdev-lifetime:code';
const HINT_KEY = 'teardown:v1:vdev-lifetime:hints';
const HINTS = JSON.parse(readFileSync(join(EX, 'exercise.json'), 'utf8')).hints;
/** A hint's text as the page shows it (its inline Markdown rendered). */
const plain = (t) =>
  t
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/\[([^\]]+)\]\([^)\s]+\)/g, '$1');

const solution = readFileSync(join(EX, 'solution.c'), 'utf8');
// a learner's plausible mistake with the v2 patch's use-after-free (the historical v2.c replaces model
// functions too, which a learner's file cannot: the page grades learner files only)
const putBeforeUnlock = readFileSync(join(EX, 'known-bad/put-before-unlock.c'), 'utf8');
const starter = readFileSync(join(EX, 'starter.c'), 'utf8');
/** A version 2 trace link's hash for vdev-lifetime (src/exercise/share.ts traceHash: raw DEFLATE against the
 * exercise's starter and solution, named by their FNV-1a hash). */
const linkHash = ({ scenario, token, code, kind }) => {
  const dict = starter + solution;
  let x = 0x811c9dc5;
  for (let i = 0; i < dict.length; i++) x = Math.imul(x ^ dict.charCodeAt(i), 0x01000193) >>> 0;
  const body = JSON.stringify({ ex: 'vdev-lifetime', s: scenario, t: token, c: code, at: 0, k: kind });
  const data = deflateSync(strToU8(body), { level: 9, dictionary: strToU8(dict) });
  return `#t=${x.toString(36)}.${Buffer.from(data).toString('base64url')}`;
};
/* a link that never ends: visible steps forever, so only a budget, Cancel or the watchdog stops it */
const endless = solution.replace(
  '\tidev->vdev = vdev;\n}',
  '\tidev->vdev = vdev;\n\tfor (;;)\n\t\tWRITE_ONCE(idev->destroying, !READ_ONCE(idev->destroying));\n}',
);
assert.notEqual(endless, solution);
/** Insert `text` after the line that opens function `fn`'s body. */
const intoBody = (src, fn, text) => {
  const i = src.indexOf('{', src.indexOf(`void ${fn}(`));
  const j = src.indexOf('\n', i);
  return src.slice(0, j + 1) + text + src.slice(j + 1);
};
/* the solution padded with racing steps in two threads: it passes, but too many interleavings for the Run's budget */
const pad = '\tfor (int i = 0; i < 10; i++)\n\t\tWRITE_ONCE(pad_counter, READ_ONCE(pad_counter) + 1);\n';
const padded = `static int pad_counter;\n${intoBody(intoBody(solution, 'iommufd_vdevice_destroy', pad), 'iommufd_device_remove_vdev', pad)}`;
/* a loop that never ends in the learner's remove_vdev, and a function whose closing brace is gone */
const spinning = intoBody(solution, 'iommufd_device_remove_vdev', '\twhile (1) {}\n');
const abortAt = solution.indexOf('void iommufd_vdevice_abort(');
const abortOpenLine = solution.slice(0, solution.indexOf('{', abortAt)).split('\n').length;
const abortClose = solution.indexOf('\n}\n', abortAt);
const noBrace = solution.slice(0, abortClose + 1) + solution.slice(abortClose + 3);

const AXE = readFileSync(
  fileURLToPath(new URL('../../../../node_modules/axe-core/axe.min.js', import.meta.url)),
  'utf8',
);

/** The serious and critical axe-core violations of the page as it is now, as `id: target` lines. */
async function axeViolations(page) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  });
}

const metrics = {};
function metric(name, value) {
  metrics[name] = value;
  if (!METRICS) return;
  // other test files and the sub-path run write to the same file: keep what they wrote, the root run's values first
  const old = existsSync(METRICS) ? JSON.parse(readFileSync(METRICS, 'utf8')) : {};
  const key = PATH ? `${name}@${PATH}` : name;
  writeFileSync(METRICS, `${JSON.stringify({ ...old, [key]: value }, null, 2)}\n`);
}

let browser;

async function newPage(opts = {}) {
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    permissions: ['clipboard-read', 'clipboard-write'],
    ...opts,
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
  return { context, page };
}

async function open(page, url = PAGE) {
  await page.goto(url);
  await page.waitForSelector('td-exercise[data-ready="true"]', { timeout: 90_000 });
}

/** Replace the editor's text by pasting it (typing would auto-indent), and wait for the autosave. */
async function setCode(page, text) {
  await page.click('.td-editor .view-lines');
  await page.keyboard.press('Control+A');
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('Control+V');
  await page.waitForFunction(([k, t]) => localStorage.getItem(k) === t, [KEY, text], { timeout: 10_000 });
}

/** The text Monaco shows, whitespace collapsed (it renders non-breaking spaces, and wraps long lines). */
const shown = async (page) => (await page.textContent('.td-editor .view-lines')).replace(/[\s\u00a0]+/g, ' ');

const saved = (page) => page.evaluate((k) => localStorage.getItem(k), KEY);

/**
 * Click Run or Submit and wait for the result; returns the status and the milliseconds from the click to the
 * results, as the page saw them: from the click event to the moment the page marks the grading done
 * (`data-result` set, `data-busy` false), both taken in the page. Timed around Playwright's calls instead, a
 * warm Submit of the solution measured about 0.45 s more than that (its click and its waiting for the selector
 * take their own time).
 */
async function grade(page, which = 'submit', timeout = 120_000) {
  const selector = which === 'submit' ? '.td-submit' : '.td-run';
  await page.evaluate((sel) => {
    const el = document.querySelector('td-exercise');
    delete el.dataset.result;
    const t = { clicked: -1, done: -1 };
    window.__tdGradeTimes = t;
    document.querySelector(sel).addEventListener('click', () => (t.clicked = performance.now()), {
      capture: true,
      once: true,
    });
    const mo = new MutationObserver(() => {
      if (t.clicked >= 0 && el.dataset.result && el.dataset.busy === 'false') {
        t.done = performance.now();
        mo.disconnect();
      }
    });
    mo.observe(el, { attributes: true, attributeFilter: ['data-result', 'data-busy'] });
  }, selector);
  await page.click(selector);
  await page.waitForSelector('td-exercise[data-result][data-busy="false"]', { timeout });
  const { clicked, done } = await page.evaluate(() => window.__tdGradeTimes);
  assert.ok(clicked >= 0 && done >= clicked, `the page saw the click (${clicked}) and then the result (${done})`);
  return { result: await page.getAttribute('td-exercise', 'data-result'), ms: Math.round(done - clicked) };
}

async function shot(page, name, selector) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const target = selector ? page.locator(selector) : page;
  await target.screenshot({ path: join(SHOTS, name) });
}

describe('the vdev-lifetime exercise page', () => {
  before(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-extensions',
      ],
    });
  });
  after(async () => {
    await browser?.close();
  });

  it('opens, loads Monaco and the grading worker, and becomes interactive', async () => {
    const { context, page } = await newPage();
    await open(page);
    const tti = await page.evaluate(() => window.__teardownReadyMs);
    assert.ok(tti > 0, 'the page reports when it became interactive');
    metric('timeToInteractiveMs', tti);
    assert.equal(await page.isEnabled('.td-submit'), true);
    assert.match(await shown(page), /vdev-lifetime: tie a vdevice's life to its idevice/);
    await context.close();
  });

  it('the solution, typed in, passes every scenario on Submit', async () => {
    const { context, page } = await newPage();
    await open(page);
    await setCode(page, solution);
    const { result, ms } = await grade(page);
    assert.equal(result, 'passed');
    assert.equal(await page.locator('.td-scenario[data-status="passed"]').count(), 12);
    assert.match(await page.textContent('.td-results-title'), /25\/25 points, 12 of 12 scenarios passed/);
    metric('submitSolutionMs', ms);
    // a second Submit, with the worker warm
    metric('submitSolutionWarmMs', (await grade(page)).ms);
    await context.close();
  });

  it("the starter's Run: one card per root cause across scenarios, what to fix first, no fault in the harness", async () => {
    const { context, page } = await newPage({ viewport: { width: 1280, height: 800 } });
    await open(page);
    assert.equal((await grade(page, 'run')).result, 'failed');
    const cards = page.locator('.td-results .td-finding:not(.td-model)');
    const n = await cards.count();
    const keys = await cards.evaluateAll((els) => els.map((e) => e.dataset.key));
    const kinds = await cards.evaluateAll((els) => els.map((e) => e.dataset.kind));
    assert.ok(n >= 3 && n <= 6, `${n} cards`);
    assert.equal(new Set(keys).size, n, 'one card per root cause');
    for (const k of ['leak', 'contract', 'warn', 'stall']) assert.equal(kinds.filter((x) => x === k).length, 1, k);
    assert.ok(!kinds.includes('null-deref'), 'the harness never faults on the starter');
    assert.equal(kinds[n - 1], 'leak', 'the leaks come last');
    const leak = page.locator('.td-finding[data-kind="leak"]');
    assert.match(await leak.locator('.td-finding-title').textContent(), /^kmemleak: \d+ objects never freed \(struct /);
    assert.match(await leak.locator('.td-in').textContent(), /^in 6 scenarios$/);
    // every card says what to look at next; objects beyond the ones involved wait behind a toggle
    assert.equal(await page.locator('.td-finding:not(.td-model) .td-advice').count(), n);
    const warn = page.locator('.td-finding[data-kind="warn"]');
    assert.equal(await warn.locator('.td-more-objects[open]').count(), 0);
    assert.ok((await warn.locator('.td-objects-table').first().locator('tbody tr').count()) <= 3);
    // the scenario rows point at their cards
    assert.equal(await page.locator('.td-scenario').count(), 6);
    assert.match(await page.textContent('.td-scenario[data-scenario="walkthrough-refcounts"] .td-cards'), /^findings /);
    metric('starterRunCards', n);
    metric('starterRunResultsHeightPx', await page.$eval('.td-results', (e) => e.scrollHeight));
    await context.close();
  });

  it("put-before-unlock gives a use-after-free in the learner's destroy; its trace folds model calls, follows the editor at 1280x800, and its share link reopens it", async () => {
    const { context, page } = await newPage({ viewport: { width: 1280, height: 800 } });
    await open(page);
    await setCode(page, putBeforeUnlock);
    const { result } = await grade(page);
    assert.equal(result, 'failed');
    const card = page
      .locator('.td-results .td-finding[data-kind="use-after-free"][data-scenarios~="destroy-races-unbind"]')
      .first();
    assert.match(await card.textContent(), /BUG: KASAN: slab-use-after-free in iommufd_vdevice_destroy/);
    assert.match(await card.getAttribute('data-scenarios'), /destroy-races-unbind/);
    // the learner's frame leads, as a link into the editor
    assert.match(await card.locator('.td-where').textContent(), /^Where: your iommufd_vdevice_destroy, line \d+$/);
    assert.equal(await page.locator('.td-results .td-finding').first().getAttribute('data-kind'), 'use-after-free');
    // side by side: the editor and the results share the screen
    const ed = await page.locator('.td-editor').boundingBox();
    const out = await page.locator('.td-output').boundingBox();
    assert.ok(ed.x + ed.width <= out.x && ed.width > 350 && out.width > 350, 'editor and results side by side');
    assert.ok(ed.y + 300 < 800 && out.y < 200, 'both start near the top');
    await shot(page, 'exercise-page.png');

    await card.locator('.td-show-trace[data-scenario="destroy-races-unbind"]').click();
    await page.waitForSelector('td-exercise[data-trace="open"] .td-trace:not([hidden])');
    const label = () => page.textContent('.td-step-label');
    assert.match(await label(), /^step 1 of \d+/);
    const total = Number(/of (\d+)/.exec(await label())[1]);
    const stepNo = async () => Number(/^step (\d+)/.exec(await label())[1]);
    await page.click('.td-trace [data-act="next"]');
    assert.ok((await stepNo()) > 1);
    await page.keyboard.press('ArrowLeft');
    assert.match(await label(), /^step 1 of /);

    // model calls are folded: fewer rows than steps; one unfolds on demand, all unfold at once
    const stepRows = () => page.locator('.td-trace-table tr[data-step]').count();
    const folds = page.locator('.td-trace-table tr.td-fold');
    assert.ok((await folds.count()) > 0, 'model-internal steps are folded');
    const folded = await stepRows();
    assert.ok(folded < total / 2, `${folded} step rows for ${total} steps`);
    const [from, to] = (await folds.first().getAttribute('data-fold')).split('-').map(Number);
    await folds.first().locator('.td-fold-toggle').click();
    assert.equal(await folds.first().locator('.td-fold-toggle').getAttribute('aria-expanded'), 'true');
    assert.equal(await stepRows(), folded + (to - from + 1));
    await page.check('.td-unfold-all');
    assert.equal(await stepRows(), total);
    assert.equal(await page.locator('.td-trace-table tr.td-fold').count(), 0);
    await page.uncheck('.td-unfold-all');
    // only the steps in my code (and the finding's)
    await page.check('.td-filter-mine');
    const owners = await page.$$eval('.td-trace-table tr[data-step]', (rs) => rs.map((r) => r.dataset.owner));
    assert.ok(owners.length > 1 && owners.length < folded);
    assert.ok(
      owners.slice(0, -1).every((o) => o === 'mine'),
      owners.join(','),
    );
    await page.uncheck('.td-filter-mine');

    await page.click('.td-trace [data-act="finding"]');
    assert.match(await label(), new RegExp(`^step ${total} of ${total} \\(the finding\\)`));
    assert.ok((await page.locator('.td-trace-objects .td-object[data-state="live"]').count()) > 0, 'objects are drawn');
    // the igroup whose lock the destroy is about to release was freed by the unbind
    assert.equal(
      await page.locator('.td-trace-objects .td-object[data-state="freed"][data-object^="iommufd_group#"]').count(),
      1,
    );
    assert.match(await page.textContent('.td-trace-objects'), /iommufd_vdevice#\w+obj\.wait_cnt0obj\.users0/);
    // the same objects drawn: the freed igroup dashed, still locked by the destroy, with arrows between the boxes
    const pic = page.locator('.td-trace-picture svg.td-picture');
    assert.equal(await pic.getAttribute('role'), 'img');
    assert.equal(await pic.locator('g.td-pic-freed[data-object^="iommufd_group#"]').count(), 1);
    assert.match(await pic.locator('g[data-object^="iommufd_group#"]').textContent(), /lock: locked by destroy/);
    assert.ok((await pic.locator('path.edge-ptr, path.edge-ref').count()) >= 2, 'arrows between the objects');
    assert.match(await pic.getAttribute('aria-label'), /^The iommufd objects after step \d+: /);
    // the kernel log at the finding's step ends with what the kernel prints for it
    assert.match(await page.textContent('.td-trace-log .td-log-finding'), /BUG: KASAN: slab-use-after-free/);
    // walking back from the finding, some step changes a field of an object
    let changed = 0;
    for (let i = 0; i < 40 && !changed; i++) {
      await page.keyboard.press('ArrowLeft');
      changed = await page
        .locator('.td-trace-objects tr.td-changed, .td-trace-objects .td-new, .td-trace-objects .td-freed-now')
        .count();
    }
    assert.ok(changed > 0, 'a change between steps is highlighted');
    assert.ok((await page.locator('.td-trace-picture .td-pic-changed').count()) > 0, 'and drawn');
    await page.click('.td-trace [data-act="finding"]');
    await shot(page, 'trace-viewer.png');
    await shot(page, 'object-picture.png', '.td-trace-pic-wrap');

    // a step in the learner's code is highlighted in the editor, and both are on screen together
    let highlighted = 0;
    for (let i = 0; i < total && !highlighted; i++) {
      await page.keyboard.press('ArrowLeft');
      highlighted = await page.locator('.td-editor .td-step-line').count();
    }
    assert.ok(highlighted > 0, 'the current line is highlighted in the editor');
    const inView = async (sel) => {
      const b = await page.locator(sel).first().boundingBox();
      return b !== null && b.y >= 0 && b.y + b.height <= 800 && b.x >= 0 && b.x + b.width <= 1280;
    };
    assert.ok(await inView('.td-editor .td-step-line'), 'the highlighted line is on screen');
    assert.ok(await inView('.td-trace-table tr.td-current'), 'the current step is on screen');

    await page.click('.td-trace [data-act="share"]');
    const link = await page.inputValue('.td-share-url');
    assert.match(link, /#t=[0-9a-z]+\.[\w-]+$/);
    assert.ok(link.length < 1000, `a short link (${link.length} characters)`);
    metric('shareLinkChars', link.length);
    const sharedStep = await stepNo();
    assert.ok(sharedStep < total, 'shared from a step before the finding');
    const finding = await page.textContent('.td-trace-finding');

    await page.reload();
    await page.waitForSelector('td-exercise[data-ready="true"]');
    assert.equal(await saved(page), putBeforeUnlock, 'the code survives a reload');
    assert.match(await shown(page), /Known-bad \(a plausible mistake\): the vdev's destroy puts/);

    // the link, opened by a learner with code of their own: at the sharer's step, the shared code read-only
    const other = await newPage();
    await open(other.page);
    const theirs = `${starter}\n/* my own work */\n`;
    await setCode(other.page, theirs);
    const tab = await other.context.newPage();
    await tab.goto(link);
    await tab.waitForSelector('td-exercise[data-trace="open"]', { timeout: 90_000 });
    assert.match(await tab.textContent('.td-step-label'), new RegExp(`^step ${sharedStep} of ${total}`));
    assert.equal(await tab.textContent('.td-trace-finding'), finding);
    assert.match(await tab.textContent('.td-status'), /^Showing \d+ steps/);
    assert.equal(await tab.isVisible('.td-shared-banner'), true);
    // (the editor shows the lines around the step: the put before the unlock)
    assert.match(await shown(tab), /iommufd_put_object\(ictx, &idev->obj\); mutex_unlock\(&idev->igroup->lock\);/);
    assert.equal(await tab.isDisabled('.td-run'), true, 'Run grades your own code: not while the shared code shows');
    assert.equal(await saved(tab), theirs, 'opening a link never touches saved code');
    // typing does nothing to the shared code
    await tab.click('.td-editor .view-lines');
    await tab.keyboard.insertText('x');
    assert.equal(await saved(tab), theirs);
    // back to my code: mine is there, the shared trace is gone
    await tab.click('.td-shared-back');
    assert.match(await shown(tab), /vdev-lifetime: tie a vdevice's life to its idevice/);
    assert.equal(await tab.isVisible('.td-trace'), false);
    assert.equal(await tab.isEnabled('.td-run'), true);
    // copy into my editor: the shared code becomes mine, mine is kept as the previous code
    await tab.goto('about:blank');
    await tab.goto(link);
    await tab.waitForSelector('td-exercise[data-trace="open"]', { timeout: 90_000 });
    await tab.click('.td-shared-copy');
    await tab.waitForFunction(([k, t]) => localStorage.getItem(k) === t, [KEY, putBeforeUnlock]);
    assert.equal(await tab.evaluate(() => localStorage.getItem('teardown:v1:vdev-lifetime:previous')), theirs);
    assert.equal(await tab.isVisible('.td-restore'), true);
    assert.equal(await tab.isVisible('.td-trace'), true, 'the trace stays: it is the code now in the editor');

    // a link whose token replays an execution without the finding (as an old token may under a newer checker: here
    // the destroy run alone before the unbind) says so, and does not show the steps as the finding's
    const stale = await other.context.newPage();
    await stale.goto(
      `${PAGE}${linkHash({ scenario: 'destroy-races-unbind', token: 'a', code: putBeforeUnlock, kind: 'use-after-free' })}`,
    );
    await stale.waitForSelector('td-exercise[data-trace="open"]', { timeout: 90_000 });
    assert.match(
      await stale.textContent('.td-status'),
      /^This interleaving no longer reaches the \[use-after-free\] finding the link was shared for/,
    );
    assert.equal(await stale.getAttribute('.td-status', 'data-kind'), 'error');
    assert.equal(await stale.textContent('.td-trace-finding'), '');
    assert.equal(await stale.isVisible('.td-shared-banner'), true, 'the shared code is still there to copy');
    await other.context.close();
    await context.close();
  });

  it('says how far the checker got: a pass without exhaustive coverage is marked in its row and the status; a livelock names its loop; a missing brace points at its opening', async () => {
    const { context, page } = await newPage({ viewport: { width: 1280, height: 800 } });
    await open(page);
    await setCode(page, padded);
    assert.equal((await grade(page, 'run')).result, 'passed');
    const partial = page.locator('.td-scenario[data-status="passed"][data-exhaustive="false"]');
    assert.ok((await partial.count()) >= 1, 'some scenario passed within the budget only');
    assert.match(await partial.first().locator('.td-coverage.td-partial').textContent(), /^not exhaustive: /);
    assert.match(await page.textContent('.td-partial-note'), /passed without exhaustive coverage/);
    assert.match(
      await page.textContent('.td-status'),
      /^13\/13 points in [\d.]+ s; \d+ scenarios? passed without exhaustive coverage\.$/,
    );

    await setCode(page, spinning);
    assert.equal((await grade(page, 'run')).result, 'failed');
    const spin = page.locator('.td-results .td-finding[data-kind="livelock"]');
    assert.equal(await spin.count(), 1, 'one livelock card for every scenario the loop hangs');
    assert.match(
      await spin.locator('.td-finding-title').textContent(),
      /^livelock: .*, in iommufd_device_remove_vdev \(line \d+\)$/,
    );
    assert.match(await spin.locator('.td-where').textContent(), /your iommufd_device_remove_vdev, line \d+/);
    assert.ok(Number(/in (\d+) scenarios/.exec(await spin.locator('.td-in').textContent())[1]) >= 4);

    await setCode(page, noBrace);
    assert.equal((await grade(page, 'run')).result, 'error');
    const diag = page.locator('.td-diagnostics li').first();
    assert.match(await diag.textContent(), new RegExp(`^submission\\.c:${abortOpenLine}:1: .*never closed`));
    await diag.locator('a').click();
    assert.ok(await page.evaluate(() => document.querySelector('.td-editor').contains(document.activeElement)));
    await context.close();
  });

  it('stacks the panes on a phone', async () => {
    const { context, page } = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await open(page);
    const st = await page.locator('.td-statement').boundingBox();
    const ed = await page.locator('.td-editor').boundingBox();
    const out = await page.locator('.td-output').boundingBox();
    assert.ok(st.y < ed.y && ed.y < out.y, 'statement, editor, results from top to bottom');
    assert.ok(ed.width > 330 && out.width > 330, 'each as wide as the screen');
    assert.ok(ed.height > 300, 'the editor is tall enough to write in');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px)`);
    await context.close();
  });

  it('an injected failure is a row of its own in the trace (an abort that calls vdev->destroy unchecked)', async () => {
    const { context, page } = await newPage();
    await open(page);
    await setCode(page, readFileSync(join(EX, 'known-bad/abort-unguarded-destroy.c'), 'utf8'));
    const { result } = await grade(page);
    assert.equal(result, 'failed');
    const scenario = page.locator('.td-scenario[data-scenario="alloc-fails-races-unbind"]');
    assert.match(await scenario.textContent(), /with up to 1 injected failure at 2 fault sites/);
    const card = page
      .locator('.td-results .td-finding[data-kind="null-deref"][data-scenarios~="alloc-fails-races-unbind"]')
      .first();
    assert.match(await card.textContent(), /NULL pointer dereference/);
    await card.locator('.td-show-trace[data-scenario="alloc-fails-races-unbind"]').click();
    await page.waitForSelector('td-exercise[data-trace="open"] .td-trace:not([hidden])');
    // the driver's vdevice_init refused, before it set vdev->destroy: one row, before the steps that follow it
    const row = page.locator('.td-trace-table tr.td-injected');
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent(), /vdevice_init fails \(injected\)/);
    await context.close();
  });

  it('an endless loop is cancelled; the page stays responsive and the code stays', async () => {
    const { context, page } = await newPage();
    await open(page);
    await setCode(page, endless);
    await page.evaluate(() => {
      delete document.querySelector('td-exercise').dataset.result;
    });
    await page.click('.td-submit');
    await page.waitForSelector('td-exercise[data-busy="true"]');
    // the busy mark is drawn, not an emoji a browser may lack
    assert.equal(await page.$eval('.td-status', (e) => getComputedStyle(e, '::before').content), '""');
    await page.waitForFunction(() => /Exploring/.test(document.querySelector('.td-status').textContent), null, {
      timeout: 30_000,
    });
    const t0 = Date.now();
    await page.click('.td-cancel');
    await page.waitForSelector('td-exercise[data-result="cancelled"][data-busy="false"]', { timeout: 5_000 });
    metric('cancelMs', Date.now() - t0);
    assert.match(await page.textContent('.td-results'), /Grading cancelled\. Your code is unchanged\./);
    assert.equal(await saved(page), endless);
    // the page answers, and the editor still takes input
    assert.equal(await page.evaluate(() => 6 * 7), 42);
    await page.click('.td-editor .view-lines');
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\n/* still here */\n');
    await page.waitForFunction((k) => localStorage.getItem(k)?.endsWith('/* still here */\n'), KEY);
    await context.close();
  });

  it('the watchdog stops a grading that runs longer than it allows', async () => {
    // the VM's own bounds end this loop (a livelock finding) in about a second of grading;
    // a 0.2 s watchdog (?watchdog=200) stops the grading before that
    const { context, page } = await newPage();
    await open(page);
    await setCode(page, endless);
    await open(page, `${PAGE}?watchdog=200`);
    const { result } = await grade(page, 'submit', 20_000);
    assert.equal(result, 'watchdog');
    assert.match(await page.textContent('.td-results'), /stopped by the watchdog after 0\.2 s/);
    // the status says so and stays so: progress the stopped worker had sent is not shown after it
    const stopped = 'Stopped: stopped by the watchdog after 0.2 s.';
    assert.equal(await page.textContent('.td-status'), stopped);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
    assert.equal(await page.textContent('.td-status'), stopped);
    assert.equal(await saved(page), endless);
    // a fresh worker grades the next Run (with the default watchdog)
    await open(page);
    await setCode(page, solution);
    assert.equal((await grade(page, 'run')).result, 'passed');
    await context.close();
  });

  it('reset to starter asks first and keeps the code it replaces', async () => {
    const { context, page } = await newPage();
    await open(page);
    await setCode(page, solution);
    page.once('dialog', (d) => d.accept());
    await page.click('.td-reset');
    await page.waitForFunction(([k, t]) => localStorage.getItem(k) === t, [KEY, starter]);
    assert.equal(await page.isVisible('.td-restore'), true);
    await page.click('.td-restore');
    await page.waitForFunction(([k, t]) => localStorage.getItem(k) === t, [KEY, solution]);
    // a dismissed confirmation changes nothing
    page.once('dialog', (d) => d.dismiss());
    await page.click('.td-reset');
    assert.equal(await saved(page), solution);
    await context.close();
  });

  it('a failed Submit of the starter makes the first hint available (a Run does not); it opens from the keyboard and stays open after a reload', async () => {
    const { context, page } = await newPage({ colorScheme: 'light' });
    await open(page);
    assert.ok(HINTS.length >= 4);
    const news = page.locator('.td-hints [role="status"]');
    assert.equal(await news.getAttribute('aria-live'), 'polite');
    // before any Submit: the box says hints exist and how they come
    assert.equal(await page.isVisible('.td-hints'), true);
    assert.equal(await page.isVisible('.td-show-hint'), false);
    assert.match(await page.textContent('.td-hint-note'), new RegExp(`^${HINTS.length} hints for this exercise`));
    // a Run does not count
    assert.equal((await grade(page, 'run')).result, 'failed');
    assert.equal(await page.isVisible('.td-show-hint'), false);
    // a Submit short of full marks does
    assert.equal((await grade(page)).result, 'failed');
    assert.equal(await page.textContent('.td-show-hint'), `Show a hint (1 of ${HINTS.length})`);
    assert.match(await news.textContent(), new RegExp(`^Hint 1 of ${HINTS.length} is available`));
    assert.equal(await page.locator('.td-hint').count(), 0, 'an available hint stays closed until asked for');
    // opened from the keyboard; the focus moves to the hint
    await page.focus('.td-show-hint');
    await page.keyboard.press('Enter');
    const first = page.locator('.td-hint[data-hint="1"]');
    await first.waitFor();
    assert.equal(await first.textContent(), plain(HINTS[0]));
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-hint')), '1');
    assert.ok((await first.locator('code').count()) > 0, 'inline code is rendered');
    assert.equal(await first.locator(`a[href="${PATH}/chapters/04-pointing-without-referencing/"]`).count(), 1);
    assert.equal(await page.isVisible('.td-show-hint'), false, 'the next hint needs another failed Submit');
    assert.equal(await news.textContent(), '');
    assert.deepEqual(JSON.parse(await page.evaluate((k) => localStorage.getItem(k), HINT_KEY)), {
      available: 1,
      shown: 1,
    });
    // the hint card looks like a finding card, in both themes
    const bg = (sel) => page.$eval(sel, (el) => getComputedStyle(el).backgroundColor);
    assert.equal(await bg('.td-hint'), await bg('.td-finding'));
    await page.selectOption('starlight-theme-select select', 'dark');
    await page.waitForSelector('.td-editor .monaco-editor.vs-dark');
    assert.equal(await bg('.td-hint'), await bg('.td-finding'));

    // a reload keeps it open, with nothing new to announce
    await page.reload();
    await page.waitForSelector('td-exercise[data-ready="true"]');
    assert.equal(await page.textContent('.td-hint[data-hint="1"]'), plain(HINTS[0]));
    assert.equal(await page.locator('.td-hint').count(), 1);
    assert.equal(await page.isVisible('.td-show-hint'), false);
    assert.match(await page.textContent('.td-hint-note'), /next hint becomes available after your next Submit/);
    assert.equal(await news.textContent(), '');

    // a second failed Submit makes the second available; a reload before opening it keeps it available
    assert.equal((await grade(page)).result, 'failed');
    assert.equal(await page.textContent('.td-show-hint'), `Show a hint (2 of ${HINTS.length})`);
    await page.reload();
    await page.waitForSelector('td-exercise[data-ready="true"]');
    assert.equal(await page.textContent('.td-show-hint'), `Show a hint (2 of ${HINTS.length})`);
    await page.click('.td-show-hint');
    assert.equal(await page.textContent('.td-hint[data-hint="2"]'), plain(HINTS[1]));

    // a corrupt value: the page still starts, with no hint open or available
    await page.evaluate((k) => localStorage.setItem(k, '{"available":'), HINT_KEY);
    await page.reload();
    await page.waitForSelector('td-exercise[data-ready="true"]');
    assert.equal(await page.locator('.td-hint').count(), 0);
    assert.equal(await page.isVisible('.td-show-hint'), false);
    assert.match(await page.textContent('.td-hint-note'), new RegExp(`^${HINTS.length} hints for this exercise`));
    await context.close();
  });

  it('axe-core finds no serious or critical violation on any page, in either theme (the exercise page with results and a trace too)', async () => {
    const sitemap = await (await fetch(`${BASE}/sitemap-0.xml`)).text();
    // the sitemap names the site's own host: the pages' paths, on the server under test
    const pages = [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map(
      (m) => new URL(BASE).origin + new URL(m[1]).pathname,
    );
    assert.ok(pages.length >= 12, `${pages.length} pages in the sitemap`);
    const found = [];
    for (const theme of ['light', 'dark']) {
      const { context, page } = await newPage({ colorScheme: theme, viewport: { width: 1280, height: 800 } });
      for (const url of pages) {
        await page.goto(url);
        if (url.includes('/exercises/'))
          await page.waitForSelector('td-exercise[data-ready="true"]', { timeout: 90_000 });
        for (const v of await axeViolations(page)) found.push(`${theme} ${url}: ${v}`);
      }
      await open(page);
      assert.equal((await grade(page, 'run')).result, 'failed');
      for (const v of await axeViolations(page)) found.push(`${theme} results: ${v}`);
      await page.click('.td-show-trace');
      await page.waitForSelector('td-exercise[data-trace="open"]');
      await page.click('.td-trace [data-act="finding"]');
      for (const v of await axeViolations(page)) found.push(`${theme} trace: ${v}`);
      await context.close();
    }
    metric('axePagesChecked', pages.length * 2 + 4);
    metric('axeSeriousOrCritical', found.length);
    assert.deepEqual(found, []);
  });

  it('the keyboard: the editor is two Tabs from the top, and the page says how Tab leaves it', async () => {
    const { context, page } = await newPage();
    await open(page);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the editor');
    await page.keyboard.press('Enter');
    assert.ok(await page.evaluate(() => document.querySelector('.td-editor').contains(document.activeElement)));
    assert.match(await page.textContent('.td-keys'), /Ctrl\s*\+\s*M switches Tab to move the focus out/);
    // Ctrl+M, then Tab leaves the editor for the next control
    await page.keyboard.press('Control+M');
    await page.keyboard.press('Tab');
    assert.ok(!(await page.evaluate(() => document.querySelector('.td-editor').contains(document.activeElement))));
    // a pane gutter moves from the keyboard
    const before = await page.$eval('.td-gutter-3', (g) => Number(g.getAttribute('aria-valuenow')));
    await page.focus('.td-gutter-3');
    await page.keyboard.press('ArrowLeft');
    assert.ok((await page.$eval('.td-gutter-3', (g) => Number(g.getAttribute('aria-valuenow')))) < before);
    await context.close();
  });

  it('chapters: refcount timelines and the close order drawn, and no table or code block wider than its column at 1280 px', async () => {
    const { context, page } = await newPage({ viewport: { width: 1280, height: 800 } });
    // drawn figures per chapter, at least: chapter 1's two, the timelines of 2, 4 and 5, the close order of 3, 6's chart
    const figures = {
      '01-objects-ids-xarray': 2,
      '02-users-and-wait-cnt': 1,
      '03-who-destroys-whom': 1,
      '04-pointing-without-referencing': 2,
      '05-tombstones': 1,
      '06-three-cases': 1,
      '07-exploring-interleavings': 0,
    };
    const over = [];
    for (const [chapter, n] of Object.entries(figures)) {
      await page.goto(`${BASE}/chapters/${chapter}/`);
      const svgs = page.locator('figure.td-figure svg[role="img"]');
      assert.ok((await svgs.count()) >= n, `${chapter}: ${await svgs.count()} figures`);
      // each figure is named and described for screen readers
      for (const svg of await svgs.all()) assert.match(await svg.getAttribute('aria-labelledby'), /\S+ \S+/);
      for (const o of await page.$$eval('.sl-markdown-content table, .sl-markdown-content pre', (els) =>
        els
          .filter((e) => e.scrollWidth > e.clientWidth + 1)
          .map((e) => `${e.tagName} ${e.scrollWidth - e.clientWidth} px`),
      ))
        over.push(`${chapter}: ${o}`);
    }
    assert.deepEqual(over, [], 'nothing overflows its column');
    await context.close();
  });

  it('follows the dark theme', async () => {
    const { context, page } = await newPage({ colorScheme: 'light' });
    await open(page);
    await page.selectOption('starlight-theme-select select', 'dark');
    await page.waitForSelector('.td-editor .monaco-editor.vs-dark');
    await page.selectOption('starlight-theme-select select', 'light');
    await page.waitForSelector('.td-editor .monaco-editor.vs:not(.vs-dark)');
    await context.close();
  });

  it('works offline from the first visit: a fresh profile opens the home page once, then unopened pages, search and the grader work offline', async () => {
    const { context, page } = await newPage();
    await page.goto(`${BASE}/`);
    // an active worker has finished installing, and installing caches the whole site
    await page.evaluate(() => navigator.serviceWorker.ready);
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const c = await caches.open(keys.find((k) => k.startsWith('teardown-')));
      return (await c.keys()).map((r) => new URL(r.url).pathname);
    });
    assert.ok(cached.includes(`${PATH}/exercises/vdev-lifetime/`), 'the exercise page is precached');
    assert.ok(
      cached.some((u) => u.endsWith('.wasm')),
      'the wasm files are precached',
    );
    metric('precachedFiles', cached.length);
    await context.setOffline(true);
    // the exercise page was never opened online
    await open(page);
    await setCode(page, solution);
    assert.equal((await grade(page, 'run')).result, 'passed');
    // nor was this chapter
    await page.goto(`${BASE}/chapters/05-tombstones/`);
    assert.match(await page.textContent('h1'), /tombstone/i);
    // search runs on the precached index
    await page.click('site-search button[data-open-modal]');
    await page.fill('site-search input', 'tombstone');
    await page.waitForSelector('site-search .pagefind-ui__result-link', { timeout: 20_000 });
    await context.setOffline(false);
    await context.close();
  });
});

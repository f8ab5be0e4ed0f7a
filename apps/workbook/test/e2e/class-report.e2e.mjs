/**
 * End-to-end test of the class report (`teardown report`), in Debian's
 * chromium through playwright-core: a generated class of submissions (the
 * solution, known-bad versions, mutants, files that do not compile) is
 * graded with `teardown batch`, the report is written beside the results,
 * and the page is opened from the file system with every network request
 * refused. It must show its four views: the score histogram and the pass
 * rate per scenario (inline SVG), the most common findings with an example
 * trace each, and a row per submission whose link opens its report.
 * Run by run.mjs (with the exercise page's tests); TEARDOWN_SCREENSHOTS saves
 * docs/screenshots/class-report.png.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SHOTS = process.env.TEARDOWN_SCREENSHOTS || '';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const BIN = join(ROOT, 'packages/grader/bin/teardown.js');
const N = 20;

let browser;
let dir;
let results;

function teardown(args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the class report', () => {
  before(async () => {
    const { generateClass, loadExercise } = await import(join(ROOT, 'packages/grader/dist/node.js'));
    const ex = loadExercise(join(ROOT, 'exercises/vdev-lifetime'));
    dir = mkdtempSync(join(tmpdir(), 'teardown-class-report-'));
    mkdirSync(join(dir, 'subs'));
    for (const c of generateClass(ex, N, 3)) writeFileSync(join(dir, 'subs', c.name), c.text);
    const b = teardown(['batch', 'vdev-lifetime', join(dir, 'subs'), '--out', join(dir, 'class.json'), '--jobs', '2']);
    assert.ok(b.code === 0 || b.code === 1, b.stderr);
    const r = teardown(['report', join(dir, 'class.json'), '--out', join(dir, 'class.html')]);
    assert.equal(r.code, 0, r.stderr);
    results = JSON.parse(readFileSync(join(dir, 'class.json'), 'utf8'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });
  after(async () => {
    await browser?.close();
  });

  it('renders its four views from the file system, with no network request', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const remote = [];
    await context.route(/^(?!file:)/, (route) => {
      remote.push(route.request().url());
      return route.abort();
    });
    await page.goto(pathToFileURL(join(dir, 'class.html')).href);
    assert.deepEqual(remote, [], 'the page asked for nothing outside itself');

    // 1. the histogram: one bar per score with submissions in it
    const bars = await page.locator('#histogram svg path').count();
    assert.ok(bars > 0, 'histogram bars');
    const scored = new Set(results.results.map((r) => r.score)).size;
    assert.ok(bars >= scored, `at least ${scored} bars for the distinct scores, got ${bars}`);
    // 2. pass rate per scenario: every scenario named on the axis
    const rateText = await page.locator('#pass-rates svg').textContent();
    for (const s of results.scenarios) assert.ok(rateText.includes(s.id), `pass rate of ${s.id}`);
    // 3. the most common findings, each with an example trace
    const findings = page.locator('#findings li.finding');
    assert.ok((await findings.count()) >= 3, 'several common findings');
    const firstTrace = await findings.first().locator('pre.trace').textContent();
    assert.match(firstTrace, /\S/);
    assert.ok(
      (await page.locator('#findings pre.trace').allTextContents()).some((t) =>
        /BUG: KASAN|replay it step by step/.test(t),
      ),
      'an example shows a kernel-style report with its replay',
    );
    // 4. a row per submission, linking to its report
    assert.equal(await page.locator('#submissions tr.submission').count(), N);
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'class-report.png'), fullPage: true });
    }
    const link = page.locator('#submissions tr.submission a').first();
    const href = await link.getAttribute('href');
    assert.ok(existsSync(join(dir, decodeURIComponent(href))), `the report ${href} exists`);
    await link.click();
    await page.waitForLoadState();
    assert.match(await page.textContent('body'), /score: \d+\/\d+/);
    await context.close();
  });
});

#!/usr/bin/env node
/**
 * The project's test command (`npm test`): build, run every suite, and end
 * with one plain line `N passed, N failed` summing all of them (CI reads
 * that line, not vitest's own output).
 *
 * Suites: the vitest projects (packages/*, apps/workbook unit), the workbook's browser
 * end-to-end suite when apps/workbook has one, and the lint (Biome's linter
 * and format check, docs/hygiene.md), which counts as one check, and a short
 * fuzzing run (scripts/fuzz.mjs --inputs 24), one check too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.test-results');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', ASTRO_TELEMETRY_DISABLED: '1', NO_UPDATE_NOTIFIER: '1' };

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env, ...opts });
  return r.status ?? 1;
}

let passed = 0;
let failed = 0;
/** What failed, one line each, repeated just above the last line (CI keeps only the end of the output). */
const failures = [];

// 1. build the packages the suites import, and the one-module CLI the bin loads (packages/grader/scripts/bundle-cli.mjs)
if (
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/core', 'packages/grader']) !==
    0 ||
  run(process.execPath, [join(root, 'packages/grader/scripts/bundle-cli.mjs')]) !== 0
) {
  console.log('\nbuild failed');
  failures.push('build: tsc -b packages/core packages/grader, or the CLI bundle');
  failed++;
}

// 2. vitest projects
const vitestJson = join(out, 'vitest.json');
run(process.execPath, [
  join(root, 'node_modules/vitest/vitest.mjs'),
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
if (existsSync(vitestJson)) {
  const j = JSON.parse(readFileSync(vitestJson, 'utf8'));
  passed += j.numPassedTests ?? 0;
  failed +=
    (j.numFailedTests ?? 0) + (j.numTotalTestSuites && j.success === false && (j.numFailedTests ?? 0) === 0 ? 1 : 0);
  failures.push(...vitestFailures(j, root));
  if (j.success === false && !(j.numFailedTests ?? 0))
    failures.push('vitest: the run failed outside any test (an unhandled error: see its output above)');
} else {
  console.log('vitest wrote no results');
  failures.push('vitest: wrote no results');
  failed++;
}

// 3. the workbook's browser suite, when present
const e2e = join(root, 'apps/workbook/test/e2e/run.mjs');
if (existsSync(e2e)) {
  const resultFile = join(out, 'e2e.json');
  run(process.execPath, [e2e, `--results=${resultFile}`]);
  if (existsSync(resultFile)) {
    const j = JSON.parse(readFileSync(resultFile, 'utf8'));
    passed += j.passed;
    failed += j.failed;
    for (const f of j.failures ?? []) failures.push(`browser: ${f}`);
  } else {
    console.log('the browser suite wrote no results');
    failures.push('browser: the suite wrote no results');
    failed++;
  }
}

// 4. lint and format check: one check, its violations one a line
const biome = join(root, 'node_modules/@biomejs/biome/bin/biome');
const lintArgs = ['ci', '--colors=off', '--error-on-warnings', '--reporter=concise', '--max-diagnostics=none'];
if (!existsSync(biome)) {
  console.log('\nlint: @biomejs/biome is not installed (npm install)');
  failures.push('lint: @biomejs/biome is not installed');
  failed++;
} else if (run(process.execPath, [biome, ...lintArgs]) === 0) {
  passed++;
} else {
  console.log('lint failed: the violations are above (npm run lint:fix applies the formatter and safe fixes)');
  failures.push('lint (biome ci)');
  failed++;
}

// 5. a short fuzzing run (scripts/fuzz.mjs, fixed seed): one check
if (run(process.execPath, [join(root, 'scripts/fuzz.mjs'), '--inputs', '24', '--seed', '1', '--quiet']) === 0) passed++;
else {
  console.log('fuzz failed: the failing inputs are in .fuzz-failures/ (docs/scheduler.md, "Fuzzing")');
  failures.push('fuzz (scripts/fuzz.mjs --inputs 24 --seed 1)');
  failed++;
}

if (failures.length) console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

/**
 * The failed tests of a vitest JSON report, one line each: file, test name,
 * the first three lines of its first failure message (the file's own message when
 * it failed to load or run).
 */
function vitestFailures(j, base) {
  const out = [];
  // three lines: a property test's failure gives its seed and path on the second
  const first = (m) =>
    String(m ?? '')
      .split('\n')
      .filter((l) => l.trim())
      .slice(0, 3)
      .join(' | ');
  for (const f of j.testResults ?? []) {
    const file = String(f.name).replace(base, '');
    const bad = (f.assertionResults ?? []).filter((a) => a.status === 'failed');
    for (const a of bad) out.push(`${file} > ${a.fullName}: ${first(a.failureMessages?.[0]).slice(0, 600)}`);
    if (!bad.length && f.status === 'failed') out.push(`${file}: ${first(f.message).slice(0, 600)}`);
  }
  return out;
}

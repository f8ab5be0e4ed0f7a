#!/usr/bin/env node
/**
 * The workbook's end-to-end suite: build the site, serve the build
 * (astro preview), and drive Debian's chromium with playwright-core through
 * the exercise page (node:test runs the tests in exercise.e2e.mjs) and the
 * class report of `teardown report` (class-report.e2e.mjs, from the file system).
 *
 *   node test/e2e/run.mjs [--results=FILE] [--no-build] [--no-subpath] [--screenshots]
 *
 * The static checks of the build (test/site-check.mjs) and the type check of
 * the client code count as one test each. Then the browser suite runs once
 * more against a build for the sub-path /teardown/ (dist-subpath/, its site
 * check one test more), unless --no-subpath.
 * --results writes {passed, failed, metrics} for scripts/test-all.mjs.
 * --screenshots saves the README's screenshots to docs/screenshots/.
 * Without chromium every test fails (never skips): CI must not pass
 * without having run the browser.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { writeStamp } from '../../../../scripts/build-stamp.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '../..');
const root = join(app, '../..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? true];
  }),
);
const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
const metricsFile = join(root, '.test-results', 'e2e-metrics.json');

/** What failed, one line each (test name and the first line of its error), for the summary at the end. */
const failures = [];

function finish(passed, failed, note) {
  if (note) {
    console.log(note);
    failures.push(note);
  }
  const metrics = existsSync(metricsFile) ? JSON.parse(readFileSync(metricsFile, 'utf8')) : {};
  if (typeof args.get('results') === 'string')
    writeFileSync(args.get('results'), JSON.stringify({ passed, failed, failures, metrics }, null, 2) + '\n');
  console.log(`\nbrowser suite: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

mkdirSync(dirname(metricsFile), { recursive: true });
writeFileSync(metricsFile, '{}\n');

if (!args.has('no-build')) {
  console.log('$ astro build');
  const b = spawnSync(process.execPath, [join(root, 'node_modules/astro/astro.js'), 'build'], {
    cwd: app,
    stdio: 'inherit',
    env,
  });
  if (b.status !== 0) finish(0, 1, 'the workbook did not build');
  // `npm start` serves this build without rebuilding it
  writeStamp(root, join(app, 'dist'));
}

// the static checks of the built site (links, offline, chapters' sources, search index) count as one test
console.log('$ node test/site-check.mjs');
const siteCheck = spawnSync(process.execPath, [join(app, 'test/site-check.mjs')], { cwd: app, stdio: 'inherit', env });
// and the client code type-checks (Vite strips types without checking them)
console.log('$ tsc -p apps/workbook --noEmit');
const typecheck = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app, '--noEmit'], {
  cwd: root,
  stdio: 'inherit',
  env,
});
const siteCheckPassed = siteCheck.status === 0;
const typecheckPassed = typecheck.status === 0;

/** Serve `env`'s build (astro preview) and run the test `files` against it; returns [passed, failed]. */
async function suite(files, suiteEnv, path) {
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [join(root, 'node_modules/astro/astro.js'), 'preview', '--host', '127.0.0.1', '--port', String(port)],
    { cwd: app, env: suiteEnv, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const base = `http://127.0.0.1:${port}${path}`;
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    try {
      up = (await fetch(`${base}/`)).ok;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (!up) {
    server.kill();
    console.log(`astro preview did not answer on ${base}`);
    failures.push(`astro preview did not answer on ${base}`);
    return [0, 1];
  }
  let p = 0;
  let f = 0;
  // the test files run in child processes, which inherit these
  Object.assign(process.env, { TEARDOWN_BASE_URL: base });
  const stream = run({ files, concurrency: false, timeout: 15 * 60_000 });
  stream.on('test:pass', (e) => {
    if (e.details?.type !== 'suite') p++;
  });
  stream.on('test:fail', (e) => {
    if (e.details?.type === 'suite') return;
    f++;
    const why = String(e.details?.error?.cause?.message ?? e.details?.error?.message ?? '').split('\n')[0];
    failures.push(`${path || '/'} ${e.name}: ${why.slice(0, 300)}`);
  });
  stream.compose(spec).pipe(process.stdout);
  await new Promise((resolve) => stream.on('end', resolve));
  server.kill();
  if (p + f === 0) {
    f++; // the browser tests did not run at all
    failures.push(`${path || '/'}: the browser tests did not run`);
  }
  return [p, f];
}

let passed = Number(siteCheckPassed) + Number(typecheckPassed);
let failed = 2 - passed;
if (!siteCheckPassed) failures.push('site check (test/site-check.mjs)');
if (!typecheckPassed) failures.push('tsc -p apps/workbook --noEmit');
Object.assign(process.env, {
  TEARDOWN_SCREENSHOTS: args.has('screenshots') ? join(root, 'docs/screenshots') : '',
  TEARDOWN_METRICS: metricsFile,
});
{
  const [p, f] = await suite(
    [
      join(here, 'exercise.e2e.mjs'),
      join(here, 'start.e2e.mjs'),
      join(here, 'upstream.e2e.mjs'),
      join(here, 'lifecycle.e2e.mjs'),
      join(here, 'domain.e2e.mjs'),
      join(here, 'play.e2e.mjs'),
      join(here, 'close-order.e2e.mjs'),
      join(here, 'parallel.e2e.mjs'),
      join(here, 'class-report.e2e.mjs'),
    ],
    env,
    '',
  );
  passed += p;
  failed += f;
}

// once more against a build for a sub-path (a GitHub project page): links, the service worker's scope, the worker
// and wasm URLs, search and share links under /teardown/
if (!args.has('no-subpath')) {
  const sub = { ...env, TEARDOWN_BASE: '/teardown/', TEARDOWN_OUT: './dist-subpath', TEARDOWN_SCREENSHOTS: '' };
  console.log('\n$ TEARDOWN_BASE=/teardown/ TEARDOWN_OUT=./dist-subpath astro build');
  const b = spawnSync(process.execPath, [join(root, 'node_modules/astro/astro.js'), 'build', '--silent'], {
    cwd: app,
    stdio: 'inherit',
    env: sub,
  });
  const check =
    b.status === 0 &&
    spawnSync(process.execPath, [join(app, 'test/site-check.mjs')], { cwd: app, stdio: 'inherit', env: sub }).status ===
      0;
  if (check) passed++;
  else {
    failed++;
    failures.push('the sub-path build (/teardown/) or its site check');
  }
  if (b.status === 0) {
    process.env.TEARDOWN_SCREENSHOTS = '';
    const [p, f] = await suite([join(here, 'exercise.e2e.mjs')], sub, '/teardown');
    passed += p;
    failed += f;
  }
}
finish(passed, failed);

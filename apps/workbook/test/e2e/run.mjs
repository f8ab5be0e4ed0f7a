#!/usr/bin/env node
/**
 * The workbook's end-to-end suite: build the site, serve the build
 * (astro preview), and drive Debian's chromium with playwright-core through
 * the exercise page (node:test runs the tests in exercise.e2e.mjs).
 *
 *   node test/e2e/run.mjs [--results=FILE] [--no-build] [--screenshots]
 *
 * The static checks of the build (test/site-check.mjs) and the type check of
 * the client code count as one test each.
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

function finish(passed, failed, note) {
  if (note) console.log(note);
  const metrics = existsSync(metricsFile) ? JSON.parse(readFileSync(metricsFile, 'utf8')) : {};
  if (typeof args.get('results') === 'string')
    writeFileSync(args.get('results'), JSON.stringify({ passed, failed, metrics }, null, 2) + '\n');
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

const port = await freePort();
const server = spawn(
  process.execPath,
  [join(root, 'node_modules/astro/astro.js'), 'preview', '--host', '127.0.0.1', '--port', String(port)],
  { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] },
);
const base = `http://127.0.0.1:${port}`;
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
  finish(0, 1, `astro preview did not answer on ${base}`);
}

let passed = Number(siteCheckPassed) + Number(typecheckPassed);
let failed = 2 - passed;
// the test file runs in a child process, which inherits these
Object.assign(process.env, {
  TEARDOWN_BASE_URL: base,
  TEARDOWN_SCREENSHOTS: args.has('screenshots') ? join(root, 'docs/screenshots') : '',
  TEARDOWN_METRICS: metricsFile,
});
const stream = run({
  files: [join(here, 'exercise.e2e.mjs'), join(here, 'start.e2e.mjs')],
  concurrency: false,
  timeout: 15 * 60_000,
});
stream.on('test:pass', (e) => {
  if (e.details?.type !== 'suite') passed++;
});
stream.on('test:fail', (e) => {
  if (e.details?.type !== 'suite') failed++;
});
stream.compose(spec).pipe(process.stdout);
await new Promise((resolve) => stream.on('end', resolve));
server.kill();
if (passed + failed <= 2) failed++; // the browser tests did not run at all
finish(passed, failed);

/**
 * `npm start` (scripts/start.mjs), as a learner runs it: on a build that is
 * up to date it does not rebuild, it serves the workbook, and stopping npm
 * stops the server. Run by run.mjs after its build (which records the
 * build's inputs, scripts/build-stamp.mjs).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const METRICS = process.env.TEARDOWN_METRICS || '';

function metric(name, value) {
  if (!METRICS) return;
  const m = existsSync(METRICS) ? JSON.parse(readFileSync(METRICS, 'utf8')) : {};
  m[name] = value;
  writeFileSync(METRICS, `${JSON.stringify(m, null, 2)}\n`);
}

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Poll `f` every 200 ms until it returns true, at most `tries` times. */
async function until(f, tries) {
  for (let i = 0; i < tries; i++) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

const answers = async (url) => {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  let npm;
  // whatever happens, nothing this test started outlives it (npm runs in a process group of its own)
  after(() => {
    try {
      process.kill(-npm.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });

  it('serves an up-to-date build without rebuilding, and stops when npm is stopped', async () => {
    const port = await freePort();
    const t0 = Date.now();
    npm = spawn('npm', ['start'], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    npm.stdout.on('data', (d) => {
      out += d;
    });
    npm.stderr.on('data', (d) => {
      out += d;
    });
    const url = `http://127.0.0.1:${port}/exercises/vdev-lifetime/`;
    assert.ok(await until(() => answers(url), 300), `npm start serves the exercise page\n${out}`);
    metric('npmStartUpToDateMs', Date.now() - t0);
    assert.match(out, /The workbook is up to date/);
    assert.doesNotMatch(out, /Building the workbook|was not found/);
    // the page says the editor is loading until it is there, and what it needs without JavaScript
    const html = await (await fetch(url)).text();
    assert.match(html, /Loading the editor and the checker/);
    assert.match(html, /<noscript>.*need JavaScript/s);
    // stopping npm (not its whole process group, as a process manager may) stops the server too
    npm.kill('SIGTERM');
    assert.ok(await until(async () => !(await answers(url)), 75), `the server stopped with npm\n${out}`);
  });
});

#!/usr/bin/env node
/**
 * The main job (`npm start`): build the workbook when its sources changed
 * since the last build (scripts/build-stamp.mjs), then serve it at
 * http://127.0.0.1:4321 (PORT overrides) until stopped. Everything is
 * static and works offline; grading runs in the browser.
 *
 * The server runs in this process (Astro's preview API), so stopping
 * `npm start` stops it: Ctrl+C, a SIGTERM to this process, or the death of
 * the process that started it (npm, or the shell it ran) all end it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { upToDate, writeStamp } from './build-stamp.mjs';

const root = new URL('..', import.meta.url).pathname;
const app = join(root, 'apps/workbook');
const dist = join(app, 'dist');
const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
process.env.ASTRO_TELEMETRY_DISABLED = '1';
const port = Number(process.env.PORT ?? '4321');
const base = process.env.TEARDOWN_BASE || '/';

const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/core', 'packages/grader'],
  { cwd: root, stdio: 'inherit', env },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// the one-module CLI the teardown bin loads when it is up to date (a faster start; packages/grader/scripts/bundle-cli.mjs)
spawnSync(process.execPath, [join(root, 'packages/grader/scripts/bundle-cli.mjs')], {
  cwd: root,
  stdio: 'inherit',
  env,
});
if (upToDate(root, dist)) console.log('The workbook is up to date (no source changed since the last build).');
else {
  console.log('Building the workbook…');
  const astro = join(root, 'node_modules/astro/astro.js');
  const build = spawnSync(process.execPath, [astro, 'build', '--silent'], { cwd: app, stdio: 'inherit', env });
  if (build.status !== 0) process.exit(build.status ?? 1);
  writeStamp(root, dist);
}

const { preview } = await import('astro');
const server = await preview({ root: app, logLevel: 'warn', server: { host: '127.0.0.1', port } });
const url = `http://127.0.0.1:${port}${base}`;
console.log(`\nTeardown workbook: ${url}  (the exercise: ${url}exercises/vdev-lifetime/)\nCtrl+C stops the server.\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void stop());
// npm runs this through a shell (npm -> sh -> node): a SIGTERM to npm ends npm and may leave the shell and this process
// running, with the port taken. So watch the parent and the grandparent, and stop when either is gone.
/** The parent pid and state of `pid` (Linux /proc), or null where there is no /proc. */
function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return null;
  }
}
function alive(pid) {
  const st = procStat(pid);
  if (st) return st.state !== 'Z';
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}
const parent = process.ppid;
const watched = [parent, procStat(parent)?.ppid].filter((p) => p !== undefined && p > 1);
setInterval(() => {
  if (process.ppid !== parent || watched.some((p) => !alive(p))) void stop();
}, 500).unref();

#!/usr/bin/env node
/**
 * The main job (`npm start`): build the workbook and serve it locally at
 * http://127.0.0.1:4321 (PORT overrides), until interrupted. Everything is
 * static and works offline; grading runs in the browser.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const app = join(root, 'apps/workbook');
const astro = join(root, 'node_modules/astro/astro.js');
const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' };
const port = process.env.PORT ?? '4321';

const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/core', 'packages/grader'],
  { cwd: root, stdio: 'inherit', env },
);
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
console.log('Building the workbook…');
const build = spawnSync(process.execPath, [astro, 'build', '--silent'], { cwd: app, stdio: 'inherit', env });
if (build.status !== 0) process.exit(build.status ?? 1);
console.log(
  `\nTeardown workbook: http://127.0.0.1:${port}/  (the exercise: http://127.0.0.1:${port}/exercises/vdev-lifetime/)\nCtrl+C stops the server.\n`,
);
const server = spawn(process.execPath, [astro, 'preview', '--host', '127.0.0.1', '--port', port], {
  cwd: app,
  stdio: 'inherit',
  env,
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
server.on('exit', (code) => process.exit(code ?? 0));

#!/usr/bin/env node
/**
 * Make the one-module CLI's code cache (`cli.bundle.cache` beside the bundle;
 * bin/cli-module.js): load the bundle as the bin does, run commands that
 * compile most of what the CLI runs (a passing grading, a failing one with
 * its minimisation, traces and text report, and a check), then write V8's
 * cache of the functions compiled. scripts/bundle-cli.mjs runs it in a fresh
 * process after each bundle, so that the flags V8 checks the cache against
 * are the ones a start of the bin has. Their output is not wanted: the
 * caller discards standard output.
 *
 * Usage: node packages/grader/scripts/code-cache.mjs [<dist dir>] (default: the grader's dist/).
 * Exit status: 0 written, 1 not (the bundle is not up to date, or the file cannot be written).
 */
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCli } from '../bin/cli-module.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dist = process.argv[2] ? pathToFileURL(`${resolve(process.argv[2])}/`) : new URL('../dist/', import.meta.url);
const cli = await loadCli(dist);
if (!cli.saveCodeCache) {
  process.stderr.write(`teardown: no up-to-date bundle in ${fileURLToPath(dist)}: no code cache written\n`);
  process.exit(1);
}
const at = (p) => resolve(root, p);
for (const args of [
  ['grade', 'vdev-lifetime', at('exercises/vdev-lifetime/solution.c')],
  ['grade', 'vdev-lifetime', at('exercises/vdev-lifetime/known-bad/v2.c'), '--only', 'destroy-races-unbind'],
  ['check', at('examples/data-race.c')],
])
  await cli.main(['node', 'teardown', ...args]);
process.exitCode = cli.saveCodeCache() ? 0 : 1;

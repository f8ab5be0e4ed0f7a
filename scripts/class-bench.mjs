#!/usr/bin/env node
/**
 * `teardown batch` at class size: generate N submissions for an exercise (a
 * mix of the solution, the learner-style known-bad versions, mutants of the
 * solution and files that do not compile: packages/grader/src/batch/generate.ts),
 * grade them with `teardown batch` in a fresh process, and print the
 * throughput (submissions per minute), the wall-clock time, the peak memory
 * and the outcome counts. Not a test: the figures go into the README.
 *
 *   node scripts/class-bench.mjs [--n 300] [--jobs N] [--seed 1] [--exercise vdev-lifetime] [--keep DIR]
 *
 * Build first (npm run build, or tsc -b packages/core packages/grader).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { generateClass, loadExercise, findExerciseDir } = await import(join(root, 'packages/grader/dist/node.js'));
const args = new Map();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const n = Number(args.get('n') ?? 300);
const seed = Number(args.get('seed') ?? 1);
const exercise = args.get('exercise') ?? 'vdev-lifetime';
const jobs = args.get('jobs') ?? String(availableParallelism());

const ex = loadExercise(findExerciseDir(exercise, root));
const dir = args.get('keep') ?? mkdtempSync(join(tmpdir(), 'teardown-class-bench-'));
const subs = join(dir, 'subs');
rmSync(subs, { recursive: true, force: true });
mkdirSync(subs, { recursive: true });
const cls = generateClass(ex, n, seed);
for (const c of cls) writeFileSync(join(subs, c.name), c.text);
const kinds = {};
for (const c of cls) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
console.log(`${n} submissions for ${exercise} in ${subs}: ${JSON.stringify(kinds)}`);
console.log(`${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, --jobs ${jobs}`);

const out = join(dir, 'class.json');
const t0 = Date.now();
const r = spawnSync(
  process.execPath,
  [join(root, 'packages/grader/bin/teardown.js'), 'batch', exercise, subs, '--out', out, '--jobs', jobs, '--fresh'],
  { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
const wall = Date.now() - t0;
if (r.status !== 0 && r.status !== 1) {
  console.error(r.stderr);
  process.exit(1);
}
const res = JSON.parse(readFileSync(out, 'utf8'));
const ms = res.results.map((x) => x.ms ?? 0).sort((a, b) => a - b);
const pct = (p) => ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))];
const summary = {
  submissions: n,
  jobs: Number(jobs),
  wallSeconds: Math.round(wall / 100) / 10,
  perMinute: res.stats.perMinute,
  peakRssMiB: res.stats.peakRssMiB,
  gradingMs: { median: pct(50), p90: pct(90), max: ms[ms.length - 1] },
  outcome: res.summary,
};
console.log(r.stderr.split('\n').slice(-3).join('\n'));
console.log(JSON.stringify(summary, null, 2));
writeFileSync(join(dir, 'bench.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(`results in ${out}; class report: teardown report ${out} --out ${join(dir, 'class.html')}`);

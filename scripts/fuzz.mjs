#!/usr/bin/env node
/**
 * Fuzzing harness for the `teardown` CLI (`npm run fuzz -- --minutes N`).
 *
 * Inputs: mutations of the examples, the exercises' starters, solutions and
 * known-bad versions (token deletion, duplication and swaps, line deletions,
 * random bytes), and generated hostile inputs (deep nesting, a file near the
 * size limit, many threads, many globals, empty, binary, CR-only line ends,
 * NUL bytes). Each input runs through `check --json --reproducible` (and,
 * for exercise-derived inputs, `grade ... --json --reproducible` on two
 * scenarios) in a child process with a time and memory cap.
 *
 * Checks, per run: exit code in {0,1,2}; no stack trace on stderr; time
 * within the budget plus the margin (docs/scheduler.md, "Budgets"); peak RSS
 * under 2 GB; and for a sample, a rerun gives byte-identical output.
 *
 * Options: --minutes N (default 1), --inputs N (stop after N inputs),
 * --seed S (default: the time), --budget MS (per-run time budget, default
 * 1000), --out DIR (failing inputs, default .fuzz-failures), --quiet.
 * Prints the figures and exits 1 when any check failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'packages/grader/bin/teardown.js');

function parseArgs(argv) {
  const o = {
    minutes: 1,
    inputs: Infinity,
    seed: Date.now() % 2 ** 31,
    budget: 1000,
    out: '.fuzz-failures',
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = () => argv[++i];
    if (a === '--minutes') o.minutes = Number(v());
    else if (a === '--inputs') o.inputs = Number(v());
    else if (a === '--seed') o.seed = Number(v());
    else if (a === '--budget') o.budget = Number(v());
    else if (a === '--out') o.out = v();
    else if (a === '--quiet') o.quiet = true;
    else {
      console.error(`fuzz: unknown option ${a}`);
      process.exit(2);
    }
  }
  return o;
}

const opts = parseArgs(process.argv.slice(2));
/** Allowed wall-clock time beyond the budget (docs/scheduler.md, "Budgets"): start-up, compile, rendering. */
const MARGIN_MS = 2000;
const MARGIN_FACTOR = 1.1;
const RSS_CAP_KB = 2 * 1024 * 1024;
/** A size near the input limit (1 MiB). */
const HUGE = 1024 * 1024 - 4096;
const GRADE_SCENARIOS = ['selftest-vdevice-alloc', 'destroy-races-unbind'];

// --- random numbers (mulberry32: reproducible from --seed)
let rs = opts.seed >>> 0;
function rnd() {
  rs = (rs + 0x6d2b79f5) >>> 0;
  let t = rs;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rnd() * n);
const pick = (a) => a[int(a.length)];

// --- corpus
function corpus() {
  const out = [];
  for (const f of readdirSync(join(root, 'examples')).filter((x) => x.endsWith('.c')))
    out.push({ name: `examples/${f}`, text: readFileSync(join(root, 'examples', f), 'utf8'), exercise: null });
  const exDir = join(root, 'exercises');
  for (const ex of readdirSync(exDir)) {
    if (!existsSync(join(exDir, ex, 'exercise.json'))) continue;
    const add = (rel) =>
      out.push({ name: `exercises/${ex}/${rel}`, text: readFileSync(join(exDir, ex, rel), 'utf8'), exercise: ex });
    for (const f of ['starter.c', 'solution.c']) if (existsSync(join(exDir, ex, f))) add(f);
    const kb = join(exDir, ex, 'known-bad');
    if (existsSync(kb)) for (const f of readdirSync(kb).filter((x) => x.endsWith('.c'))) add(`known-bad/${f}`);
  }
  return out;
}

// --- mutations
const tokenize = (s) => s.match(/[A-Za-z_]\w*|\d+|\s+|./gs) ?? [];
const MUTATIONS = {
  'token-delete': (s) => {
    const t = tokenize(s);
    for (let k = 1 + int(3); k > 0 && t.length; k--) t.splice(int(t.length), 1);
    return t.join('');
  },
  'token-duplicate': (s) => {
    const t = tokenize(s);
    const i = int(t.length);
    t.splice(i, 0, t[i] ?? '');
    return t.join('');
  },
  'token-swap': (s) => {
    const t = tokenize(s);
    const i = int(t.length);
    const j = int(t.length);
    [t[i], t[j]] = [t[j], t[i]];
    return t.join('');
  },
  'line-delete': (s) => {
    const l = s.split('\n');
    for (let k = 1 + int(3); k > 0 && l.length; k--) l.splice(int(l.length), 1);
    return l.join('\n');
  },
  'random-bytes': (s) => {
    const b = Buffer.from(s, 'utf8');
    for (let k = 1 + int(4); k > 0 && b.length; k--) b[int(b.length)] = int(256);
    return b;
  },
};

// --- hostile inputs
const globalsProgram = (n) =>
  `${Array.from({ length: n }, (_, i) => `int g${i};`).join('\n')}\nvoid thread_a(void)\n{\n${Array.from({ length: n }, (_, i) => `\tg${i} = 1;`).join('\n')}\n}\nvoid thread_b(void)\n{\n${Array.from({ length: n }, (_, i) => `\tg${i} = 2;`).join('\n')}\n}\n`;
const GENERATORS = {
  'deep-nesting': () => {
    const d = 100 + int(5000);
    return `int x;\nvoid thread_a(void)\n{\n${'{ if (x) '.repeat(d)}x = 1;${' }'.repeat(d)}\n}\nvoid thread_b(void) { x = (${'('.repeat(d)}1${')'.repeat(d)}); }\n`;
  },
  'huge-file': () => {
    const line = '/* padding padding padding padding padding padding padding padding */\n';
    return `int x;\n${line.repeat(Math.floor(HUGE / line.length))}void thread_a(void) { x = 1; }\nvoid thread_b(void) { x = 2; }\n`;
  },
  'many-threads': () => {
    const n = 8 + int(120);
    return `int x;\n${Array.from({ length: n }, (_, i) => `void thread_t${i}(void) { x = x + ${i}; }`).join('\n')}\n`;
  },
  'many-globals': () => globalsProgram(200 + int(2000)),
  empty: () => '',
  binary: () => Buffer.from(Array.from({ length: 64 + int(4096) }, () => int(256))),
  'cr-only': () => readFileSync(join(root, 'examples/data-race.c'), 'utf8').replace(/\n/g, '\r'),
  'nul-bytes': () => {
    const s = readFileSync(join(root, 'examples/abba-deadlock.c'), 'utf8');
    const i = int(s.length);
    return `${s.slice(0, i)}\0\0${s.slice(i)}`;
  },
};

// --- running one command
const hasTime = existsSync('/usr/bin/time');
function runCli(args, capMs) {
  const rssFile = join(work, `rss-${process.pid}`);
  const cmd = hasTime ? '/usr/bin/time' : process.execPath;
  const full = hasTime
    ? ['-f', '%M', '-o', rssFile, process.execPath, '--max-old-space-size=2048', bin, ...args]
    : ['--max-old-space-size=2048', bin, ...args];
  const t0 = performance.now();
  const r = spawnSync(cmd, full, {
    cwd: root,
    encoding: 'utf8',
    timeout: capMs,
    maxBuffer: 1 << 30,
    killSignal: 'SIGKILL',
  });
  const ms = performance.now() - t0;
  let rssKb = 0;
  if (hasTime && existsSync(rssFile)) {
    rssKb = Number(/(\d+)\s*$/.exec(readFileSync(rssFile, 'utf8'))?.[1] ?? 0);
    rmSync(rssFile, { force: true });
  }
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    ms,
    rssKb,
    timedOut: r.error?.code === 'ETIMEDOUT',
  };
}

const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\))$|^\w*Error(: |$)|node:internal/m;

// --- main loop
const work = mkdtempSync(join(tmpdir(), 'teardown-fuzz-'));
const seeds = corpus();
const failures = {};
const figures = { inputs: 0, runs: 0, reruns: 0, slowest: { ms: 0, name: '' }, peakRssKb: 0, byExit: {} };
const deadline = performance.now() + opts.minutes * 60_000;
/** Where failing inputs go: --out as given (relative to the repository root when relative). */
const outDir = resolve(root, opts.out);
mkdirSync(outDir, { recursive: true });

function fail(check, input, cmd, r, detail) {
  failures[check] = (failures[check] ?? 0) + 1;
  const base = join(outDir, `${opts.seed}-${figures.inputs}-${check}`);
  writeFileSync(`${base}.c`, input.text);
  writeFileSync(
    `${base}.txt`,
    `input: ${input.name}\ncheck: ${check}: ${detail}\nrun: node packages/grader/bin/teardown.js ${cmd.join(' ').replace(input.file, `${base}.c`)}\nexit: ${r.status} signal: ${r.signal} ms: ${Math.round(r.ms)} rss: ${r.rssKb} KB\n--- stderr\n${r.stderr.slice(0, 4000)}\n`,
  );
  if (!opts.quiet) console.log(`FAIL ${check}: ${input.name} (${detail}) -> ${base}.txt`);
}

function checkRun(input, args, budgetMs, rerun) {
  const limit = budgetMs * MARGIN_FACTOR + MARGIN_MS;
  const r = runCli(args, Math.max(limit * 3, 10_000));
  figures.runs++;
  figures.byExit[r.status ?? r.signal] = (figures.byExit[r.status ?? r.signal] ?? 0) + 1;
  if (r.ms > figures.slowest.ms) figures.slowest = { ms: Math.round(r.ms), name: `${input.name} (${args[0]})` };
  figures.peakRssKb = Math.max(figures.peakRssKb, r.rssKb);
  if (![0, 1, 2].includes(r.status)) fail('exit-code', input, args, r, `exit ${r.status} signal ${r.signal}`);
  if (STACK.test(r.stderr))
    fail(
      'stack-trace',
      input,
      args,
      r,
      r.stderr.split('\n').find((l) => STACK.test(l)),
    );
  if (r.ms > limit) fail('time', input, args, r, `${Math.round(r.ms)} ms > ${Math.round(limit)} ms`);
  if (r.rssKb > RSS_CAP_KB) fail('memory', input, args, r, `${r.rssKb} KB`);
  if (rerun && [0, 1, 2].includes(r.status)) {
    figures.reruns++;
    const again = runCli(args, Math.max(limit * 3, 10_000));
    if (again.stdout !== r.stdout || again.status !== r.status)
      fail('determinism', input, args, r, `rerun differs (exit ${r.status} vs ${again.status})`);
  }
}

const mutations = Object.keys(MUTATIONS);
const generators = Object.keys(GENERATORS);
while (figures.inputs < opts.inputs && performance.now() < deadline) {
  const i = figures.inputs++;
  let input;
  if (i % 4 === 3) {
    const g = generators[(i >> 2) % generators.length];
    input = { name: `generated:${g}`, text: GENERATORS[g](), exercise: null };
  } else {
    const s = pick(seeds);
    const m = pick(mutations);
    input = { name: `${s.name}:${m}`, text: MUTATIONS[m](s.text), exercise: s.exercise };
  }
  input.file = join(work, `input-${i}.c`);
  writeFileSync(input.file, input.text);
  const rerun = i % 5 === 0;
  const budget = `${opts.budget}ms`;
  checkRun(input, ['check', input.file, '--json', '--reproducible', '--budget', budget], opts.budget, rerun);
  if (input.exercise) {
    const args = ['grade', input.exercise, input.file, '--json', '--reproducible', '--no-progress'];
    args.push('--only', GRADE_SCENARIOS.join(','), '--budget', budget);
    checkRun(input, args, opts.budget * GRADE_SCENARIOS.length, rerun);
  }
  rmSync(input.file, { force: true });
}
rmSync(work, { recursive: true, force: true });

const failed = Object.values(failures).reduce((a, b) => a + b, 0);
console.log(
  [
    `fuzz: seed ${opts.seed}, ${figures.inputs} inputs, ${figures.runs} runs, ${figures.reruns} determinism reruns`,
    `  exit codes: ${Object.entries(figures.byExit)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}`,
    `  failures: ${
      failed
        ? Object.entries(failures)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')
        : 'none'
    } (checks: exit-code, stack-trace, time, memory, determinism)`,
    `  slowest: ${figures.slowest.ms} ms, ${figures.slowest.name}`,
    `  peak RSS: ${Math.round(figures.peakRssKb / 1024)} MB${hasTime ? '' : ' (not measured: no /usr/bin/time)'}`,
    failed ? `  failing inputs in ${outDir}/` : '',
  ]
    .filter(Boolean)
    .join('\n'),
);
process.exit(failed ? 1 : 0);

/**
 * Exploration at scale: 3- and 4-thread scenarios of the iommufd model,
 * explored with optimal DPOR over the vdev-lifetime reference solution (the
 * upstream functions), each in a fresh Node process (with the bin's options,
 * ../node-options.ts) so that its peak memory
 * (getrusage's maxrss) is its own. Reported: Mazurkiewicz traces,
 * executions, distinct machine states (a digest after every new step, in a
 * second run of the same executions so the timing is the plain run's),
 * exploration-tree states, VM steps, steps per second, time (first in the
 * process, and again once the JIT is warm when the first is short), peak
 * memory and the coverage line; a scenario that does not finish within its budget says
 * so (`partial`), with the figures it reached. Where the scale issue's
 * target is an exhaustive run (ModelBenchmark.toTheEnd), it has no budget.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, type Limits, type Program, type ScenarioSpec, compile, exploreScenario } from '@teardown/core';
import { SplitThreads } from '@teardown/core/node';
import { findExerciseDir, loadExercise } from '../exercise/node.js';
import { CLI_NODE_OPTIONS } from '../node-options.js';
import { gradingFiles, scenarioSpec } from '../grade/grade.js';
import type { Scenario } from '../exercise/manifest.js';

/** The CLI the bench starts its fresh processes with. */
export const BENCH_BIN = fileURLToPath(new URL('../../bin/teardown.js', import.meta.url));

/** A model benchmark: a scenario over the vdev-lifetime harness, and the budget it gets. */
export interface ModelBenchmark {
  name: string;
  /** What the threads do. */
  title: string;
  /** The scenario, in kernel-C (the harness is `harness.h` of vdev-lifetime). */
  text: string;
  /** Executions and milliseconds before the run stops as partial. */
  budget: { executions: number; ms: number };
  /**
   * The modes in which `teardown bench` explores it to the end, without its
   * budget: where the scale issue's target is an exhaustive run (the 4-thread
   * scenario stateful: about 2 minutes and 350 MB on the 2-core machine).
   */
  toTheEnd?: readonly ModelBenchMode[];
}

const SETUP_WITH_VDEV = `#include "harness.h"

static u32 vdev_id, vdev2_id, viommu2_id;

void setup(void)
{
	setup_bound_device();
	EXPECT_RET("IOMMU_VDEVICE_ALLOC", ioctl_vdevice_alloc(ifd, viommu_id, dev_id, 0x99, &vdev_id), 0);
}
`;
const DESTROY = `
void thread_destroy(void)
{
	EXPECT_RET("IOMMU_DESTROY(vdev)", ioctl_destroy(ifd, vdev_id), 0, -ENOENT, -EBUSY);
}
`;
const USE = `
void thread_use(void)
{
	EXPECT_RET("an ioctl using the vdev", ioctl_vdevice_use(ifd, vdev_id), 0, -ENOENT);
}
`;
const UNBIND = `
void thread_unbind(void)
{
	close_fd(cdev0);
}
`;
const ALLOC2 = `
void thread_alloc(void)
{
	EXPECT_RET("IOMMU_VIOMMU_ALLOC", ioctl_viommu_alloc(ifd, dev_id, &viommu2_id), 0, -ENOENT);
}
`;
const CHECK_CLOSED = `
void check(void)
{
	teardown(true);
}
`;

/** Destroy + use + unbind, the same with a fourth thread, and a process exit racing a close and a destroy. */
export const MODEL_BENCHMARKS: ModelBenchmark[] = [
  {
    name: 'model: destroy + use + unbind',
    title: 'IOMMU_DESTROY(vdev), an ioctl using the vdev, and the unbind (3 threads)',
    text: SETUP_WITH_VDEV + DESTROY + USE + UNBIND + CHECK_CLOSED,
    budget: { executions: 200_000, ms: 120_000 },
  },
  {
    name: 'model: destroy + use + alloc + unbind',
    title: 'the same and an IOMMU_VIOMMU_ALLOC holding the idevice (4 threads)',
    text: SETUP_WITH_VDEV + DESTROY + USE + ALLOC2 + UNBIND + CHECK_CLOSED,
    budget: { executions: 200_000, ms: 60_000 },
    toTheEnd: ['dpor+cache'],
  },
  {
    name: 'model: exit + close + destroy',
    title:
      'the process exits (its files closed in fd order: the iommufd, then the cdev) while a thread closes the cdev and another destroys the vdev (3 threads)',
    text: `${SETUP_WITH_VDEV}
void thread_exit(void)
{
	close_fd(ifd);
	close_fd(cdev0);
}

void thread_close(void)
{
	close_fd(cdev0);
}
${DESTROY}
void check(void)
{
	vfio_pci_remove(vfio0);
}
`,
    budget: { executions: 200_000, ms: 60_000 },
  },
];

/**
 * How a model benchmark explores: stateless optimal DPOR, or stateful DPOR
 * (the state cache), or stateless at synchronisation points (`+sync`,
 * core's sched/sync-points.ts), or stateless with one worker thread
 * exploring subtrees ahead of the main one (`+split`, core's sched/split.ts:
 * the same exploration).
 */
export type ModelBenchMode = 'dpor' | 'dpor+cache' | 'dpor+sync' | 'dpor+split';

/** The modes every model benchmark runs in. */
export const MODEL_BENCH_MODES: ModelBenchMode[] = ['dpor', 'dpor+cache', 'dpor+sync', 'dpor+split'];

/** One model benchmark's figures. */
export interface ModelBenchRow {
  name: string;
  mode: ModelBenchMode;
  threads: number;
  traces: number;
  executions: number;
  /** Distinct machine states reached (stateless: counted in a second run of the same executions). */
  distinctStates: number;
  /** Executions stopped at a visited state (stateful). */
  pruned: number;
  /** Nodes of the exploration tree. */
  treeStates: number;
  steps: number;
  stepsPerSecond: number;
  /** The exploration's time, first in its fresh process (the JIT not warm yet). */
  ms: number;
  /**
   * The same exploration run again in that process, once the JIT has seen
   * the code (ms): the median of {@link warmRuns} runs, when the first took
   * under {@link WARM_RUN_MAX_MS}; else null.
   */
  warmMs: number | null;
  /** Peak resident memory of the process, MB. */
  peakMB: number;
  complete: boolean;
  coverage: string;
}

/** A model benchmark is timed again, warm, when its first run took less than this (ms). */
export const WARM_RUN_MAX_MS = 20_000;

/**
 * How many warm runs follow a first run of `firstMs` (their median is
 * `warmMs`): 5 after one under 2 s, where a single rerun is still partly in
 * code V8 has not optimised yet (the 3-thread benchmark's second run takes
 * about 1.5 times its fifth) and five cost little; else 1.
 */
export function warmRuns(firstMs: number): number {
  return firstMs < 2000 ? 5 : 1;
}

/**
 * Does `teardown bench` explore `b` in `mode` without its budget: asked to
 * (`unbounded`), or in one of its `toTheEnd` modes?
 */
function toTheEnd(b: ModelBenchmark, mode: ModelBenchMode, unbounded: boolean): boolean {
  return unbounded || b.toTheEnd?.includes(mode) === true;
}

/** A model benchmark's scenario compiled over the vdev-lifetime solution, with the exercise's VM limits. */
export async function compileModelBenchmark(
  b: ModelBenchmark,
): Promise<{ program: Program; spec: ScenarioSpec; limits: Limits }> {
  const ex = loadExercise(findExerciseDir('vdev-lifetime')!);
  const s: Scenario = { id: 'bench', file: 'bench.c', title: b.title, points: 1, visible: true, text: b.text };
  const solution = [{ name: ex.manifest.solution, text: ex.files.get(ex.manifest.solution)! }];
  const c = await compile(gradingFiles(ex, solution, [s]));
  if (!c.program) throw new Error(`model benchmark ${b.name} does not compile: ${c.diagnostics[0]?.message}`);
  return {
    program: c.program,
    spec: scenarioSpec(c.program, s)!,
    limits: { ...DEFAULT_LIMITS, ...ex.manifest.limits },
  };
}

/**
 * Run one model benchmark in this process (the child of runModelBenchmarks);
 * `unbounded`: without its budget (to the end of the exploration), as it
 * always runs in the modes it names in `toTheEnd`.
 */
export async function runModelBenchmark(
  name: string,
  mode: ModelBenchMode = 'dpor',
  unbounded = false,
): Promise<ModelBenchRow> {
  const b = MODEL_BENCHMARKS.find((x) => x.name === name);
  if (!b) throw new Error(`no model benchmark '${name}'`);
  const { program, spec, limits } = await compileModelBenchmark(b);
  const stateCache = mode.endsWith('+cache');
  const syncPoints = mode.includes('+sync');
  const pool = mode.endsWith('+split') ? new SplitThreads(1) : null;
  const run = () =>
    exploreScenario(program, spec, {
      strategy: 'dpor',
      limits,
      budget: toTheEnd(b, mode, unbounded) ? {} : b.budget,
      stateCache,
      syncPoints,
      countTraces: !stateCache,
      ...(pool ? { splitUnits: (p, sp, l) => pool.runner(p, sp, l) } : {}),
    });
  const t0 = performance.now();
  const r = run();
  const ms = performance.now() - t0;
  // the first run's peak: the second may keep some of the first's garbage
  const peakMB = Math.round(process.resourceUsage().maxRSS / 1024);
  // the same exploration again: what is left once V8 has optimised the code (a fresh process spends much of its
  // first second in unoptimised code); a run cut by its time budget would time the budget, so only short ones
  let warmMs: number | null = null;
  if (ms < WARM_RUN_MAX_MS) {
    const times: number[] = [];
    for (let i = warmRuns(ms); i > 0; i--) {
      const t1 = performance.now();
      const again = run();
      times.push(performance.now() - t1);
      if (again.stats.executions !== r.stats.executions || again.stats.steps !== r.stats.steps)
        throw new Error(`bench: ${name} (${mode}) explored differently the second time`);
    }
    times.sort((a, b) => a - b);
    warmMs = times[times.length >> 1]!;
  }
  await pool?.close();
  // stateless: distinct states in a second run of the same executions (a digest per step would distort the
  // timing above); stateful: the states it visited
  const distinctStates = stateCache
    ? (r.stats.distinctStates ?? 0)
    : (exploreScenario(program, spec, {
        strategy: 'dpor',
        limits,
        budget: { executions: r.stats.executions },
        countStates: true,
        countTraces: false,
        syncPoints,
      }).stats.distinctStates ?? 0);
  const pruned = typeof r.coverage.pruned === 'number' ? r.coverage.pruned : 0;
  return {
    name,
    mode,
    threads: spec.threads.length,
    traces: r.stats.traces,
    executions: r.stats.executions,
    distinctStates,
    pruned,
    treeStates: r.stats.states,
    steps: r.stats.steps,
    stepsPerSecond: Math.round(r.stats.steps / (ms / 1000)),
    ms: Math.round(ms),
    warmMs: warmMs === null ? null : Math.round(warmMs),
    peakMB,
    complete: r.stats.complete,
    coverage: r.coverage.text,
  };
}

/**
 * Run the model benchmarks whose name, or name and mode (`name (mode)`),
 * matches `filter`, each in a fresh process (`teardown bench --model-child
 * <name>`); `unbounded`: without their budgets. `progress`, if given,
 * hears a line as each starts and one as it ends (the 4-thread scenario
 * explored to the end runs for minutes).
 */
export function runModelBenchmarks(
  filter?: RegExp,
  unbounded = false,
  progress?: (line: string) => void,
): ModelBenchRow[] {
  const out: ModelBenchRow[] = [];
  for (const b of MODEL_BENCHMARKS) {
    for (const mode of MODEL_BENCH_MODES) {
      if (filter && !filter.test(b.name) && !filter.test(`${b.name} (${mode})`)) continue;
      progress?.(`${b.name} (${mode})${toTheEnd(b, mode, unbounded) ? ', explored to the end' : ''}`);
      const args = [BENCH_BIN, 'bench', '--model-child', `${b.name}@${mode}`, ...(unbounded ? ['--unbounded'] : [])];
      const p = spawnSync(process.execPath, [...CLI_NODE_OPTIONS.split(' '), ...args], {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      if (p.status !== 0) throw new Error(`bench: ${b.name} (${mode}) failed (exit ${p.status}): ${p.stderr}`);
      const row = JSON.parse(p.stdout) as ModelBenchRow;
      progress?.(
        `  ${row.complete ? 'exhaustive' : 'partial'}: ${row.executions} executions, ${(row.ms / 1000).toFixed(1)} s${row.warmMs === null ? '' : ` (${(row.warmMs / 1000).toFixed(1)} s warm)`}`,
      );
      out.push(row);
    }
  }
  return out;
}

/** The rows as a Markdown table. */
export function modelBenchTable(rows: ModelBenchRow[]): string {
  const head = [
    'scenario',
    'mode',
    'threads',
    'traces',
    'executions',
    'distinct states',
    'steps',
    'steps/s',
    'ms',
    'ms warm',
    'peak MB',
    'done',
  ];
  const body = rows.map((r) => [
    r.name.replace(/^model: /, ''),
    r.mode,
    String(r.threads),
    r.traces < 0 ? '-' : String(r.traces),
    String(r.executions),
    String(r.distinctStates),
    String(r.steps),
    String(r.stepsPerSecond),
    String(r.ms),
    r.warmMs === null ? '-' : String(r.warmMs),
    String(r.peakMB),
    r.complete ? 'exhaustive' : 'partial',
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => (i === 0 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join(' | ')} |`;
  return [
    line(head),
    `|${w.map((x, i) => (i === 0 ? '-'.repeat(x + 2) : `${'-'.repeat(x + 1)}:`)).join('|')}|`,
    ...body.map(line),
  ].join('\n');
}

/**
 * Grading benchmarks: how long `teardown grade <exercise> solution.c` takes,
 * measured four ways in one run (this machine is noisy, so compare within
 * a run): the whole command in a fresh Node process (what an instructor
 * waits for; the median of 3), the same with Node's options of the
 * autograders' scripts (one V8 background thread, autograder/bundle.ts
 * BUNDLE_NODE_OPTIONS; the median of 3), a first in-process grading (cold
 * JIT, parser already loaded), and the median of five warm gradings (what the
 * browser worker sees after the first Run).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { grade } from '../grade/grade.js';
import { bundledExercises, findExerciseDir, loadExercise } from '../exercise/node.js';
import { BUNDLE_NODE_OPTIONS } from '../autograder/bundle.js';

const BIN = fileURLToPath(new URL('../../bin/teardown.js', import.meta.url));

export interface GradingBench {
  name: string;
  text: string;
  /** The command in a fresh process, as `npx teardown` runs it (median of 3, ms). */
  processMs: number;
  /** The command in a fresh process with the autograders' Node options (median of 3, ms). */
  autograderMs: number;
  firstMs: number;
  warmMs: number;
  traces: number;
  executions: number;
}

/** Grade each bundled exercise's solution four ways; `progress`, if given, hears a line as each exercise starts. */
export async function runGradingBenchmarks(progress?: (line: string) => void): Promise<GradingBench[]> {
  const out: GradingBench[] = [];
  for (const id of bundledExercises()) {
    progress?.(`grade ${id} solution.c`);
    const dir = findExerciseDir(id)!;
    const ex = loadExercise(dir);
    const solution = [{ name: ex.manifest.solution, text: ex.files.get(ex.manifest.solution)! }];
    // the command, fresh, as `npx teardown` runs it and as the autograders' scripts do, alternately
    const plain: number[] = [];
    const autograder: number[] = [];
    for (let i = 0; i < 3; i++)
      for (const [nodeOptions, times] of [
        [[], plain],
        [BUNDLE_NODE_OPTIONS.split(' '), autograder],
      ] as const) {
        const t0 = performance.now();
        const p = spawnSync(
          process.execPath,
          [...nodeOptions, BIN, 'grade', dir, `${dir}/${ex.manifest.solution}`, '--no-progress'],
          { encoding: 'utf8' },
        );
        times.push(performance.now() - t0);
        if (p.status !== 0) throw new Error(`bench: grading the ${id} solution failed (exit ${p.status}): ${p.stderr}`);
      }
    const processMs = median(plain);
    const autograderMs = median(autograder);
    const t1 = performance.now();
    const first = await grade(ex, solution);
    const firstMs = performance.now() - t1;
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await grade(ex, solution);
      warm.push(performance.now() - t);
    }
    const warmMs = median(warm);
    const traces = first.scenarios.reduce((a, s) => a + s.stats.traces, 0);
    const executions = first.scenarios.reduce((a, s) => a + s.stats.executions, 0);
    const r = (x: number) => Math.round(x);
    out.push({
      name: `grade ${id} solution.c`,
      text: `${r(processMs)} ms as a command (fresh process, median of 3), ${r(autograderMs)} ms with the autograders' ${BUNDLE_NODE_OPTIONS}, ${r(firstMs)} ms first in-process, ${r(warmMs)} ms warm (median of 5); ${first.scenarios.length} scenarios, ${executions} executions, ${traces} traces`,
      processMs: r(processMs),
      autograderMs: r(autograderMs),
      firstMs: r(firstMs),
      warmMs: r(warmMs),
      traces,
      executions,
    });
  }
  return out;
}

/** The median of a few timings (the middle one; the upper middle of an even count). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Grading benchmarks: how long `teardown grade <exercise> solution.c` takes,
 * measured three ways in one run (this machine is noisy, so compare within
 * a run): the whole command in a fresh Node process (what an instructor
 * waits for), a first in-process grading (cold JIT, parser already loaded),
 * and the median of five warm gradings (what the browser worker sees after
 * the first Run).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { grade } from '../grade/grade.js';
import { bundledExercises, findExerciseDir, loadExercise } from '../exercise/node.js';

const BIN = fileURLToPath(new URL('../../bin/teardown.js', import.meta.url));

export interface GradingBench {
  name: string;
  text: string;
  processMs: number;
  firstMs: number;
  warmMs: number;
  traces: number;
  executions: number;
}

export async function runGradingBenchmarks(): Promise<GradingBench[]> {
  const out: GradingBench[] = [];
  for (const id of bundledExercises()) {
    const dir = findExerciseDir(id)!;
    const ex = loadExercise(dir);
    const solution = [{ name: ex.manifest.solution, text: ex.files.get(ex.manifest.solution)! }];
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [BIN, 'grade', dir, `${dir}/${ex.manifest.solution}`, '--no-progress'], {
      encoding: 'utf8',
    });
    const processMs = performance.now() - t0;
    if (p.status !== 0) throw new Error(`bench: grading the ${id} solution failed (exit ${p.status}): ${p.stderr}`);
    const t1 = performance.now();
    const first = await grade(ex, solution);
    const firstMs = performance.now() - t1;
    const warm: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await grade(ex, solution);
      warm.push(performance.now() - t);
    }
    warm.sort((a, b) => a - b);
    const traces = first.scenarios.reduce((a, s) => a + s.stats.traces, 0);
    const executions = first.scenarios.reduce((a, s) => a + s.stats.executions, 0);
    const r = (x: number) => Math.round(x);
    out.push({
      name: `grade ${id} solution.c`,
      text: `${r(processMs)} ms as a command (fresh process), ${r(firstMs)} ms first in-process, ${r(warm[2]!)} ms warm (median of 5); ${first.scenarios.length} scenarios, ${executions} executions, ${traces} traces`,
      processMs: r(processMs),
      firstMs: r(firstMs),
      warmMs: r(warm[2]!),
      traces,
      executions,
    });
  }
  return out;
}

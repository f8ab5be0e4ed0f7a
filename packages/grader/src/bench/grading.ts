/**
 * Grading benchmarks: how long `teardown grade <exercise> solution.c` takes,
 * measured four ways in one run (this machine is noisy, so compare within
 * a run): the whole command in a fresh process as the `teardown` bin runs
 * (through its shebang, with ../node-options.ts CLI_NODE_OPTIONS, as the
 * autograders' scripts run the bundle; what an instructor waits for; the
 * median of 3), the same as `node bin/teardown.js` with Node's default
 * options (the median of 3), a first in-process grading (cold JIT, parser
 * already loaded), and the median of five warm gradings (what the browser
 * worker sees after the first Run).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { grade } from '../grade/grade.js';
import { bundledExercises, findExerciseDir, loadExercise } from '../exercise/node.js';
import { CLI_NODE_OPTIONS } from '../node-options.js';

const BIN = fileURLToPath(new URL('../../bin/teardown.js', import.meta.url));

export interface GradingBench {
  name: string;
  text: string;
  /** The command in a fresh process, as the bin runs it (`npx teardown`, its shebang's options; median of 3, ms). */
  processMs: number;
  /** The command in a fresh process run as `node bin/teardown.js`, Node's default options (median of 3, ms). */
  defaultNodeMs: number;
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
    // the command, fresh, as `npx teardown` runs it (the bin itself, through its shebang) and as `node
    // bin/teardown.js` does (Node's default options), alternately
    const args = ['grade', dir, `${dir}/${ex.manifest.solution}`, '--no-progress'];
    const asBin: number[] = [];
    const asNode: number[] = [];
    for (let i = 0; i < 3; i++)
      for (const [file, argv, times] of [
        [BIN, args, asBin],
        [process.execPath, [BIN, ...args], asNode],
      ] as const) {
        const t0 = performance.now();
        const p = spawnSync(file, argv, { encoding: 'utf8' });
        times.push(performance.now() - t0);
        if (p.status !== 0)
          throw new Error(`bench: grading the ${id} solution failed (exit ${p.status}): ${p.stderr ?? p.error}`);
      }
    const processMs = median(asBin);
    const defaultNodeMs = median(asNode);
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
      text: `${r(processMs)} ms as a command (fresh process, the bin's ${CLI_NODE_OPTIONS}; median of 3), ${r(defaultNodeMs)} ms as node bin/teardown.js (Node's default options), ${r(firstMs)} ms first in-process, ${r(warmMs)} ms warm (median of 5); ${first.scenarios.length} scenarios, ${executions} executions, ${traces} traces`,
      processMs: r(processMs),
      defaultNodeMs: r(defaultNodeMs),
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

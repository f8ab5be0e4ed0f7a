/**
 * The VM alone: how fast the machine runs the model's steps when no
 * exploration is kept, for the scale issue's target of a million VM steps a
 * second (README.md, "Performance"). The 3-thread model benchmark's
 * scenario (bench/model.ts) runs as seeded random walks straight on the
 * machine: at each step the enabled threads are asked for
 * (`Machine.enabled`), one is drawn, its dependencies are asked for as a
 * scheduler would (`Machine.deps`) and it steps (`Machine.step`); each walk
 * ends with the check task and the leak check (`Machine.finish`). Every
 * detector runs (KASAN, KCSAN, lockdep, refcount_t, the spin and hung-task
 * detectors). Left out is what an explorer adds: events, race detection,
 * checkpoints, trace normal forms, state digests.
 *
 * Steps are every step the machine executes in a walk: the scheduled ones (the
 * model benchmarks count only these) and the check task's, which runs the
 * scenario's `check` alone after the threads (`Machine.finish`, without the
 * explorer's memo of checked end states). Both are timed, so both are
 * counted; the row gives each. (Until 6 December 2026 the rate counted the
 * scheduled steps alone, about three quarters of those timed.)
 */
import { spawnSync } from 'node:child_process';
import { newMachine } from '@teardown/core';
import { BENCH_BIN, MODEL_BENCHMARKS, compileModelBenchmark } from './model.js';
import { CLI_NODE_OPTIONS } from '../node-options.js';

/** The scenario the walks run. */
export const VM_BENCH_SCENARIO = 'model: destroy + use + unbind';

/** Walks per pass. */
export const VM_BENCH_WALKS = 1000;

/** The `--model-child` name under which a fresh process runs {@link runVmBenchmark}. */
export const VM_BENCH_CHILD = 'vm';

/** Passes timed after the first, warm: their median is the warm figure (one alone varies by a tenth on a 2-core machine). */
export const VM_WARM_PASSES = 5;

/** The VM benchmark's figures: passes of the same walks in one process, a first and {@link VM_WARM_PASSES} warm. */
export interface VmBenchRow {
  name: string;
  walks: number;
  /** Steps one pass executes (the same in every pass): {@link scheduledSteps} and the check task's. */
  steps: number;
  /** The scheduled steps among them (the model benchmarks' steps). */
  scheduledSteps: number;
  /** The first pass (the JIT not warm yet) and the median of the warm ones: milliseconds and steps per second. */
  firstMs: number;
  firstStepsPerSecond: number;
  warmMs: number;
  warmStepsPerSecond: number;
}

/**
 * Run the VM benchmark in this process. Throws if two passes take
 * different steps (the walks are seeded: they must be the same).
 */
export async function runVmBenchmark(walks = VM_BENCH_WALKS): Promise<VmBenchRow> {
  const b = MODEL_BENCHMARKS.find((x) => x.name === VM_BENCH_SCENARIO)!;
  const { program, spec, limits } = await compileModelBenchmark(b);
  const m = newMachine(program, spec, limits);
  const n = m.nworkers;
  const enabled: number[] = [];
  const pass = (): { steps: number; scheduled: number; ms: number } => {
    // a 32-bit linear congruential generator, seeded alike for every pass
    let seed = 20261206;
    let steps = 0;
    let scheduled = 0;
    const t0 = performance.now();
    for (let w = 0; w < walks; w++) {
      m.begin();
      for (;;) {
        if (m.fatal) break;
        enabled.length = 0;
        for (let t = 0; t < n; t++) if (m.enabled(t)) enabled.push(t);
        if (enabled.length === 0) break;
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        const tid = enabled[seed % enabled.length]!;
        m.deps(tid);
        m.step(tid);
        scheduled++;
      }
      // the check task's steps: what the machine's count grew by in finish() (a scheduled step that ended the walk
      // in a fatal finding is not in that count, so the scheduled ones are counted here)
      const before = m.state.step;
      m.finish();
      steps += m.state.step - before;
    }
    steps += scheduled;
    return { steps, scheduled, ms: performance.now() - t0 };
  };
  const first = pass();
  const warms = Array.from({ length: VM_WARM_PASSES }, pass);
  if (warms.some((w) => w.steps !== first.steps || w.scheduled !== first.scheduled))
    throw new Error('bench: the VM walks took different steps in another pass');
  const warm = warms.sort((a, b) => a.ms - b.ms)[VM_WARM_PASSES >> 1]!;
  const perSecond = (p: { steps: number; ms: number }) => Math.round(p.steps / (p.ms / 1000));
  return {
    name: `vm: ${walks} random walks of ${VM_BENCH_SCENARIO.replace(/^model: /, '')}`,
    walks,
    steps: first.steps,
    scheduledSteps: first.scheduled,
    firstMs: Math.round(first.ms),
    firstStepsPerSecond: perSecond(first),
    warmMs: Math.round(warm.ms),
    warmStepsPerSecond: perSecond(warm),
  };
}

/** {@link runVmBenchmark} in a fresh process (`teardown bench --model-child vm`), so that its first pass is a fresh process's. */
export function runVmBenchmarkChild(): VmBenchRow {
  const p = spawnSync(
    process.execPath,
    [...CLI_NODE_OPTIONS.split(' '), BENCH_BIN, 'bench', '--model-child', VM_BENCH_CHILD],
    { encoding: 'utf8' },
  );
  if (p.status !== 0) throw new Error(`bench: the VM benchmark failed (exit ${p.status}): ${p.stderr}`);
  return JSON.parse(p.stdout) as VmBenchRow;
}

/** The row as the bench prints it. */
export function vmBenchLine(r: VmBenchRow): string {
  return `  ${r.name}: ${r.steps} steps a pass (${r.scheduledSteps} scheduled, ${r.steps - r.scheduledSteps} of the check task); ${r.firstStepsPerSecond} steps/s first in the process (${r.firstMs} ms), ${r.warmStepsPerSecond} steps/s warm (${r.warmMs} ms, the median of ${VM_WARM_PASSES} passes)`;
}

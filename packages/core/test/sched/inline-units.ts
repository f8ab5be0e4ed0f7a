/**
 * A UnitRunner (sched/split.ts) that explores units in this thread, at moments
 * a seeded random choice picks: when handed out, at a later poll, or only
 * when the controller waits for it; requests and results go through
 * structuredClone as they would between threads. So a test can put a split
 * exploration through every order of arrival and compare it with the
 * sequential one.
 */
import type { Program } from '../../src/lang/ir.js';
import type { Limits, ScenarioSpec } from '../../src/vm/machine.js';
import { newMachine } from '../../src/sched/runner.js';
import {
  type SplitCounts,
  type UnitRequest,
  type UnitResult,
  type UnitRunner,
  runUnit,
} from '../../src/sched/split.js';

export interface InlineUnits extends UnitRunner {
  /** The controller's counts when it last settled a unit (undefined: it never did). */
  counts?: SplitCounts;
}

/** A runner of `slots` simulated workers; `seed` picks when each unit runs. */
export function inlineUnits(
  program: Program,
  spec: ScenarioSpec,
  limits: Limits,
  slots: number,
  seed: number,
): InlineUnits {
  const m = newMachine(program, spec, limits);
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const queued = new Map<number, UnitRequest>();
  const done: UnitResult[] = [];
  // a unit runs to its end, or (asked for by the controller, or by chance) stops after a few executions
  const run = (id: number, stopAnywhere: boolean) => {
    const req = queued.get(id);
    if (!req) return;
    queued.delete(id);
    let checks = 0;
    const limit = stopAnywhere && rnd() < 0.5 ? Math.floor(rnd() * 6) : Number.POSITIVE_INFINITY;
    done.push(structuredClone(runUnit(m, req, () => checks++ >= limit)));
  };
  const runner: InlineUnits = {
    // every pending child, at once: the point is to put as many units as possible through adoption
    handOut: { quiet: 0, rescan: 0 },
    idle: () => slots - queued.size,
    start: (req) => {
      queued.set(req.id, structuredClone(req));
      if (rnd() < 0.3) run(req.id, rnd() < 0.3);
    },
    poll: () => {
      for (const id of [...queued.keys()]) if (rnd() < 0.4) run(id, rnd() < 0.3);
      return done.splice(0, done.length);
    },
    wait: (id) => {
      run(id, true);
      return done.splice(0, done.length);
    },
    cancel: (id) => {
      queued.delete(id);
    },
    settled: (_id, _adopted, counts) => {
      runner.counts = structuredClone(counts);
    },
  };
  return runner;
}

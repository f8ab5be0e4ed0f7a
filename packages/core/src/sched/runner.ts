/**
 * Running a scenario: the one place that builds a VM for a scenario and
 * drives it with the explorer. Everything that explores (`teardown check`,
 * grading, the minimiser's preemption search, the tests) goes through
 * `exploreScenario`; everything that replays schedules (traces, the
 * minimiser's confirmations, the object tracer, `teardown replay`) goes
 * through `replay`. The Machine constructor is called in `newMachine` only.
 */
import type { Program } from '../lang/ir.js';
import { DEFAULT_LIMITS, Machine, SharedDetectors, type Limits, type ScenarioSpec } from '../vm/machine.js';
import { Explorer, findingOrder, type ExecutionRecord, type ExploreOptions, type ExploreResult } from './explorer.js';
import { enumeratesFaults, explorePlans, findingSpec } from './faults.js';
import { ReplayStrategy } from './replay.js';
import type { Strategy } from './strategy.js';
import { makeStrategy, type StrategyName, type StrategyOptions } from './index.js';
import { type SyncPointRound, exploreAtSyncPoints } from './sync-points.js';
import { RaceRefiner } from '../vm/refine.js';
import { SplitController, type UnitRunner } from './split.js';

/**
 * A VM for `spec`, initialised: globals set up and `setup` run alone (its
 * findings in `setupFindings`, `setupFailed` set when it failed).
 * `shared` holds what outlives one execution (lockdep's graph, KCSAN's
 * reported pairs); a fresh one by default. Throws when a scenario function
 * is not defined or a built-in has no implementation.
 */
export function newMachine(
  program: Program,
  spec: ScenarioSpec,
  limits: Limits = DEFAULT_LIMITS,
  shared = new SharedDetectors(),
): Machine {
  const m = new Machine(program, spec, shared, limits);
  m.init();
  return m;
}

/** How to explore one scenario: the explorer's options plus the strategy and the VM's limits. */
export interface ScenarioOptions extends ExploreOptions {
  /**
   * A strategy object, or a name that `makeStrategy` builds with
   * `strategyOptions` (its `nthreads` is always the scenario's). Default
   * 'portfolio'.
   */
  strategy?: StrategyName | Strategy;
  strategyOptions?: StrategyOptions;
  /** The VM's limits (default DEFAULT_LIMITS). */
  limits?: Limits;
  /** Detector state shared across executions (default: a fresh one). */
  shared?: SharedDetectors;
  /**
   * Schedule only at synchronisation operations and at the plain accesses
   * found racy, in rounds (./sync-points.ts, vm/refine.ts). The findings'
   * schedules are expanded to one step per shared access, as without it.
   */
  syncPoints?: boolean;
  /** One round of `syncPoints` (set by it): the plain accesses scheduled, and where racy hidden ones go. */
  refine?: SyncPointRound;
  /**
   * Split the DPOR exploration (a `dpor`, `source-dpor` or `portfolio`
   * strategy; not with the state cache, synchronisation points, fault
   * plans, `countStates`, `stopOnFirst`, `onExecution` or a run recording
   * one finding: those explore alone) across units run by the runner this returns for the scenario
   * (./split.ts); null or absent: explore alone. The result is the same.
   */
  splitUnits?: (program: Program, spec: ScenarioSpec, limits: Limits) => UnitRunner | null;
}

/**
 * Explore one scenario from the state after `setup` under a strategy until
 * it is done or the budget runs out. Returns the findings (one per key, with
 * the schedule of fewest preemptions, then switches, then steps; neither
 * minimised nor traced: report/minimise.ts and check.ts's attachTrace do
 * that), setup's findings, the coverage and the statistics. Throws when the
 * state cache is asked for with another strategy than dfs (it is unsound
 * there: docs/scheduler.md).
 */
export function exploreScenario(program: Program, spec: ScenarioSpec, options: ScenarioOptions = {}): ExploreResult {
  const s = options.strategy ?? 'portfolio';
  if (options.syncPoints && !options.refine && (typeof s !== 'string' || s !== 'replay')) {
    if (typeof s !== 'string')
      throw new Error('teardown: exploring at synchronisation points needs a strategy by name');
    // a pruned future's races with the prefix's hidden accesses would go unseen by the refiner, whose history
    // is not in the state digest (docs/scheduler.md, "Synchronisation points")
    if (options.stateCache) throw new Error('teardown: --sync-points and --state-cache do not go together');
    // rounds of the whole scenario (every fault plan with one set of scheduled plain accesses)
    return exploreAtSyncPoints(
      options,
      (refine, opts) => exploreScenario(program, spec, { ...options, ...opts, refine, splitUnits: undefined }),
      (f, only) => newMachine(program, findingSpec(spec, f), options.limits, new SharedDetectors(only)),
    );
  }
  if (enumeratesFaults(spec)) {
    if (options.strategy !== undefined && typeof options.strategy !== 'string') {
      throw new Error('teardown: a scenario with fault sites needs a strategy by name (one per fault plan)');
    }
    // one lockdep graph per plan: a lock-order finding's executions then replay under one plan
    return explorePlans(
      spec,
      options,
      (s, o) => exploreScenario(program, s, { ...options, ...o, splitUnits: undefined }),
      findingOrder,
    );
  }
  const m = newMachine(program, spec, options.limits, options.shared);
  const nthreads = spec.threads.length;
  const strategy =
    typeof s === 'string'
      ? makeStrategy(s, {
          ...options.strategyOptions,
          nthreads,
          stateCache: options.stateCache === true,
          stateCacheBytes: options.stateCacheBytes,
          stateCacheEvery: options.stateCacheEvery,
        })
      : s;
  if (options.stateCache && strategy.name !== 'dfs' && !strategy.visitState) {
    throw new Error('teardown: the state cache needs --strategy dfs, dpor or source-dpor');
  }
  const refine = options.refine;
  if (!refine) {
    // what an adopted unit cannot stand for: per-execution callbacks and states, stopping at a finding, runs
    // recording one finding
    const splittable =
      !options.stateCache &&
      !options.countStates &&
      !options.stopOnFirst &&
      !options.onExecution &&
      options.shared?.only === undefined;
    const runner =
      options.splitUnits && splittable ? options.splitUnits(program, spec, options.limits ?? DEFAULT_LIMITS) : null;
    if (!runner) return new Explorer(m).explore(strategy, options);
    try {
      return new Explorer(m).explore(strategy, {
        ...options,
        split: new SplitController(runner, options.countTraces !== false),
      });
    } finally {
      runner.close?.();
    }
  }
  m.refiner = new RaceRefiner(refine.visible, m.nworkers + 1, refine.found);
  return new Explorer(m).explore(strategy, options);
}

/** The replayed executions of `replay`, and the machine they ran on (in its state after the last one). */
export interface ReplayResult {
  machine: Machine;
  /** One record per schedule, in order, with per-step records. */
  executions: ExecutionRecord[];
}

/**
 * Replay schedules in order on one fresh VM (fresh detectors, so that a
 * replay is not deduplicated away; one lockdep graph across the schedules,
 * as a lock-order counterexample needs), recording every step. Each replay
 * follows its schedule, then continues without preemption; a step the
 * schedule names but cannot run is replaced the same way (ReplayStrategy).
 * `onStep` sees the machine after each visible step (step index from 0
 * within execution `execution`). With `only`, the executions record only
 * the findings with that key (SharedDetectors).
 */
export function replay(
  program: Program,
  spec: ScenarioSpec,
  schedules: readonly (readonly number[])[],
  limits: Limits = DEFAULT_LIMITS,
  onStep?: (m: Machine, step: number, execution: number) => void,
  only?: string,
): ReplayResult {
  const machine = newMachine(program, spec, limits, new SharedDetectors(only));
  const ex = new Explorer(machine);
  const executions = schedules.map((s, i) => {
    const observe = onStep && ((m: Machine, step: number) => onStep(m, step, i));
    return ex.runExecution(new ReplayStrategy(s), true, observe);
  });
  return { machine, executions };
}

/** `replay`'s execution records only (the `teardown replay` command and traces use this). */
export function replaySchedules(
  program: Program,
  spec: ScenarioSpec,
  schedules: readonly (readonly number[])[],
  limits: Limits = DEFAULT_LIMITS,
): ExecutionRecord[] {
  return replay(program, spec, schedules, limits).executions;
}

/**
 * The shapes an exploration takes and gives (./explorer.ts): its options,
 * progress, statistics and result, the record of one execution, and the
 * hook that splits it (./split.ts).
 */
import type { Machine } from '../vm/machine.js';
import type { Finding } from '../detect/finding.js';
import type { StackFrame } from '../state/state.js';
import type { Injection } from '../state/fault.js';
import type { Event } from './events.js';
import type { Coverage, Strategy } from './strategy.js';
import type { Budget, Meter } from './budget.js';
import type { Explorer } from './explorer.js';

/** Progress of an exploration so far (`ms`: wall-clock milliseconds since it started). */
export interface Progress {
  executions: number;
  traces: number;
  /**
   * States so far: the distinct states a stateful search kept (or counted,
   * when counting them), else the nodes of the exploration tree.
   */
  states: number;
  findings: number;
  ms: number;
}

/** How to run an exploration (Explorer.explore, runner.ts exploreScenario). */
export interface ExploreOptions {
  budget?: Budget;
  /** Called at most every 100 ms. */
  onProgress?: (p: Progress) => void;
  /** Stop after the first execution with a finding. */
  stopOnFirst?: boolean;
  /** Compute distinct Mazurkiewicz traces (default true). */
  countTraces?: boolean;
  /** Checked between executions; return true to stop (cancellation). */
  shouldStop?: () => boolean;
  /** Clock (ms); defaults to performance.now / Date.now. */
  now?: () => number;
  /**
   * Called after every execution, with the machine in its final state: after
   * the check phase, or before it when {@link checkMemo} skipped it (a
   * caller that compares the globals a `check` writes turns the memo off).
   */
  onExecution?: (rec: ExecutionRecord, m: Machine) => void;
  /**
   * Subtrees explored elsewhere (./split.ts): asked before each execution
   * whether the subtree that execution starts was explored by a unit whose
   * result stands for the executions this explorer would run there.
   */
  split?: SplitHook;
  /**
   * Skip the check phase of an execution whose end state's check phase
   * reported nothing before (Machine.checkMemo). Default true; false runs
   * every check (a test compares both). A skipped check leaves the machine
   * as the threads left it: {@link onExecution} then sees what the check
   * would have written unwritten.
   */
  checkMemo?: boolean;
  /**
   * Stateful search: with plain DFS, stop an execution when it reaches a
   * state digest seen before; with DPOR built with `stateCache` (a strategy
   * with visitState), the strategy decides (stateful DPOR,
   * ./state-cache.ts). Either way `distinctStates` counts the states seen.
   */
  stateCache?: boolean;
  /**
   * With `stateCache` and DPOR: the most memory the cached states'
   * summaries take, in bytes, at least 256 (default ./state-cache.ts
   * DEFAULT_STATE_CACHE_BYTES, 512 MB; Infinity: unbounded); past it the
   * least recently useful are forgotten (sched/state-cache.ts,
   * docs/scheduler.md "Stateful DPOR"). The digest table and the per-state
   * arrays, 30 to 50 bytes a state, come on top.
   */
  stateCacheBytes?: number;
  /**
   * With `stateCache`: digest, look up and keep only the states at the
   * depths (steps from the initial state) this divides, at least 1 (default
   * ./state-cache.ts DEFAULT_STATE_CACHE_EVERY, 2). Any subset of the states
   * may be kept: an execution goes on past a state that is not kept, to the
   * next that is (docs/scheduler.md, "Which states are kept").
   */
  stateCacheEvery?: number;
  /**
   * Count the distinct states reached (a digest of the whole machine state
   * after every new step, state/hash.ts), without pruning anything: the
   * `distinctStates` of the stats. Costs a digest per step; benchmarks use it.
   */
  countStates?: boolean;
  /**
   * The work allowance to charge (default: one built from `budget`, with a
   * wall-clock deadline at `budget.ms` unless `deterministic`). Checked
   * between executions and every 64 steps inside one; an execution cut short
   * is not counted.
   */
  meter?: Meter;
  /** Steps between the explorer's checkpoints (default DEFAULT_CHECKPOINT_EVERY; 0: replay every prefix). */
  checkpointEvery?: number;
  /** Ignore the wall clock: stop on deterministic budgets only (`--reproducible`). */
  deterministic?: boolean;
  /**
   * Count distinct traces into this set (shared by the explorations of a
   * scenario's fault plans: sched/faults.ts); each is tagged with the
   * failures injected in it.
   */
  traceSet?: Set<string>;
}

/** What an exploration ran (counts over all its executions; `ms` wall-clock milliseconds). */
export interface ExploreStats {
  executions: number;
  /** Executions abandoned as redundant (sleep-set blocked); included in `executions`. */
  blocked: number;
  /** Distinct Mazurkiewicz traces among the executions (canonical form of happens-before). */
  traces: number;
  /** Nodes of the exploration tree (steps not shared with an earlier execution's prefix). */
  states: number;
  /** Visible steps run, including replayed prefixes (not those restored from a checkpoint). */
  steps: number;
  /** Distinct machine states reached (with `countStates`), or kept (with `stateCache`: ExploreOptions.stateCacheEvery); absent otherwise. */
  distinctStates?: number;
  ms: number;
  /** The strategy finished (false when a budget or a finding stopped it). */
  complete: boolean;
  /** Deterministic work units charged (see {@link executionWork}). */
  work?: number;
  /** An execution was cut short by the budget (it is not counted in `executions`). */
  cut?: boolean;
}

/**
 * The outcome of an exploration: its findings (one per key, sorted by
 * findingOrder), setup's findings (setup runs once, before the threads), the
 * strategy's coverage and the statistics.
 */
export interface ExploreResult {
  findings: Finding[];
  setupFindings: Finding[];
  coverage: Coverage;
  stats: ExploreStats;
}

/** One step of a recorded execution (for replay tables and the trace viewer). */
export interface StepRecord {
  step: number;
  tid: number;
  label: string;
  frame: StackFrame;
  /** Enabled threads when this step was chosen. */
  enabled: number[];
  preemption: boolean;
}

/** One execution as it ran: its events, schedule, (recorded) steps and findings. */
export interface ExecutionRecord {
  /** The strategy abandoned this execution (sleep-set blocked): it is redundant. */
  abandoned: boolean;
  events: Event[];
  schedule: number[];
  steps: StepRecord[];
  findings: Finding[];
  /** Preemptions and context switches of the schedule. */
  preemptions: number;
  switches: number;
  /**
   * Happens-before clocks of `events`. Of a recorded execution (`record`), its
   * own; else views whose contents a later execution of the explorer
   * overwrites (read them before).
   */
  clocks: Int32Array[];
  /** Deterministic work of this execution ({@link executionWork}). */
  work: number;
  /** Steps restored from a checkpoint instead of run (the first `restored` of `schedule`). */
  restored?: number;
  /** The budget cut this execution short: it is incomplete, and the strategy was not told of it. */
  cut?: boolean;
  /** The failures injected in this execution (its spec's fault plan, as far as it was reached). */
  injections: Injection[];
}

/** What an exploration asks a split hook (./split.ts) before each execution. */
export interface SplitPoint {
  explorer: Explorer;
  strategy: Strategy;
  meter: Meter;
  budget: Budget;
  /** Executions and steps counted so far, and the exploration's start (for the budget's limits). */
  executions: number;
  steps: number;
  t0: number;
  now: () => number;
  /** The wall clock does not stop the exploration (ExploreOptions.deterministic). */
  deterministic: boolean;
  shouldStop?: () => boolean;
}

/** The executions of a subtree explored elsewhere, as this explorer would have counted them. */
export interface AdoptedUnit {
  executions: number;
  blocked: number;
  steps: number;
  states: number;
  traces: readonly string[];
  findings: readonly Finding[];
  /** The schedule of the subtree's last execution. */
  lastSchedule: number[];
}

/** Subtrees explored elsewhere (./split.ts SplitController). */
export interface SplitHook {
  /** Before an execution: the subtree it starts, when adopted (its work charged to the meter), else null. */
  beforeExecution(p: SplitPoint): AdoptedUnit | null;
  /** The exploration is over: drop what is still being explored. */
  end(): void;
}

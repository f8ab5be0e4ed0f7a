/**
 * The strategy interface, in the spirit of shuttle's three-method Scheduler:
 * a strategy sees the enabled threads and the dependency information of
 * their pending operations, never program state. A schedule is plain data
 * (one thread id per visible step), so replay is a strategy like the others.
 */
import type { Event } from './events.js';
import type { Digest } from '../state/hash.js';
import type { LiveEntries } from '../detect/kcsan-digest.js';
import type { VClock } from '../state/vclock.js';

/** What a strategy may look at when it picks the next thread. */
export interface SchedContext {
  /** Thread that ran the previous step, or -1 at the start. */
  readonly current: number;
  /** Number of steps taken so far in this execution. */
  readonly step: number;
  /** Dependency information of a thread's pending operation. */
  pending(tid: number): Event;
  /** The events of the steps taken so far (the explorer's: read them, do not keep or change them). */
  readonly events: readonly Event[];
  /**
   * Their happens-before clocks (./events.ts hbClocks), one per event, computed
   * on demand (kept for the end of the execution); valid until the execution
   * takes another step.
   */
  clocks(): readonly VClock[];
  /**
   * A thread whose step can let the disabled thread `tid` run, or -1: with
   * `--timeouts anytime`, a timer not yet due waits for the sleeper whose
   * deadline comes first (vm/timers.ts firstTimeout). Absent: -1.
   */
  enabler?(tid: number): number;
}

/** A timer fired at quiescence, at step `at`, while the threads of `pending` were blocked on these next events. */
export interface Quiescence {
  at: number;
  pending: readonly Event[];
}

/** How an execution ended. */
export interface ExecutionEnd {
  /** The strategy abandoned it. */
  abandoned: boolean;
  /** It stopped at a state explored before (Strategy.visitState; `abandoned` is set too). */
  pruned?: boolean;
  /** A fatal finding stopped it. */
  fatal: boolean;
  /** Findings of this execution (kinds), for strategies that search for a bug. */
  findings: readonly { kind: string; key: string }[];
  /**
   * Pending (blocked or never run) next events of the threads that did not
   * finish; of an abandoned execution, of its disabled threads only; none
   * for a pruned or cut one.
   */
  pending: readonly Event[];
  /**
   * The timers that fired at quiescence (global events: nothing else could
   * run) with other threads blocked: each one's step and those threads' next
   * events then (absent: none).
   */
  quiescent?: readonly Quiescence[];
  /** Happens-before vector clocks of `events` (./events.ts hbClocks), when already computed. */
  clocks?: Int32Array[];
}

/** How much of the interleaving space a strategy covered. */
export interface Coverage {
  kind: 'exhaustive' | 'bounded' | 'sampled' | 'replay' | 'partial';
  /** One line: `exhaustive: all N Mazurkiewicz traces`, `bounded: ...`, `M PCT runs at depth d: ...` (docs/scheduler.md). */
  text: string;
  /** Extra facts (preemption bound, PCT depth, miss probability, ...). */
  [k: string]: unknown;
}

/** A scheduling strategy: one per file in sched/, each stating the paper it follows and its guarantee. */
export interface Strategy {
  readonly name: string;
  /** Start an execution; false when the strategy has explored everything it will. */
  newExecution(): boolean;
  /**
   * Pick the next thread among `enabled` (non-empty, ascending), or -1 to
   * abandon the execution (every continuation is known to be redundant,
   * e.g. sleep-set blocked).
   */
  next(enabled: readonly number[], ctx: SchedContext): number;
  /**
   * How many first steps of the execution about to start (after
   * newExecution) repeat the previous execution's schedule (optional): the
   * explorer may restore a checkpoint within them instead of replaying.
   * Negative: the explorer takes no checkpoints in this execution (none
   * would be used: a phase of the portfolio that cannot tell).
   */
  replayDepth?(): number;
  /**
   * Stateful search (optional): the state reached after `ctx.step` steps, a
   * step not replayed from the previous execution, has program digest
   * `digest` (vm/machine.ts programDigest: all but KCSAN's knowledge) and
   * KCSAN's live entries `live` (their locations the explorer's interned
   * ids; read them now, the buffer is reused). Return true to stop the
   * execution there (its future was explored before); the explorer then
   * ends it with `pruned`.
   */
  visitState?(digest: Digest, ctx: SchedContext, live: LiveEntries): boolean;
  /**
   * With visitState: the distinct digests it was given so far, or undefined
   * when it keeps none (the explorer then counts them itself).
   */
  visitedStates?(): number | undefined;
  /**
   * With visitState: the depth step it was built for (ExploreOptions.stateCacheEvery), which its coverage
   * line states; the explorer refuses to run it with another.
   */
  readonly stateCacheEvery?: number;
  /** The execution ended: its events in order (for race analysis and bookkeeping). */
  endExecution(events: readonly Event[], info: ExecutionEnd): void;
  /**
   * Coverage reached so far. `traces`: the distinct Mazurkiewicz traces
   * among the complete executions, when the explorer counted them
   * (ExploreOptions.countTraces), for a strategy whose executions may repeat
   * a trace.
   */
  coverage(traces?: number): Coverage;
}

/** The default continuation: keep running the current thread, else the lowest enabled one. */
export function nonPreemptive(enabled: readonly number[], current: number): number {
  return enabled.includes(current) ? current : enabled[0]!;
}

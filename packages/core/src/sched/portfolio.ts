/**
 * The default portfolio (as Coyote's and shuttle's portfolios compose
 * strategies): exhaustive optimal DPOR while the space fits the budget;
 * when it does not, iterative preemption bounding and then PCT at growing
 * depths share the rest, and the coverage says what was reached:
 *   `exhaustive: all N Mazurkiewicz traces`, or
 *   `bounded: all schedules with <= k preemptions; M PCT runs at depth d: ...`.
 */
import type { Coverage, ExecutionEnd, SchedContext, Strategy } from './strategy.js';
import type { Event } from './events.js';
import { DporStrategy } from './dpor.js';
import { BoundedStrategy } from './bounded.js';
import { PctStrategy } from './pct.js';

/** Budgets (in executions) and parameters of the portfolio's phases. */
export interface PortfolioOptions {
  nthreads: number;
  seed: number;
  /** Executions DPOR may use before the portfolio falls back. */
  dporExecutions: number;
  /** Executions for preemption bounding. */
  boundedExecutions: number;
  /** Highest preemption bound to try. */
  maxPreemptions: number;
  /** PCT runs per depth, and the depths. */
  pctRuns: number;
  pctDepths: number[];
}

interface Phase {
  s: Strategy;
  budget: number;
  used: number;
}

/**
 * Optimal DPOR while it fits `dporExecutions` (then the coverage is
 * exhaustive), else preemption bounding and PCT at each depth in turn, with
 * their coverage combined.
 */
export class PortfolioStrategy implements Strategy {
  readonly name = 'portfolio';
  private phases: Phase[];
  private i = 0;
  private dpor: DporStrategy;
  private bounded: BoundedStrategy;
  private pcts: PctStrategy[];
  private dporDone = false;
  /** The phase that ran the previous execution (-1: none yet). */
  private last = -1;

  constructor(o: PortfolioOptions) {
    this.dpor = new DporStrategy({ mode: 'optimal', nthreads: o.nthreads });
    this.bounded = new BoundedStrategy(o.maxPreemptions);
    this.pcts = o.pctDepths.map((d, k) => new PctStrategy(o.nthreads, d, o.pctRuns, o.seed + k));
    this.phases = [
      { s: this.dpor, budget: o.dporExecutions, used: 0 },
      { s: this.bounded, budget: o.boundedExecutions, used: 0 },
      ...this.pcts.map((s) => ({ s, budget: o.pctRuns, used: 0 })),
    ];
  }

  newExecution(): boolean {
    while (this.i < this.phases.length) {
      const ph = this.phases[this.i]!;
      if (ph.used < ph.budget && ph.s.newExecution()) {
        ph.used++;
        return true;
      }
      if (this.i === 0 && ph.used < ph.budget) {
        // DPOR finished within its budget: the space is explored exhaustively
        this.dporDone = true;
        this.i = this.phases.length;
        return false;
      }
      this.i++;
    }
    return false;
  }

  /**
   * The steps the next execution repeats of the previous one: the phase's
   * own answer while one phase runs on (DPOR's, so the explorer restores its
   * checkpoints and keeps the shared prefix's clocks), 0 for a new phase's
   * first execution, and -1 (take no checkpoints) in a phase that cannot
   * tell: bounded search and PCT (Strategy.replayDepth).
   */
  replayDepth(): number {
    const s = this.phases[this.i]?.s;
    if (!s?.replayDepth) return -1;
    return this.i === this.last ? s.replayDepth() : 0;
  }

  /**
   * While DPOR runs (./split.ts): that strategy and how many executions it
   * may still run, the one about to start included; null in a later phase.
   */
  dporPhase(): { dpor: DporStrategy; room: number } | null {
    if (this.i !== 0) return null;
    const ph = this.phases[0]!;
    return { dpor: this.dpor, room: ph.budget - ph.used + 1 };
  }

  /** `n` DPOR executions were adopted (./split.ts) for the one about to start and the `n - 1` after it. */
  adoptedExecutions(n: number): void {
    this.phases[0]!.used += n - 1;
    this.last = 0;
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    return this.phases[this.i]!.s.next(enabled, ctx);
  }

  endExecution(events: readonly Event[], info: ExecutionEnd): void {
    this.last = this.i;
    this.phases[this.i]!.s.endExecution(events, info);
  }

  coverage(traces?: number): Coverage {
    // DPOR runs first: when it is done, every execution so far was its own
    if (this.dporDone) return this.dpor.coverage(traces);
    const parts: string[] = [];
    const b = this.bounded.coverage();
    if (b.kind === 'bounded') parts.push(b.text);
    else parts.push(`optimal DPOR stopped after ${this.phases[0]!.used} executions (the space is larger)`);
    const pct = this.pcts.map((p) => p.coverage()).filter((c) => (c.runs as number) > 0);
    for (const c of pct) parts.push(c.text);
    return { kind: b.kind === 'bounded' ? 'bounded' : 'partial', text: parts.join('; '), bounded: b, pct };
  }
}

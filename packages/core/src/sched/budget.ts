/**
 * Budgets of an exploration: what a budget allows (`Budget`), the
 * deterministic work units an execution costs (`executionWork`), and the
 * meter that charges them (`Meter`), shared by exploration, minimisation
 * and traces (docs/scheduler.md, "Budgets").
 */

const defaultNow = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** When to stop. All are optional; the first reached stops the exploration. */
export interface Budget {
  executions?: number;
  /** Wall-clock milliseconds. */
  ms?: number;
  /** Visible steps summed over all executions. */
  steps?: number;
  /**
   * Deterministic work units (see {@link executionWork}); when absent, a time
   * budget stands for `ms * WORK_PER_MS` units (docs/scheduler.md, "Budgets").
   */
  work?: number;
}

/**
 * Work units per millisecond of a time budget: the deterministic allowance a
 * time budget stands for (docs/scheduler.md, "Budgets"). About half the rate
 * measured on the reference machine (2 shared cores), so that the work a
 * budget allows usually takes less wall-clock time than the budget.
 */
export const WORK_PER_MS = 200;

/**
 * The work of one execution, in deterministic units: one per visible step,
 * one per 100 thread-private instructions, and len^2/100 for the strategy's
 * per-execution analysis (DPOR's race detection is quadratic in the length).
 */
export function executionWork(steps: number, instructions: number): number {
  return steps + Math.floor(instructions / 100) + Math.floor((steps * steps) / 100);
}

/** The deterministic work a budget allows: `work`, else `ms * WORK_PER_MS`, else unlimited. */
export function budgetWork(b: Budget): number {
  if (b.work !== undefined) return b.work;
  if (b.ms !== undefined) return Math.floor(b.ms * WORK_PER_MS);
  return Number.POSITIVE_INFINITY;
}

/**
 * The meter a budget stands for, from `t0` on: its work units and, unless
 * `deterministic`, a wall-clock deadline at `budget.ms`.
 */
export function budgetMeter(budget: Budget, deterministic: boolean, t0: number, now: () => number): Meter {
  const deadline = !deterministic && budget.ms !== undefined ? t0 + budget.ms : Number.POSITIVE_INFINITY;
  return new Meter(budgetWork(budget), deadline, now);
}

/**
 * A work allowance shared by exploration, minimisation and traces: a limit
 * in deterministic work units and, unless the run must be reproducible, a
 * wall-clock deadline. Deterministic when `deadline` is Infinity.
 */
export class Meter {
  /** Work charged so far. */
  used = 0;
  constructor(
    readonly limit = Number.POSITIVE_INFINITY,
    readonly deadline = Number.POSITIVE_INFINITY,
    private readonly now: () => number = defaultNow,
  ) {}

  /** Charge `n` units. */
  charge(n: number): void {
    this.used += n;
  }

  /**
   * A meter for the next `fraction` of what is left (work and time), starting
   * at this one's usage; fold it back with `this.used = child.used`.
   */
  share(fraction: number): Meter {
    const left = this.limit - this.used;
    const t = this.deadline === Number.POSITIVE_INFINITY ? this.deadline : this.now();
    return new Meter(
      this.limit === Number.POSITIVE_INFINITY ? this.limit : this.used + Math.floor(left * fraction),
      this.deadline === Number.POSITIVE_INFINITY ? this.deadline : t + (this.deadline - t) * fraction,
      this.now,
    ).start(this.used);
  }

  private start(used: number): Meter {
    this.used = used;
    return this;
  }

  /** True when `pending` more units would reach the limit, or the deadline has passed. */
  exhausted(pending = 0): boolean {
    if (this.used + pending >= this.limit) return true;
    return this.deadline !== Number.POSITIVE_INFINITY && this.now() >= this.deadline;
  }
}

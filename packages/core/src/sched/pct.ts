/**
 * Probabilistic Concurrency Testing: S. Burckhardt, P. Kothari, M. Musuvathi,
 * S. Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
 * Finding Bugs", ASPLOS 2010.
 *
 * Each run gives the n threads distinct random priorities d, d+1, ..., d+n-1
 * and picks d-1 distinct change points uniformly among the k steps (drawn
 * one after the other without replacement: the paper's k_1..k_{d-1}, each
 * in [1, k]); at the i-th change point the thread that would run drops to
 * priority i (below all initial ones). The highest-priority enabled thread
 * always runs. Guarantee: a bug of depth d is found by one run with
 * probability at least 1/(n * k^(d-1)) (a given assignment of the d-1
 * change points has probability 1/(k (k-1) ... (k-d+2)) >= 1/k^(d-1)); M
 * independent runs miss it with probability at most (1 - 1/(n*k^(d-1)))^M.
 *
 * k is the longest execution seen so far (the first run, with k unknown,
 * takes k = 1). While k < d-1 there are not d-1 distinct steps: every one of
 * the k steps is a change point (in random order), so such a run has only
 * k change points.
 */
import type { Coverage, ExecutionEnd, SchedContext, Strategy } from './strategy.js';
import type { Event } from './events.js';
import { Rng } from './rng.js';

/** PCT (Burckhardt et al., ASPLOS 2010): random priorities and d-1 distinct change points per run. */
export class PctStrategy implements Strategy {
  readonly name = 'pct';
  private rng: Rng;
  private runs = 0;
  /** Priority of each thread in the current run (higher runs first). */
  private prio: number[] = [];
  /** The current run's change points (distinct steps): at changes[i] the running thread drops to priority i+1. */
  private changes: number[] = [];
  /** The longest execution seen so far, in visible steps. */
  private k = 0;

  /**
   * @param nthreads n, the scenario's threads; @param depth d, the bug depth
   * aimed at (>= 1); @param maxRuns runs before the strategy is done;
   * @param seed of the random priorities and change points.
   */
  constructor(
    private readonly nthreads: number,
    private readonly depth: number,
    private readonly maxRuns: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  newExecution(): boolean {
    if (this.runs >= this.maxRuns) return false;
    const n = this.nthreads;
    const d = this.depth;
    const perm = this.rng.permutation(n);
    this.prio = perm.map((p) => d + p);
    this.changes = [];
    const k = Math.max(1, this.k);
    const points = Math.min(d - 1, k);
    while (this.changes.length < points) {
      const c = 1 + this.rng.int(k);
      if (!this.changes.includes(c)) this.changes.push(c);
    }
    return true;
  }

  /** The current run's change points, distinct steps in [1, k]: at changePoints[i] the running thread drops to i+1. */
  get changePoints(): readonly number[] {
    return this.changes;
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    // at a change point the thread that would run at this step drops to priority i+1
    const i = this.changes.indexOf(ctx.step);
    if (i >= 0) this.prio[this.best(enabled)] = i + 1;
    return this.best(enabled);
  }

  private best(enabled: readonly number[]): number {
    let t = enabled[0]!;
    for (const u of enabled) if (this.prio[u]! > this.prio[t]!) t = u;
    return t;
  }

  endExecution(events: readonly Event[], _info: ExecutionEnd): void {
    this.runs++;
    this.k = Math.max(this.k, events.length);
  }

  /** Lower bound on the probability that one run finds a depth-d bug. */
  static perRun(n: number, k: number, d: number): number {
    return 1 / (n * Math.max(1, k) ** (d - 1));
  }

  /** Upper bound on the probability that M runs all miss a depth-d bug. */
  static missProbability(n: number, k: number, d: number, runs: number): number {
    return (1 - PctStrategy.perRun(n, k, d)) ** runs;
  }

  coverage(): Coverage {
    const p = PctStrategy.missProbability(this.nthreads, this.k, this.depth, this.runs);
    return {
      kind: 'sampled',
      text: `${this.runs} PCT runs at depth ${this.depth}: a depth-${this.depth} bug is missed with probability <= ${formatP(p)} (n=${this.nthreads}, k=${this.k})`,
      runs: this.runs,
      depth: this.depth,
      k: this.k,
      miss: p,
    };
  }
}

/** A probability for coverage text: '0', three decimals from 0.01 up, else scientific with three digits. */
export function formatP(p: number): string {
  if (p === 0) return '0';
  if (p >= 0.01) return p.toFixed(3);
  return p.toExponential(2);
}

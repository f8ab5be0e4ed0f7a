/**
 * Probabilistic Concurrency Testing: S. Burckhardt, P. Kothari, M. Musuvathi,
 * S. Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
 * Finding Bugs", ASPLOS 2010.
 *
 * Each run gives the n threads distinct random priorities d, d+1, ..., d+n-1
 * and picks d-1 change points uniformly among the k steps; at the i-th change
 * point the running thread's priority drops to i (below all initial ones).
 * The highest-priority enabled thread always runs. Guarantee: a bug of depth
 * d is found by one run with probability at least 1/(n * k^(d-1)); M
 * independent runs miss it with probability at most (1 - 1/(n*k^(d-1)))^M.
 * k is the longest execution seen so far (the first run is non-preemptive).
 */
import { type Coverage, type ExecutionEnd, type SchedContext, type Strategy } from './strategy.js';
import type { Event } from './events.js';
import { Rng } from './rng.js';

export class PctStrategy implements Strategy {
  readonly name = 'pct';
  private rng: Rng;
  private runs = 0;
  private prio: number[] = [];
  private changes: number[] = [];
  private k = 0;

  constructor(private readonly nthreads: number, private readonly depth: number, private readonly maxRuns: number, seed: number) {
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
    for (let i = 0; i < d - 1; i++) this.changes.push(1 + this.rng.int(k));
    return true;
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    const step = ctx.step;
    // change points: the thread that would run at this step drops to priority i
    for (let i = 0; i < this.changes.length; i++) {
      if (this.changes[i] === step) {
        const t = this.best(enabled);
        this.prio[t] = i + 1;
      }
    }
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
      runs: this.runs, depth: this.depth, k: this.k, miss: p,
    };
  }
}

export function formatP(p: number): string {
  if (p === 0) return '0';
  if (p >= 0.01) return p.toFixed(3);
  return p.toExponential(2);
}

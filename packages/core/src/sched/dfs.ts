/**
 * Plain depth-first search over every interleaving (no reduction): the
 * reference the reduced strategies are tested against. Stateless: each
 * execution replays its prefix from the initial state and takes the next
 * untried choice at the deepest branching point (as shuttle's DfsScheduler).
 *
 * Guarantee when it finishes: every schedule of visible steps was run.
 */
import { type Coverage, type ExecutionEnd, type SchedContext, type Strategy, nonPreemptive } from './strategy.js';
import type { Event } from './events.js';

interface Node {
  order: number[];
  at: number;
}

/** Plain DFS over every interleaving (shuttle's DfsScheduler); no reduction, the reference of the property tests. */
export class DfsStrategy implements Strategy {
  readonly name = 'dfs';
  private stack: Node[] = [];
  private started = false;
  private done = false;
  private executions = 0;

  newExecution(): boolean {
    if (!this.started) {
      this.started = true;
      return true;
    }
    while (this.stack.length) {
      const top = this.stack[this.stack.length - 1]!;
      if (top.at + 1 < top.order.length) {
        top.at++;
        return true;
      }
      this.stack.pop();
    }
    this.done = true;
    return false;
  }

  /** The steps the next execution repeats: up to the deepest node with an untried choice. */
  replayDepth(): number {
    return Math.max(0, this.stack.length - 1);
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    const d = ctx.step;
    if (d < this.stack.length) {
      const n = this.stack[d]!;
      const t = n.order[n.at]!;
      if (!enabled.includes(t)) throw new Error('teardown: dfs replay diverged (the program is not deterministic)');
      return t;
    }
    const first = nonPreemptive(enabled, ctx.current);
    this.stack.push({ order: [first, ...enabled.filter((t) => t !== first)], at: 0 });
    return first;
  }

  endExecution(_events: readonly Event[], _info: ExecutionEnd): void {
    this.executions++;
  }

  coverage(): Coverage {
    if (this.done) return { kind: 'exhaustive', text: `exhaustive: all ${this.executions} interleavings` };
    return { kind: 'partial', text: `partial: ${this.executions} interleavings explored before the budget ran out` };
  }
}

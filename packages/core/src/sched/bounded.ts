/**
 * Iterative preemption bounding: M. Musuvathi and S. Qadeer, "Iterative
 * Context Bounding for Systematic Testing of Multithreaded Programs",
 * PLDI 2007 (CHESS).
 *
 * A preemption is a switch away from a thread that could have continued;
 * switching when the running thread blocks or ends is free. The strategy
 * runs a depth-first search over all schedules with at most 0 preemptions,
 * then at most 1, and so on up to `maxPreemptions` (each level reruns the
 * schedules of the lower ones, which are few: the count is polynomial in the
 * number of steps for a fixed bound, PLDI'07 section 3).
 *
 * Guarantee after finishing level c: every schedule with <= c preemptions
 * was run, so every bug that some such schedule shows was found.
 */
import type { Coverage, ExecutionEnd, SchedContext, Strategy } from './strategy.js';
import type { Event } from './events.js';

/**
 * A branching point of the search: the choices within the current bound
 * (`cost` 1 for a preemption), the one being explored, and the preemptions
 * spent on the path before it.
 */
interface Node {
  options: { tid: number; cost: number }[];
  at: number;
  before: number;
}

/** Iterative preemption bounding (Musuvathi and Qadeer, PLDI 2007): levels 0..maxPreemptions, each a DFS. */
export class BoundedStrategy implements Strategy {
  readonly name = 'bounded';
  /** The preemption bound of the level being run. */
  private level = 0;
  private stack: Node[] = [];
  private started = false;
  private executions = 0;
  /** The highest level whose schedules were all run, -1 before the first ends. */
  private completedLevel = -1;

  /** @param maxPreemptions the last level to run; @param from the first level (default 0). */
  constructor(
    private readonly maxPreemptions: number,
    from = 0,
  ) {
    this.level = from;
  }

  newExecution(): boolean {
    if (!this.started) {
      this.started = true;
      return true;
    }
    while (this.stack.length) {
      const top = this.stack[this.stack.length - 1]!;
      if (top.at + 1 < top.options.length) {
        top.at++;
        return true;
      }
      this.stack.pop();
    }
    // level finished: rerun from the root with one more preemption allowed
    this.completedLevel = this.level;
    if (this.level >= this.maxPreemptions) return false;
    this.level++;
    return true;
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    const d = ctx.step;
    if (d < this.stack.length) {
      const n = this.stack[d]!;
      const o = n.options[n.at]!;
      return enabled.includes(o.tid) ? o.tid : -1;
    }
    const before = d === 0 ? 0 : this.stack[d - 1]!.before + this.stack[d - 1]!.options[this.stack[d - 1]!.at]!.cost;
    const cur = ctx.current;
    const options: { tid: number; cost: number }[] = [];
    const canContinue = cur >= 0 && enabled.includes(cur);
    if (canContinue) options.push({ tid: cur, cost: 0 });
    for (const t of enabled) if (!canContinue || t !== cur) options.push({ tid: t, cost: canContinue ? 1 : 0 });
    const within = options.filter((o) => before + o.cost <= this.level);
    this.stack.push({ options: within, at: 0, before });
    return within[0]!.tid;
  }

  endExecution(_e: readonly Event[], _info: ExecutionEnd): void {
    this.executions++;
  }

  /** Preemptions of the execution just run. */
  get preemptionsOfLast(): number {
    let p = 0;
    for (const n of this.stack) p += n.options[n.at]?.cost ?? 0;
    return p;
  }

  /** The highest bound whose schedules were all run (-1 before the first level ends). */
  get completed(): number {
    return this.completedLevel;
  }

  coverage(): Coverage {
    if (this.completedLevel < 0)
      return {
        kind: 'partial',
        text: `partial: some schedules with <= ${this.level} preemptions (${this.executions} executions)`,
        preemptions: -1,
      };
    return {
      kind: 'bounded',
      text: `bounded: all schedules with <= ${this.completedLevel} preemption${this.completedLevel === 1 ? '' : 's'} (${this.executions} executions)`,
      preemptions: this.completedLevel,
    };
  }
}

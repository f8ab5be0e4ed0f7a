/**
 * Replay: follow a recorded schedule step by step, then continue without
 * preemption. Replay is just another strategy, because a schedule is data.
 */
import { type Coverage, type ExecutionEnd, type SchedContext, type Strategy, nonPreemptive } from './strategy.js';
import type { Event } from './events.js';

/** One execution following `schedule` (thread per visible step), then without preemption. */
export class ReplayStrategy implements Strategy {
  readonly name = 'replay';
  private ran = false;
  /** Steps where the schedule named a thread that could not run (the replay diverged). */
  divergedAt = -1;

  constructor(private readonly schedule: readonly number[]) {}

  newExecution(): boolean {
    if (this.ran) return false;
    this.ran = true;
    return true;
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    const want = this.schedule[ctx.step];
    if (want !== undefined) {
      if (enabled.includes(want)) return want;
      if (this.divergedAt < 0) this.divergedAt = ctx.step;
    }
    return nonPreemptive(enabled, ctx.current);
  }

  endExecution(_e: readonly Event[], _info: ExecutionEnd): void {}

  coverage(): Coverage {
    return {
      kind: 'replay',
      text: `replay of one schedule (${this.schedule.length} steps)${this.divergedAt >= 0 ? `, diverged at step ${this.divergedAt}` : ''}`,
    };
  }
}

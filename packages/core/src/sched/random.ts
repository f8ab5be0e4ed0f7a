/**
 * Random walk: at each step, a uniformly random enabled thread (shuttle's
 * RandomScheduler). No guarantee, but SCTBench found it "at least as
 * effective as schedule bounding" in practice (Thomson, Donaldson, Betts,
 * PPoPP 2014).
 */
import type { Coverage, ExecutionEnd, SchedContext, Strategy } from './strategy.js';
import type { Event } from './events.js';
import { Rng } from './rng.js';

/** A uniformly random enabled thread at every step, `maxRuns` runs; seeded, no guarantee. */
export class RandomStrategy implements Strategy {
  readonly name = 'random';
  private rng: Rng;
  private runs = 0;

  constructor(
    private readonly maxRuns: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  newExecution(): boolean {
    return this.runs < this.maxRuns;
  }

  next(enabled: readonly number[], _ctx: SchedContext): number {
    return enabled[this.rng.int(enabled.length)]!;
  }

  endExecution(_e: readonly Event[], _info: ExecutionEnd): void {
    this.runs++;
  }

  coverage(): Coverage {
    return { kind: 'sampled', text: `${this.runs} random walks (no coverage guarantee)`, runs: this.runs };
  }
}

/** Strategy factory: builds a strategy by name for the CLI and the browser. */
import type { Strategy } from './strategy.js';
import { DfsStrategy } from './dfs.js';
import { ReplayStrategy } from './replay.js';
import { DporStrategy } from './dpor.js';
import { BoundedStrategy } from './bounded.js';
import { PctStrategy } from './pct.js';
import { RandomStrategy } from './random.js';
import { PortfolioStrategy } from './portfolio.js';

/** The strategies by name (the CLI's `--strategy`). */
export type StrategyName = 'portfolio' | 'dpor' | 'source-dpor' | 'bounded' | 'pct' | 'random' | 'dfs' | 'replay';

/** Parameters of the strategies, for makeStrategy; each strategy reads its own. */
export interface StrategyOptions {
  /** Number of threads of the scenario (the explorer sets it). */
  nthreads?: number;
  /** Replay: the schedule. */
  schedule?: number[];
  /** Seed of the randomised strategies (default 1). */
  seed?: number;
  /** Bounded: the highest preemption bound (default 2). */
  preemptions?: number;
  /** PCT: the depth (default 3). */
  depth?: number;
  /** PCT and random: number of runs (default 1000). */
  runs?: number;
  /** Portfolio: executions budget it divides between its phases (default 20000). */
  executions?: number;
  /** DPOR and source-DPOR: stateful DPOR (DporOptions.stateCache). */
  stateCache?: boolean;
  /** With `stateCache`: the bound on its summaries' memory, bytes (DporOptions.stateCacheBytes). */
  stateCacheBytes?: number;
  /** With `stateCache`: the explorer's ExploreOptions.stateCacheEvery, for the coverage line (DporOptions.stateCacheEvery). */
  stateCacheEvery?: number;
}

/** Every strategy name, the default first. */
export const STRATEGY_NAMES: StrategyName[] = [
  'portfolio',
  'dpor',
  'source-dpor',
  'bounded',
  'pct',
  'random',
  'dfs',
  'replay',
];

/**
 * A fresh strategy by name, with the defaults documented on StrategyOptions.
 * The portfolio splits `executions` as 60% DPOR, 20% preemption bounding
 * (up to `preemptions`, default 3) and 10% PCT at each of depths 2 and 3.
 */
export function makeStrategy(name: StrategyName, opts: StrategyOptions = {}): Strategy {
  switch (name) {
    case 'dfs':
      return new DfsStrategy();
    case 'replay':
      return new ReplayStrategy(opts.schedule ?? []);
    case 'dpor':
      return new DporStrategy({
        mode: 'optimal',
        nthreads: opts.nthreads ?? 8,
        stateCache: opts.stateCache,
        stateCacheBytes: opts.stateCacheBytes,
        stateCacheEvery: opts.stateCacheEvery,
      });
    case 'source-dpor':
      return new DporStrategy({
        mode: 'source',
        nthreads: opts.nthreads ?? 8,
        stateCache: opts.stateCache,
        stateCacheBytes: opts.stateCacheBytes,
        stateCacheEvery: opts.stateCacheEvery,
      });
    case 'bounded':
      return new BoundedStrategy(opts.preemptions ?? 2);
    case 'pct':
      return new PctStrategy(opts.nthreads ?? 2, opts.depth ?? 3, opts.runs ?? 1000, opts.seed ?? 1);
    case 'random':
      return new RandomStrategy(opts.runs ?? 1000, opts.seed ?? 1);
    case 'portfolio': {
      const total = opts.executions ?? 20_000;
      return new PortfolioStrategy({
        nthreads: opts.nthreads ?? 2,
        seed: opts.seed ?? 1,
        dporExecutions: Math.floor(total * 0.6),
        boundedExecutions: Math.floor(total * 0.2),
        maxPreemptions: opts.preemptions ?? 3,
        pctRuns: Math.floor(total * 0.1),
        pctDepths: [2, 3],
      });
    }
  }
}

export * from './strategy.js';
export * from './events.js';
export * from './explorer.js';
export {
  encodeSchedule,
  decodeSchedule,
  decodeToken,
  faultsToken,
  findingToken,
  threadToken,
  type DecodedToken,
  type Schedule,
} from './schedule.js';
export { declaredFaults, enumeratesFaults, findingSpec, withPlan, MAX_FAULT_PLANS } from './faults.js';
export { DfsStrategy } from './dfs.js';
export { ReplayStrategy } from './replay.js';
export { DporStrategy } from './dpor.js';
export { BoundedStrategy } from './bounded.js';
export { PctStrategy, formatP } from './pct.js';
export { RandomStrategy } from './random.js';
export { PortfolioStrategy } from './portfolio.js';
export { Rng } from './rng.js';

/** Strategy factory: builds a strategy by name for the CLI and the browser. */
import type { Strategy } from './strategy.js';
import { DfsStrategy } from './dfs.js';
import { ReplayStrategy } from './replay.js';
import { DporStrategy } from './dpor.js';

export type StrategyName = 'dfs' | 'replay' | 'dpor' | 'source-dpor';

export interface StrategyOptions {
  /** Number of threads of the scenario (the explorer sets it). */
  nthreads?: number;
  schedule?: number[];
  seed?: number;
  preemptions?: number;
}

export const STRATEGY_NAMES: StrategyName[] = ['dpor', 'source-dpor', 'dfs', 'replay'];

export function makeStrategy(name: StrategyName, opts: StrategyOptions = {}): Strategy {
  switch (name) {
    case 'dfs': return new DfsStrategy();
    case 'replay': return new ReplayStrategy(opts.schedule ?? []);
    case 'dpor': return new DporStrategy({ mode: 'optimal', nthreads: opts.nthreads ?? 8 });
    case 'source-dpor': return new DporStrategy({ mode: 'source', nthreads: opts.nthreads ?? 8 });
  }
}

export * from './strategy.js';
export * from './events.js';
export * from './explorer.js';
export { DfsStrategy } from './dfs.js';
export { ReplayStrategy } from './replay.js';
export { DporStrategy } from './dpor.js';

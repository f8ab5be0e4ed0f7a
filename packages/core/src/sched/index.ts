/** Strategy factory: builds a strategy by name for the CLI and the browser. */
import type { Strategy } from './strategy.js';
import { DfsStrategy } from './dfs.js';
import { ReplayStrategy } from './replay.js';

export type StrategyName = 'dfs' | 'replay';

export interface StrategyOptions {
  schedule?: number[];
  seed?: number;
  preemptions?: number;
}

export const STRATEGY_NAMES: StrategyName[] = ['dfs', 'replay'];

export function makeStrategy(name: StrategyName, opts: StrategyOptions = {}): Strategy {
  switch (name) {
    case 'dfs': return new DfsStrategy();
    case 'replay': return new ReplayStrategy(opts.schedule ?? []);
  }
}

export * from './strategy.js';
export * from './events.js';
export * from './explorer.js';
export { DfsStrategy } from './dfs.js';
export { ReplayStrategy } from './replay.js';

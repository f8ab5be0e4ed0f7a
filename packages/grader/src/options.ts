/** Parsing of shared CLI options. */
import type { Budget, StrategyName, StrategyOptions } from '@teardown/core';
import { UsageError } from './errors.js';

/** `5000` executions, `10s`, `500ms`, or `5000,10s`. */
export function parseBudget(spec: string | undefined): Budget | undefined {
  if (!spec) return undefined;
  const b: Budget = {};
  for (const part of spec.split(',')) {
    const p = part.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)$/.exec(p))) b.executions = Number(m[1]);
    else if ((m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(p)))
      b.ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
    else
      throw new UsageError(
        `bad --budget '${spec}': use a number of executions (5000), a time (10s, 500ms), or both (5000,10s)`,
      );
  }
  return b;
}

function int(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`bad --${name} '${v}': expected a whole number from ${min} to ${max}`);
  return Number(v);
}

export interface ExplorationCliOptions {
  strategy: string;
  preemptions?: string;
  depth?: string;
  runs?: string;
  seed?: string;
  budget?: string;
}

/** Strategy options from the command line (validated; UsageError on bad values). */
export function strategyOptions(
  o: ExplorationCliOptions,
): StrategyOptions & { strategy: StrategyName; budget?: Budget } {
  const budget = parseBudget(o.budget);
  return {
    strategy: o.strategy as StrategyName,
    preemptions: int('preemptions', o.preemptions, 0, 20),
    depth: int('depth', o.depth, 1, 10),
    runs: int('runs', o.runs, 1, 10_000_000),
    seed: int('seed', o.seed, 0, 2 ** 32 - 1),
    executions: budget?.executions,
    budget,
  };
}

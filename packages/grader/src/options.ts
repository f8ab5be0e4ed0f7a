/**
 * Parsing of the options the commands share: `--seed`, `--budget`, `--jobs`,
 * `--timeout` (and the strategy knobs). Every number is a whole decimal number
 * in range (`1e300`, `0x10`, `''`, `abc`, `-1` are refused); a bad value is a
 * UsageError naming the option, so every command rejects the same values.
 */
import type { Budget, StrategyName, StrategyOptions } from '@teardown/core';
import { UsageError } from './errors.js';

/** `5000` executions, `10s`, `500ms`, or `5000,10s`. */
export function parseBudget(spec: string | undefined): Budget | undefined {
  if (spec === undefined) return undefined;
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

/**
 * The value of option `--<name>` as a whole decimal number from `min` to
 * `max`, or undefined when the option was not given; UsageError otherwise.
 */
export function int(name: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`bad --${name} '${v}': expected a whole number from ${min} to ${max}`);
  return Number(v);
}

/** The largest seed of the randomised strategies (a 32-bit unsigned number). */
export const MAX_SEED = 2 ** 32 - 1;
/** The most worker threads `batch --jobs` starts. */
export const MAX_JOBS = 64;
/** The longest `batch --timeout`, in seconds (a day). */
export const MAX_TIMEOUT_S = 86_400;

/** `--seed <n>`: 0 to 2^32-1, or undefined. */
export function parseSeed(v: string | undefined): number | undefined {
  return int('seed', v, 0, MAX_SEED);
}

/** The largest `--state-cache-mb` (1 TB). */
export const MAX_STATE_CACHE_MB = 2 ** 20;

/** `--state-cache-mb <n>`: 1 MB to 1 TB for the state cache's summaries, in bytes, or undefined. */
export function parseStateCacheMb(v: string | undefined): number | undefined {
  const mb = int('state-cache-mb', v, 1, MAX_STATE_CACHE_MB);
  return mb === undefined ? undefined : mb * 2 ** 20;
}

/** `--jobs <n>`: 1 to 64 worker threads, or undefined. */
export function parseJobs(v: string | undefined): number | undefined {
  return int('jobs', v, 1, MAX_JOBS);
}

/** `--timeout <seconds>`: 1 to 86400 seconds per submission, in milliseconds, or undefined. */
export function parseTimeoutMs(v: string | undefined): number | undefined {
  const s = int('timeout', v, 1, MAX_TIMEOUT_S);
  return s === undefined ? undefined : s * 1000;
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
    seed: parseSeed(o.seed),
    executions: budget?.executions,
    budget,
  };
}

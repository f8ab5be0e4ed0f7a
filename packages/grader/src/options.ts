/** Parsing of shared CLI options. */
import type { Budget } from '@teardown/core';
import { UsageError } from './cli.js';

/** `5000` executions, `10s`, `500ms`, or `5000,10s`. */
export function parseBudget(spec: string | undefined): Budget | undefined {
  if (!spec) return undefined;
  const b: Budget = {};
  for (const part of spec.split(',')) {
    const p = part.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)$/.exec(p))) b.executions = Number(m[1]);
    else if ((m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(p))) b.ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000);
    else throw new UsageError(`bad --budget '${spec}': use a number of executions (5000), a time (10s, 500ms), or both (5000,10s)`);
  }
  return b;
}

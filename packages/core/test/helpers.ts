/** Test helpers: compile and explore small programs. */
import { beforeAll } from 'vitest';
import { initNodeParser } from '../src/node.js';
import { checkProgram, type CheckOptions, type CheckReport } from '../src/check.js';
import type { FindingKind } from '../src/detect/finding.js';

export function useParser(): void {
  beforeAll(async () => {
    await initNodeParser();
  });
}

/** Check a program and return its report. */
export async function check(src: string, opts: CheckOptions = {}): Promise<CheckReport> {
  return checkProgram('test.c', src, { traces: false, ...opts });
}

/** The sorted, distinct finding kinds of a report. */
export function kinds(r: CheckReport): FindingKind[] {
  return [...new Set(r.findings.map((f) => f.kind))].sort();
}

/**
 * Runs a property's `fc.assert` round again, up to `rounds` rounds in all, until `met()`: for a property test
 * that also claims its random inputs met some case (a unit adopted part-way, an exploration pruned). Which
 * inputs meet it is chance, so one round of a few dozen runs now and then meets none; a second round makes
 * that claim fail only when the case is truly never met. Round `i` gets the seed `base + i` to pass to
 * `fc.assert`: the suite stays reproducible, and a change that makes the generator meet the case less often
 * fails at once rather than now and then in CI.
 */
export async function untilMet(
  met: () => boolean,
  round: (seed: number) => Promise<void> | void,
  rounds = 5,
  base = PROPERTY_SEED,
): Promise<void> {
  for (let i = 0; i < rounds && (i === 0 || !met()); i++) await round(base + i);
}

/** The first seed of a property test's rounds ({@link untilMet}). */
export const PROPERTY_SEED = 20261206;

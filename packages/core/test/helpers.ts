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

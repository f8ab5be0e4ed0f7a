/** Batch results that carry no grading (kept apart from task.ts, the worker, so the main thread need not load the grader). */
import type { BatchResult } from './task.js';

/** The result of a submission that could not be graded (unreadable, timed out, the worker failed): `error` says why. */
export function errorResult(name: string, maxScore: number, error: string, files: string[] = []): BatchResult {
  return { name, files, status: 'error', score: 0, maxScore, scenarios: [], diagnostics: [], error };
}

/**
 * Keep the text (with its trace table, tens of kilobytes) of only the first
 * finding of each kind and title, in the order of `results` (name order, so
 * the results file does not depend on which worker finished first): the class
 * report needs one example each, and every submission's full text is in its
 * report file. Returns new results; the input is not changed.
 */
export function keepOneExample(results: readonly BatchResult[]): BatchResult[] {
  const seen = new Set<string>();
  return results.map((r) => ({
    ...r,
    scenarios: r.scenarios.map((s) => ({
      ...s,
      findings: s.findings.map((f) => {
        const key = `${f.kind}\u0000${f.title}`;
        if (f.text === undefined) return f;
        if (!seen.has(key)) {
          seen.add(key);
          return f;
        }
        const { text: _text, ...rest } = f;
        return rest;
      }),
    })),
  }));
}

/** Batch results that carry no grading (kept apart from task.ts, the worker, so the main thread need not load the grader). */
import type { BatchResult } from './task.js';

/** The result of a submission that could not be graded (unreadable, timed out, the worker failed): `error` says why. */
export function errorResult(name: string, maxScore: number, error: string, files: string[] = []): BatchResult {
  return { name, files, status: 'error', score: 0, maxScore, scenarios: [], diagnostics: [], error };
}

/**
 * One batch job: grade one submission (a file, or a folder of files) and
 * return its summary. Runs in a piscina worker; also callable in-process.
 * Never throws for a bad submission: unreadable, binary or oversized files,
 * files that are not regular files, and paths that leave the submission
 * folder become an `error` result with the reason (input.ts).
 */
import { basename } from 'node:path';
import { initNodeParser } from '@teardown/core/node';
import { grade, type GradeReport } from '../grade/grade.js';
import { loadExercise } from '../exercise/node.js';
import type { Exercise } from '../exercise/manifest.js';
import { readSubmission } from '../input.js';
import { errorResult } from './result.js';

export interface BatchTask {
  exerciseDir: string;
  /** The submission folder: nothing outside it is read (input.ts, readSubmission). */
  root: string;
  /** An entry of `root`: a .c file, or a folder whose .c files form one submission. */
  path: string;
  reproducible?: boolean;
  seed?: number;
}

export interface BatchScenarioSummary {
  id: string;
  status: 'passed' | 'failed' | 'error';
  score: number;
  findings: { kind: string; title: string; token?: string }[];
}

export interface BatchResult {
  name: string;
  files: string[];
  status: 'passed' | 'failed' | 'error';
  score: number;
  maxScore: number;
  scenarios: BatchScenarioSummary[];
  diagnostics: { file: string; line: number; column: number; message: string }[];
  /** Why the submission could not be graded at all. */
  error?: string;
  ms?: number;
}

/** The summary of a full report. */
export function summarise(name: string, r: GradeReport): BatchResult {
  return {
    name,
    files: r.submission,
    status: r.status,
    score: r.score,
    maxScore: r.maxScore,
    scenarios: r.scenarios.map((s) => ({
      id: s.id,
      status: s.status,
      score: s.score,
      findings: s.findings.map((f) => ({ kind: f.kind, title: f.title, token: f.token })),
    })),
    diagnostics: r.diagnostics.map((d) => ({ file: d.file, line: d.line, column: d.column, message: d.message })),
    ...(r.ms !== undefined ? { ms: r.ms } : {}),
  };
}

const exercises = new Map<string, Exercise>();

/** Grade one submission of a batch. */
export async function runBatchTask(t: BatchTask): Promise<BatchResult> {
  const name = basename(t.path);
  let ex = exercises.get(t.exerciseDir);
  if (!ex) {
    ex = loadExercise(t.exerciseDir);
    exercises.set(t.exerciseDir, ex);
  }
  const maxScore = ex.scenarios.reduce((a, s) => a + s.points, 0);
  let files: { name: string; text: string }[];
  try {
    files = readSubmission(t.root, t.path);
  } catch (e) {
    return errorResult(name, maxScore, (e as Error).message);
  }
  try {
    await initNodeParser();
    const r = await grade(ex, files, { reproducible: t.reproducible, seed: t.seed });
    return summarise(name, r);
  } catch (e) {
    return errorResult(
      name,
      maxScore,
      `internal error: ${(e as Error).message}`,
      files.map((f) => f.name),
    );
  }
}

export default runBatchTask;

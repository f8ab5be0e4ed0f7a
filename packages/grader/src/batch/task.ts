/**
 * One batch job: grade one submission (a file, or a folder of files) and
 * return its summary. Runs in a piscina worker; also callable in-process.
 * Never throws for a bad submission: unreadable, binary or oversized files,
 * files that are not regular files, and paths that leave the submission
 * folder become an `error` result with the reason (input.ts).
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { initNodeParser } from '@teardown/core/node';
import { grade, type GradeReport } from '../grade/grade.js';
import { textOptions } from '../commands/grade.js';
import { findingText, renderText, type TextOptions } from '../render/text.js';
import { submissionHash } from './journal.js';
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
  /** Where to write the submission's text report (verdicts, findings, traces); none when absent. */
  reportFile?: string;
}

export interface BatchScenarioSummary {
  id: string;
  status: 'passed' | 'failed' | 'error';
  score: number;
  /**
   * Charged findings; `text` is the finding as the text report prints it, with its minimised trace
   * table (in a results file, only on the first finding of each kind and title: batch/result.ts).
   */
  findings: { kind: string; title: string; token?: string; text?: string }[];
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
  /** SHA-256 of the graded files (batch/journal.ts): what a resumed batch compares. */
  hash?: string;
  /** The text report's file name, relative to the results file's folder (batch writes one per submission). */
  report?: string;
}

/** The summary of a full report; with text options, each finding keeps its text with the trace table. */
export function summarise(name: string, r: GradeReport, text?: TextOptions): BatchResult {
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
      findings: s.findings.map((f) => ({
        kind: f.kind,
        title: f.title,
        token: f.token,
        ...(text ? { text: findingText(f, s, text) } : {}),
      })),
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
    const text = textOptions(ex, files);
    if (t.reportFile) writeFileSync(t.reportFile, `${renderText(r, text)}\n`);
    return { ...summarise(name, r, text), hash: submissionHash(files) };
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

/**
 * One batch job: grade one submission (a file, or a folder of files) and
 * return its summary. Runs in a piscina worker; also callable in-process.
 * Never throws for a bad submission: unreadable, binary or oversized files
 * become an `error` result with the reason.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { initNodeParser } from '@teardown/core/node';
import { grade, type GradeReport } from '../grade/grade.js';
import { loadExercise } from '../exercise/node.js';
import type { Exercise } from '../exercise/manifest.js';

export interface BatchTask {
  exerciseDir: string;
  /** A .c file, or a folder whose .c files form one submission. */
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

const MAX_BYTES = 512 * 1024;

/** Read a submission's files; throws Error with a reason a person can act on. */
export function readSubmission(path: string): { name: string; text: string }[] {
  const st = statSync(path);
  const paths = st.isDirectory()
    ? readdirSync(path)
        .filter((n) => n.endsWith('.c'))
        .sort()
        .map((n) => join(path, n))
    : [path];
  if (!paths.length) throw new Error('no .c files');
  return paths.map((p) => {
    const bytes = readFileSync(p);
    if (bytes.length > MAX_BYTES) throw new Error(`${basename(p)} is ${bytes.length} bytes; the limit is ${MAX_BYTES}`);
    if (bytes.includes(0)) throw new Error(`${basename(p)} is not a text file (it contains NUL bytes)`);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
    if (text.includes('\ufffd')) throw new Error(`${basename(p)} is not UTF-8 text`);
    return { name: basename(p), text };
  });
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
    files = readSubmission(t.path);
  } catch (e) {
    return {
      name,
      files: [],
      status: 'error',
      score: 0,
      maxScore,
      scenarios: [],
      diagnostics: [],
      error: (e as Error).message,
    };
  }
  try {
    await initNodeParser();
    const r = await grade(ex, files, { reproducible: t.reproducible, seed: t.seed });
    return summarise(name, r);
  } catch (e) {
    return {
      name,
      files: files.map((f) => f.name),
      status: 'error',
      score: 0,
      maxScore,
      scenarios: [],
      diagnostics: [],
      error: `internal error: ${(e as Error).message}`,
    };
  }
}

export default runBatchTask;

/**
 * `teardown autograder run <exercise> --submission DIR --format F --out FILE`:
 * what the platforms' entry points call (Gradescope's run_autograder,
 * PrairieLearn's run.sh, the Classroom workflow through `grade`). It picks
 * the file to grade from the upload (autograder/submission.ts), grades it
 * with a per-scenario time limit, and always writes a results file, also
 * when nothing could be graded: the student then reads why in the results.
 */
import { initNodeParser } from '@teardown/core/node';
import { grade, type GradeReport } from '../grade/grade.js';
import type { Exercise } from '../exercise/manifest.js';
import { textOptions } from '../commands/grade.js';
import { renderGradescope, type GradescopeResults } from '../render/gradescope.js';
import { refusedPrairieLearn, renderPrairieLearn } from '../render/prairielearn.js';
import { renderClassroom, type ClassroomResult } from '../render/classroom.js';
import { checkOutputPath, writeOutputFile } from '../output.js';
import { int } from '../options.js';
import { UsageError } from '../errors.js';
import { expectedFileName } from './bundle.js';
import { pickSubmission } from './submission.js';
import { RUN_FORMATS, type RunFormat } from './formats.js';

export { RUN_FORMATS, type RunFormat };

/** Options of `autograder run` as commander gives them. */
export interface RunCliOptions {
  submission: string;
  format: RunFormat;
  out: string;
  /** The file name asked for (default `<exercise>.c`). */
  file?: string;
  /** Seconds each scenario may take at most (default 60; the exercise's own budget applies when lower). */
  testTimeLimit?: string;
}

/** Default per-scenario time limit in seconds: a 12-scenario exercise stays far below Gradescope's 10 minutes. */
export const DEFAULT_TEST_TIME_LIMIT_S = 60;

/** The exercise's budget with its time cut to `limitMs` per scenario (exploration, minimisation and traces share it). */
export function limitedBudget(ex: Exercise, limitMs: number): { executions?: number; ms: number } {
  const b = ex.manifest.budget;
  return { ...(b.executions ? { executions: b.executions } : {}), ms: Math.min(b.ms ?? limitMs, limitMs) };
}

/** Gradescope results for an upload that was not graded: every scenario a failed test at 0, the reason on top. */
export function refusedGradescope(ex: Exercise, message: string): GradescopeResults {
  return {
    score: 0,
    output: message,
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: ex.scenarios.map((s, i) => ({
      score: 0,
      max_score: s.points,
      name: s.title,
      number: String(i + 1),
      output: `not graded: ${message}`,
      status: 'failed',
      visibility: s.visible ? 'visible' : 'after_published',
      tags: [],
    })),
  };
}

/** GitHub Classroom's payload for an upload that was not graded: every scenario a test with status error. */
export function refusedClassroom(ex: Exercise, message: string): ClassroomResult {
  return {
    version: 1,
    status: 'error',
    max_score: ex.scenarios.reduce((a, s) => a + s.points, 0),
    tests: ex.scenarios.map((s) => ({
      name: s.title,
      status: 'error',
      score: 0,
      message: `not graded: ${message}`,
      test_code: `teardown grade ${ex.manifest.id} --only ${s.id}`,
      filename: s.file,
      line_no: 0,
      duration: 0,
    })),
  };
}

/** Base64 of a value's JSON (UTF-8), as the Classroom graders set their `result` output. */
function base64Json(v: unknown): string {
  return Buffer.from(JSON.stringify(v), 'utf8').toString('base64');
}

/** Render a report, or the refusal, in the format asked for. */
function render(
  ex: Exercise,
  format: RunFormat,
  r: GradeReport | string,
  notes: string[],
  files: { name: string; text: string }[],
): string {
  if (typeof r === 'string') {
    const message = [...notes, r].join('\n');
    if (format === 'gradescope') return JSON.stringify(refusedGradescope(ex, message), null, 2);
    if (format === 'prairielearn') return JSON.stringify(refusedPrairieLearn(message), null, 2);
    if (format === 'github-classroom') return base64Json(refusedClassroom(ex, message));
    return JSON.stringify({ version: 1, status: 'error', refused: message }, null, 2);
  }
  const text = textOptions(ex, files);
  if (format === 'gradescope') {
    const g = renderGradescope(r, text);
    if (notes.length) g.output = `${notes.join('\n')}\n\n${g.output}`;
    return JSON.stringify(g, null, 2);
  }
  if (format === 'prairielearn') return JSON.stringify(renderPrairieLearn(r, text, notes), null, 2);
  if (format === 'github-classroom') return renderClassroom(r, text);
  return JSON.stringify({ ...r, notes }, null, 2);
}

/**
 * Grade the upload in `o.submission` and write the results to `o.out`.
 * Returns the exit code: 0 graded (whatever the score) or refused with a
 * results file written; usage errors throw UsageError.
 */
export async function autograderRun(ex: Exercise, o: RunCliOptions): Promise<number> {
  if (!RUN_FORMATS.includes(o.format))
    throw new UsageError(`bad --format '${o.format}': use ${RUN_FORMATS.join(', ')}`);
  const limitS = int('test-time-limit', o.testTimeLimit, 1, 3600) ?? DEFAULT_TEST_TIME_LIMIT_S;
  checkOutputPath(o.out);
  const picked = pickSubmission(o.submission, o.file ?? expectedFileName(ex));
  if (picked.refused) {
    writeOutputFile(o.out, `${render(ex, o.format, picked.refused, picked.notes, [])}\n`);
    process.stderr.write(`teardown: not graded: ${picked.refused}\n`);
    return 0;
  }
  await initNodeParser();
  // the platforms' formats name the model's own findings without their steps; `json` is the whole report
  const r = await grade(ex, picked.files, {
    budget: limitedBudget(ex, limitS * 1000),
    modelTraces: o.format === 'json',
  });
  writeOutputFile(o.out, `${render(ex, o.format, r, picked.notes, picked.files)}\n`);
  process.stderr.write(`teardown: ${picked.files[0]!.name}: ${r.status}, ${r.score}/${r.maxScore}\n`);
  return 0;
}

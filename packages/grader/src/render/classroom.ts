/**
 * GitHub Classroom: the result payload of the autograding graders
 * (classroom-resources/autograding-command-grader), base64 of
 * `{version: 1, status, max_score, tests: [...]}`, for the grading reporter
 * to sum. One payload carries every scenario, so partial credit works.
 */
import type { GradeReport } from '../grade/grade.js';
import { renderScenarioText, type TextOptions } from './text.js';

export interface ClassroomTest {
  name: string;
  status: 'pass' | 'fail' | 'error';
  score: number;
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  duration: number;
}

export interface ClassroomResult {
  version: 1;
  status: 'pass' | 'fail' | 'error';
  max_score: number;
  tests: ClassroomTest[];
}

export function classroomResult(r: GradeReport, o: TextOptions = {}): ClassroomResult {
  return {
    version: 1,
    status: r.status === 'passed' ? 'pass' : r.status === 'failed' ? 'fail' : 'error',
    max_score: r.maxScore,
    tests: r.scenarios.map((s) => ({
      name: s.title,
      status: s.status === 'passed' ? 'pass' : s.status === 'failed' ? 'fail' : 'error',
      score: s.score,
      message:
        s.status === 'error' && r.diagnostics.length
          ? r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n')
          : renderScenarioText(s, { ...o, traces: false }),
      test_code: `teardown grade ${r.exercise.id} --only ${s.id}`,
      filename: s.file,
      line_no: 0,
      duration: s.stats.ms ?? 0,
    })),
  };
}

/** The payload as the graders set their `result` output: base64 of the JSON. */
export function renderClassroom(r: GradeReport, o: TextOptions = {}): string {
  const json = JSON.stringify(classroomResult(r, o));
  const bytes = new TextEncoder().encode(json);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

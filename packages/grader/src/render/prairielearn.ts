/**
 * PrairieLearn's external grader results.json (PrairieLearn docs,
 * "External grading", "Grading results"): `gradable`, `score` in 0..1, a
 * `message`, `output`, and `tests` with `name`, `description`, `points`,
 * `max_points`, `message`, `output`, one per scenario. A submission that
 * does not compile is `gradable: false` with the diagnostics in
 * `format_errors`: PrairieLearn then counts no attempt against the student.
 * The file must stay under 1 MB; long test output is cut to fit. PrairieLearn
 * has no "shown after publication", so a hidden scenario shows its verdict and
 * finding title but not its trace.
 */
import type { GradeReport } from '../grade/grade.js';
import { renderScenarioText, type TextOptions } from './text.js';

/** One test as `<pl-external-grader-results>` shows it. */
export interface PrairieLearnTest {
  name: string;
  description: string;
  points: number;
  max_points: number;
  message: string;
  output: string;
}

/** The results.json object. */
export interface PrairieLearnResults {
  gradable: boolean;
  /** Fraction of the points earned, 0..1 (absent when not gradable). */
  score?: number;
  message: string;
  output: string;
  format_errors?: string[];
  tests: PrairieLearnTest[];
}

/** Longest output of one test, in characters (12 scenarios stay well under PrairieLearn's 1 MB). */
const MAX_TEST_OUTPUT = 60_000;

const cut = (s: string) =>
  s.length <= MAX_TEST_OUTPUT
    ? s
    : `${s.slice(0, MAX_TEST_OUTPUT)}\n... (cut: run teardown grade for the whole report)`;

/** The results of a graded (or not compiling) submission; `notes` go first in the message. */
export function renderPrairieLearn(r: GradeReport, o: TextOptions = {}, notes: string[] = []): PrairieLearnResults {
  const diagnostics = r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`);
  if (r.status === 'error' && diagnostics.length) {
    return {
      gradable: false,
      message: [...notes, 'The submission does not compile.'].join('\n'),
      output: diagnostics.join('\n'),
      format_errors: diagnostics,
      tests: [],
    };
  }
  const passed = r.scenarios.filter((s) => s.status === 'passed').length;
  return {
    gradable: true,
    score: r.maxScore ? r.score / r.maxScore : 0,
    message: [
      ...notes,
      `${r.exercise.title}: ${r.score}/${r.maxScore} (${passed} of ${r.scenarios.length} scenarios passed)`,
    ].join('\n'),
    output: '',
    tests: r.scenarios.map((s) => {
      const first = s.findings[0];
      return {
        name: s.title,
        description: `scenario ${s.id}${s.visible ? '' : ' (hidden)'}`,
        points: s.score,
        max_points: s.points,
        message: s.status === 'passed' ? 'passed' : first ? `${first.kind}: ${first.title}` : 'not finished',
        output: s.visible
          ? cut(renderScenarioText(s, o))
          : `${s.status === 'passed' ? 'passed' : 'failed'}: a hidden scenario (its trace is for the instructor: teardown grade)`,
      };
    }),
  };
}

/** Results for a submission that was not graded at all (wrong or missing files): not gradable, with the reason. */
export function refusedPrairieLearn(message: string): PrairieLearnResults {
  return { gradable: false, message, output: '', format_errors: [message], tests: [] };
}

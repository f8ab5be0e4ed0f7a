/**
 * Gradescope's results.json (gradescope-autograders.readthedocs.io, "Autograder
 * specifications"): one test per scenario with its points; hidden scenarios
 * are shown after grades are published.
 */
import type { GradeReport } from '../grade/grade.js';
import { notGradedHeading, renderScenarioText, type TextOptions } from './text.js';

export interface GradescopeTest {
  score: number;
  max_score: number;
  name: string;
  number: string;
  output: string;
  status: 'passed' | 'failed';
  visibility: 'visible' | 'after_published';
  tags: string[];
}

export interface GradescopeResults {
  score: number;
  execution_time?: number;
  output: string;
  visibility: 'visible';
  stdout_visibility: 'hidden';
  tests: GradescopeTest[];
}

export function renderGradescope(r: GradeReport, o: TextOptions = {}): GradescopeResults {
  const summary = r.diagnostics.length
    ? `${notGradedHeading(r)}\n${r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n')}`
    : `${r.exercise.title}: ${r.score}/${r.maxScore}`;
  return {
    score: r.score,
    ...(r.ms !== undefined ? { execution_time: Math.max(1, Math.round(r.ms / 1000)) } : {}),
    output: summary,
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: r.scenarios.map((s, i) => ({
      score: s.score,
      max_score: s.points,
      name: s.title,
      number: String(i + 1),
      output: renderScenarioText(s, o),
      status: s.status === 'passed' ? 'passed' : 'failed',
      visibility: s.visible ? 'visible' : 'after_published',
      tags: [...new Set(s.findings.map((f) => f.kind))],
    })),
  };
}

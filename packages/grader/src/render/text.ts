/**
 * A grade report as terminal text: one line per scenario with its verdict,
 * points and coverage; under a failed scenario, each charged finding as the
 * kernel would print it, the objects involved with their refcounts, and the
 * minimised interleaving as a table with one column per thread.
 */
import { renderFinding, traceTable } from '@teardown/core';
import type { GradeReport, GradedFinding, ScenarioResult } from '../grade/grade.js';

export interface TextOptions {
  /** Source texts by file name (model, submission, scenarios) for the trace table. */
  sources?: Map<string, string>;
  /** Print the trace tables (default true). */
  traces?: boolean;
  /** Flags a replay command needs besides the token (`--timeouts anytime`). */
  replayFlags?: string;
  /** The command that replays a finding (default: `teardown grade <exercise> <file.c> --only <scenario> --schedule <token>`). */
  replay?: (scenario: string, token: string) => string;
}

/**
 * One charged finding as text: the kernel-style report, the objects involved,
 * the trace table (unless `o.traces` is false), how many similar findings
 * were folded into it, and the command that replays it.
 */
export function findingText(f: GradedFinding, s: ScenarioResult, o: TextOptions): string {
  const table =
    o.traces !== false && (f.trace?.length || f.injected?.length)
      ? traceTable(f.trace ?? [], s.threads, {
          sources: o.sources,
          mark: f.trace?.[f.trace.length - 1]?.step,
          merge: true,
          injected: f.injected,
        })
      : undefined;
  const more = f.similar
    ? `\n        (${f.similar} more finding${f.similar === 1 ? '' : 's'} of this kind and title)`
    : '';
  const replay =
    f.token && !f.schedules
      ? `\n        replay it step by step: ${o.replay ? o.replay(s.id, f.token) : `teardown grade <exercise> <file.c> --only ${s.id} --schedule ${f.token}`}${o.replayFlags ? ` ${o.replayFlags}` : ''}`
      : '';
  return renderFinding(f, { trace: table, indent: '      ', names: s.threads }) + more + replay;
}

/** The whole report. */
export function renderText(r: GradeReport, o: TextOptions = {}): string {
  const out: string[] = [];
  out.push(`${r.exercise.id}: ${r.exercise.title}`);
  out.push(`submission: ${r.submission.join(', ')}${r.mode === 'quick' ? ' (quick run: visible scenarios)' : ''}`);
  if (r.modelPatch) out.push(`model patch: the submission's ${r.modelPatch.join(', ')} replace the model's`);
  out.push('');
  if (r.diagnostics.length) {
    out.push(notGradedHeading(r));
    for (const d of r.diagnostics) out.push(`  ${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);
    out.push('');
  }
  const w = Math.max(...r.scenarios.map((s) => s.id.length), 8);
  for (const s of r.scenarios) {
    const verdict = s.status === 'passed' ? 'PASS' : s.status === 'failed' ? 'FAIL' : 'SKIP';
    const cov = s.coverage ? s.coverage.text : 'not run';
    out.push(
      `  ${verdict}  ${s.id.padEnd(w)}  ${`${s.score}/${s.points}`.padStart(5)}  ${cov}${s.visible ? '' : '  [hidden]'}`,
    );
    if (s.status === 'failed' && !s.findings.length) out.push('        cancelled before the exploration finished');
    for (const f of s.findings) {
      out.push('');
      out.push(findingText(f, s, o));
    }
    if (s.findings.length) out.push('');
  }
  const model = r.scenarios.flatMap((s) => s.modelFindings.map((f) => ({ s, f })));
  if (model.length) {
    out.push('');
    out.push("In the model's own kernel code (the reference solution shows them too; not charged):");
    const seen = new Set<string>();
    for (const { s, f } of model) {
      if (seen.has(f.title)) continue;
      seen.add(f.title);
      out.push(`  [${f.kind}] ${f.title}  (${s.id}; replay with --schedule ${f.token ?? ''})`);
    }
  }
  out.push('');
  const passed = r.scenarios.filter((s) => s.status === 'passed').length;
  out.push(
    `score: ${r.score}/${r.maxScore}  (${passed} of ${r.scenarios.length} scenarios passed${r.ms !== undefined ? `, ${r.ms} ms` : ''})`,
  );
  return out.join('\n');
}

/** One scenario's findings as plain text (Gradescope and Classroom test output). */
export function renderScenarioText(s: ScenarioResult, o: TextOptions = {}): string {
  const lines = [
    `${s.status === 'passed' ? 'passed' : s.status === 'failed' ? 'failed' : 'not run'}: ${s.title}`,
    `coverage: ${s.coverage?.text ?? 'not run'}`,
  ];
  for (const f of s.findings) lines.push('', findingText(f, s, o));
  return lines.join('\n');
}

/** The first line of a report that was not graded: the submission does not compile, or the budget was too small. */
export function notGradedHeading(r: GradeReport): string {
  return r.why === 'budget' ? 'Not graded:' : 'The submission does not compile:';
}

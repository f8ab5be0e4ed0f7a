/**
 * A batch's scores as CSV for LMS gradebooks (RFC 4180: comma-separated,
 * CRLF line ends, fields with a comma, a quote or a line break quoted, quotes
 * doubled). One row per submission: its name, score, the maximum, status,
 * then the points of each scenario (in the exercise's order), then why it
 * could not be graded. A field that a spreadsheet would run as a formula
 * (starting with =, +, -, @) is prefixed with a quote (OWASP's CSV injection
 * advice): submission names come from students.
 */
import type { BatchResult } from '../batch/task.js';

const FORMULA = /^[=+\-@\t\r]/;

/** One CSV field. */
export function csvField(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The CSV text of a batch. `scenarioIds` gives the scenario columns; a
 * submission that was not graded has empty scenario cells.
 */
export function renderScoresCsv(results: readonly BatchResult[], scenarioIds: readonly string[]): string {
  const rows: (string | number)[][] = [['submission', 'score', 'max_score', 'status', ...scenarioIds, 'error']];
  for (const r of results) {
    const by = new Map(r.scenarios.map((s) => [s.id, s.score]));
    rows.push([r.name, r.score, r.maxScore, r.status, ...scenarioIds.map((id) => by.get(id) ?? ''), r.error ?? '']);
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

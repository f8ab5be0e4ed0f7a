/**
 * JUnit XML (the de-facto schema: testsuites > testsuite > testcase, with
 * failure / error children), one testcase per scenario; points go in
 * properties since JUnit has no field for them.
 */
import type { GradeReport } from '../grade/grade.js';
import { renderScenarioText, type TextOptions } from './text.js';

/** The control characters XML 1.0 forbids (all below U+0020 but tab, line feed and carriage return): dropped. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching these characters is the point
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

const esc = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(XML_FORBIDDEN, '');

export function renderJunit(r: GradeReport, o: TextOptions = {}): string {
  const failures = r.scenarios.filter((s) => s.status === 'failed').length;
  const errors = r.scenarios.filter((s) => s.status === 'error').length;
  const secs = (ms?: number) => ((ms ?? 0) / 1000).toFixed(3);
  const cases = r.scenarios.map((s) => {
    const head = `    <testcase classname="${esc(r.exercise.id)}" name="${esc(`${s.id}: ${s.title}`)}" time="${secs(s.stats.ms)}">`;
    const props = `      <properties><property name="points" value="${s.points}"/><property name="score" value="${s.score}"/><property name="visible" value="${s.visible}"/></properties>`;
    let body = '';
    if (s.status === 'failed') {
      const first = s.findings[0];
      body = `\n      <failure message="${esc(first ? `${first.kind}: ${first.title}` : 'not finished')}" type="${esc(first?.kind ?? 'cancelled')}">${esc(renderScenarioText(s, o))}</failure>`;
    } else if (s.status === 'error') {
      const [message, type] =
        r.why === 'budget'
          ? ['the budget ended before one full execution', 'budget']
          : ['the submission does not compile', 'compile'];
      body = `\n      <error message="${message}" type="${type}">${esc(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'))}</error>`;
    }
    return `${head}\n${props}${body}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="teardown" tests="${r.scenarios.length}" failures="${failures}" errors="${errors}" time="${secs(r.ms)}">`,
    `  <testsuite name="${esc(r.exercise.id)}" tests="${r.scenarios.length}" failures="${failures}" errors="${errors}" skipped="0" time="${secs(r.ms)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

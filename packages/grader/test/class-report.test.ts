/**
 * The class report's statistics and page, from a results file built here:
 * the histogram counts every submission once in its score's bar, pass rates
 * count graded submissions only, common findings are counted per submission
 * (not per scenario) with an example that has its trace, and the page is
 * self-contained (no script, no external reference) with one row per
 * submission and escaped names.
 */
import { describe, expect, it } from 'vitest';
import { classStats, scoreBins } from '../src/report/class-stats.js';
import { renderClassReport } from '../src/report/class-html.js';
import type { BatchFile } from '../src/commands/batch.js';
import type { BatchResult } from '../src/batch/task.js';

const uaf = { kind: 'use-after-free', title: 'BUG: KASAN: slab-use-after-free in f', token: 'a1b2' };
const scen = (id: string, passed: boolean, findings = passed ? [] : [{ ...uaf, text: '      BUG: KASAN trace' }]) => ({
  id,
  status: passed ? ('passed' as const) : ('failed' as const),
  score: passed ? 2 : 0,
  findings,
});
const result = (name: string, a: boolean, b: boolean, status?: 'error'): BatchResult => ({
  name,
  files: [name],
  status: status ?? (a && b ? 'passed' : 'failed'),
  score: status ? 0 : (a ? 2 : 0) + (b ? 2 : 0),
  maxScore: 4,
  scenarios: status ? [] : [scen('one', a), scen('two', b)],
  diagnostics: status ? [{ file: name, line: 1, column: 1, message: 'expected ;' }] : [],
  report: `class.reports/${name}.txt`,
});

const file: BatchFile = {
  version: 1,
  exercise: { id: 'ex', title: 'An <exercise>' },
  maxScore: 4,
  scenarios: [
    { id: 'one', title: 'one', points: 2, visible: true },
    { id: 'two', title: 'two', points: 2, visible: false },
  ],
  summary: { submissions: 5, passed: 1, failed: 3, error: 1, meanScore: 1.6 },
  reports: 'class.reports',
  csv: 'class.csv',
  results: [
    result('a.c', true, true),
    result('b.c', true, false),
    result('c.c', false, false),
    result('<script>.c', false, true),
    result('d.c', false, false, 'error'),
  ],
};

describe('class report', () => {
  it('bins every submission once, by score, not gradable apart', () => {
    const bins = scoreBins(file.results, 4);
    expect(bins.map((b) => b.label)).toEqual(['0', '1', '2', '3', '4']);
    expect(bins.map((b) => [b.graded, b.notGradable])).toEqual([
      [1, 1],
      [0, 0],
      [2, 0],
      [0, 0],
      [1, 0],
    ]);
    expect(scoreBins([{ ...file.results[0]!, score: 100, maxScore: 100 }], 100)).toHaveLength(10);
  });

  it('computes pass rates over graded submissions and counts findings per submission', () => {
    const s = classStats(file);
    expect(s.scenarios.map((x) => [x.id, x.passed, x.graded])).toEqual([
      ['one', 2, 4],
      ['two', 2, 4],
    ]);
    expect(s.findings).toHaveLength(1);
    expect(s.findings[0]).toMatchObject({ kind: 'use-after-free', submissions: 3, scenarios: ['one', 'two'] });
    expect(s.findings[0]!.example.text).toContain('BUG: KASAN trace');
    expect(s.summary.median).toBe(2);
  });

  it('renders a self-contained page with the four views and escaped names', async () => {
    const html = await renderClassReport(classStats(file));
    expect(html).not.toMatch(/<script/i);
    expect(html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]+"/g, '')).not.toMatch(/(src|href)="https?:/);
    for (const id of ['histogram', 'pass-rates', 'findings', 'submissions']) expect(html).toContain(`id="${id}"`);
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html.match(/<tr class="submission">/g)).toHaveLength(5);
    expect(html).toContain('&lt;script&gt;.c');
    expect(html).toContain('href="class.reports/%3Cscript%3E.c.txt"');
    expect(html).toContain('An &lt;exercise&gt;');
    expect(html).toContain('does not compile: expected ;');
  });
});

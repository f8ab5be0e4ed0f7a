/**
 * What the class report shows, computed from a batch results file
 * (commands/batch.ts, BatchFile): the score histogram, the pass rate of each
 * scenario, the findings most common across the class with one example each,
 * and one row per submission. Pure: no file system, no rendering.
 */
import type { BatchFile } from '../commands/batch.js';
import type { BatchResult } from '../batch/task.js';

/** One bar of the histogram: the scores from `from` to `to` (inclusive), graded and not gradable submissions. */
export interface ScoreBin {
  label: string;
  from: number;
  to: number;
  graded: number;
  notGradable: number;
}

/** A scenario's pass rate over the submissions that were graded (not `error`). */
export interface ScenarioRate {
  id: string;
  title: string;
  points: number;
  visible: boolean;
  passed: number;
  graded: number;
  /** passed / graded, 0..1 (0 when nothing was graded). */
  rate: number;
}

/** A finding (kind and title) with the number of submissions that have it and one example. */
export interface CommonFinding {
  kind: string;
  title: string;
  submissions: number;
  /** The scenarios it was charged in, by id. */
  scenarios: string[];
  example: { submission: string; scenario: string; text?: string; report?: string };
}

/** Everything the class report draws. */
export interface ClassStats {
  exercise: { id: string; title: string };
  maxScore: number;
  summary: BatchFile['summary'] & { median: number };
  histogram: ScoreBin[];
  scenarios: ScenarioRate[];
  findings: CommonFinding[];
  results: BatchResult[];
}

/** Histogram bins: one per score when the maximum is at most 30, else ten equal ranges. */
export function scoreBins(results: readonly BatchResult[], maxScore: number): ScoreBin[] {
  const perScore = maxScore <= 30;
  const n = perScore ? Math.floor(maxScore) + 1 : 10;
  const width = perScore ? 1 : maxScore / 10;
  const bins: ScoreBin[] = Array.from({ length: n }, (_, i) => {
    const from = perScore ? i : Math.round(i * width * 10) / 10;
    const to = perScore ? i : Math.round((i + 1) * width * 10) / 10;
    return { label: perScore ? String(i) : `${from}-${to}`, from, to, graded: 0, notGradable: 0 };
  });
  for (const r of results) {
    const i = perScore ? Math.min(n - 1, Math.floor(r.score)) : Math.min(n - 1, Math.floor(r.score / width));
    const bin = bins[Math.max(0, i)]!;
    if (r.status === 'error') bin.notGradable++;
    else bin.graded++;
  }
  return bins;
}

/** The class's statistics; `top` is how many common findings to keep (default 10). */
export function classStats(file: BatchFile, top = 10): ClassStats {
  const results = [...file.results].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const graded = results.filter((r) => r.status !== 'error');
  const scenarios: ScenarioRate[] = file.scenarios.map((s) => {
    const passed = graded.filter((r) => r.scenarios.find((x) => x.id === s.id)?.status === 'passed').length;
    return { ...s, passed, graded: graded.length, rate: graded.length ? passed / graded.length : 0 };
  });
  const byKey = new Map<string, CommonFinding & { seen: Set<string> }>();
  for (const r of results) {
    for (const s of r.scenarios) {
      for (const f of s.findings) {
        const key = `${f.kind}\u0000${f.title}`;
        let c = byKey.get(key);
        if (!c) {
          c = {
            kind: f.kind,
            title: f.title,
            submissions: 0,
            scenarios: [],
            example: { submission: r.name, scenario: s.id, text: f.text, report: r.report },
            seen: new Set(),
          };
          byKey.set(key, c);
        }
        if (!c.scenarios.includes(s.id)) c.scenarios.push(s.id);
        if (!c.seen.has(r.name)) {
          c.seen.add(r.name);
          c.submissions++;
        }
        // prefer an example with its trace text
        if (!c.example.text && f.text)
          c.example = { submission: r.name, scenario: s.id, text: f.text, report: r.report };
      }
    }
  }
  const findings = [...byKey.values()]
    .sort((a, b) => b.submissions - a.submissions || (a.title < b.title ? -1 : 1))
    .slice(0, top)
    .map(({ seen: _seen, ...c }) => c);
  const scores = results.map((r) => r.score).sort((a, b) => a - b);
  const mid = scores.length >> 1;
  const median = !scores.length ? 0 : scores.length % 2 ? scores[mid]! : (scores[mid - 1]! + scores[mid]!) / 2;
  return {
    exercise: file.exercise,
    maxScore: file.maxScore,
    summary: { ...file.summary, median },
    histogram: scoreBins(results, file.maxScore),
    scenarios,
    findings,
    results,
  };
}

/**
 * An exercise's own checks (docs/grading.md, "An exercise"): the solution passes every
 * scenario, every known-bad version fails with each finding kind it
 * declares, the starter compiles and does not pass, and the reference
 * model findings are the ones the solution shows today.
 */
import { goalMet } from '@teardown/core';
import type { Exercise } from './manifest.js';
import { grade, referenceModelFindings, type GradeReport, type GradeRunner } from '../grade/grade.js';

export interface ExerciseCheck {
  name: string;
  ok: boolean;
  detail: string;
  report?: GradeReport;
}

const kindsOf = (r: GradeReport) => [...new Set(r.scenarios.flatMap((s) => s.findings.map((f) => f.kind)))].sort();

/**
 * Run every check; `bare` skips minimisation (faster; the verdicts are the
 * same). With `challenges`, also that each play challenge's `minimal` is the
 * checker's minimised counterexample for its goal (a minimised grading of its
 * scenario per challenge: `teardown exercise` does it; the unit tests win each
 * challenge by playing instead, test/challenges.test.ts). With a `runner`
 * (worker threads: parallel/pool.ts), every grading is started at once, so
 * the workers share out the scenarios of all the versions; the checks are
 * still reported in the same order, with the same reports.
 */
export async function checkExercise(
  ex: Exercise,
  opts: { bare?: boolean; challenges?: boolean; onCheck?: (c: ExerciseCheck) => void; runner?: GradeRunner } = {},
): Promise<ExerciseCheck[]> {
  const out: ExerciseCheck[] = [];
  const push = (c: ExerciseCheck) => {
    out.push(c);
    opts.onCheck?.(c);
  };
  const text = (p: string) => ex.files.get(p)!;
  const runner = opts.runner;
  const run = (file: string, extra: { replaces?: string[]; bare?: boolean; only?: string[] } = {}) =>
    grade(ex, [{ name: file, text: text(file) }], {
      bare: opts.bare,
      reproducible: true,
      ...extra,
      ...(runner ? { runner } : {}),
    });
  // with a runner, start every grading now (the pool queues their scenarios); else one at a time, below
  const kbRun = (kb: (typeof ex.manifest.knownBad)[number]) =>
    // a preemption count is a property of minimised counterexamples: those need a full (not bare) run
    run(kb.file, { replaces: kb.replaces, ...(kb.preemptions ? { bare: false } : {}) });
  const early = runner
    ? {
        starter: run(ex.manifest.starter),
        knownBad: ex.manifest.knownBad.map(kbRun),
        fresh: referenceModelFindings(ex, { runner }),
      }
    : undefined;
  for (const p of [early?.starter, ...(early?.knownBad ?? []), early?.fresh]) p?.catch(() => {}); // awaited below

  const sol = await run(ex.manifest.solution);
  push({
    name: 'solution passes',
    ok: sol.status === 'passed',
    report: sol,
    detail:
      sol.status === 'passed'
        ? `${sol.score}/${sol.maxScore}`
        : sol.diagnostics.length
          ? 'does not compile'
          : `fails ${sol.scenarios
              .filter((s) => s.status !== 'passed')
              .map((s) => `${s.id} (${s.findings.map((f) => f.kind).join(', ')})`)
              .join(', ')}`,
  });

  const starter = await (early?.starter ?? run(ex.manifest.starter));
  push({
    name: 'starter compiles and does not pass',
    ok: starter.status === 'failed',
    report: starter,
    detail:
      starter.status === 'error'
        ? `does not compile: ${starter.diagnostics[0]?.message}`
        : `${starter.score}/${starter.maxScore}`,
  });

  for (const [i, kb] of ex.manifest.knownBad.entries()) {
    const r = await (early?.knownBad[i] ?? kbRun(kb));
    const got = kindsOf(r);
    const missing = kb.kinds.filter((k) => !got.includes(k));
    const wrongPre = Object.entries(kb.preemptions ?? {}).flatMap(([kind, n]) => {
      const fewest = fewestPreemptions(r, kind);
      return fewest === n ? [] : [`${kind} needs ${fewest ?? 'no'} preemptions, not ${n}`];
    });
    const patch = kb.replaces?.length ? ` (model patch: ${kb.replaces.join(', ')})` : '';
    push({
      name: `${kb.file}${patch} fails with ${kb.kinds.join(', ')}`,
      ok: r.status === 'failed' && !missing.length && !wrongPre.length,
      report: r,
      detail:
        r.status === 'error'
          ? `does not compile: ${r.diagnostics[0]?.message}`
          : `found ${got.join(', ') || 'nothing'}${missing.length ? `; missing ${missing.join(', ')}` : ''}${wrongPre.length ? `; ${wrongPre.join('; ')}` : ''}`,
    });
  }

  // a challenge's minimal interleaving is the checker's: its scenario graded (minimised) reaches the goal with it
  for (const ch of opts.challenges ? (ex.manifest.challenges ?? []) : []) {
    const kb = ex.manifest.knownBad.find((k) => k.file === ch.program);
    const r = await run(ch.program, { replaces: kb?.replaces, bare: false, only: [ch.scenario] });
    const s = r.scenarios[0];
    // the goal may be a finding in the model's own code (the solution's stall): those are reported apart
    const hits = [...(s?.findings ?? []), ...(s?.modelFindings ?? [])].filter((f) => goalMet(ch.goal, [f]));
    hits.sort(
      (a, b) => (a.preemptions ?? 0) - (b.preemptions ?? 0) || (a.schedule?.length ?? 0) - (b.schedule?.length ?? 0),
    );
    const best = hits[0];
    const got = best
      ? { token: best.token, steps: best.schedule?.length ?? 0, preemptions: best.preemptions ?? 0 }
      : null;
    push({
      name: `challenge ${ch.id}: the checker's minimal interleaving is ${ch.minimal.token}`,
      ok: JSON.stringify(got) === JSON.stringify(ch.minimal),
      detail: got
        ? `checker: ${got.token}, ${got.steps} steps, ${got.preemptions} preemptions`
        : 'the goal is not reached',
    });
  }

  const fresh = await (early?.fresh ?? referenceModelFindings(ex));
  const stale = ex.scenarios.filter(
    (s) => JSON.stringify(fresh[s.id] ?? []) !== JSON.stringify([...(ex.modelFindings.get(s.id) ?? [])].sort()),
  );
  push({
    name: 'model findings are up to date',
    ok: stale.length === 0,
    detail: stale.length
      ? `differ in ${stale.map((s) => s.id).join(', ')} (run teardown exercise ${ex.manifest.id} --write-model-findings)`
      : `${Object.values(fresh).flat().length} keys`,
  });
  return out;
}

/** model-findings.json for the solution as it is now (graded in worker threads with a `runner`). */
export async function modelFindingsFile(ex: Exercise, runner?: GradeRunner): Promise<string> {
  const scenarios = await referenceModelFindings(ex, runner ? { runner } : {});
  return (
    JSON.stringify(
      {
        comment:
          "Findings in the model's own kernel code that the reference solution shows, by scenario. Generated by teardown exercise --write-model-findings; a test keeps it current.",
        scenarios,
      },
      null,
      2,
    ) + '\n'
  );
}

/** The fewest preemptions of a charged finding of `kind` over the report's scenarios, if any. */
function fewestPreemptions(r: GradeReport, kind: string): number | undefined {
  const ns = r.scenarios.flatMap((s) => s.findings.filter((f) => f.kind === kind).map((f) => f.preemptions ?? 0));
  return ns.length ? Math.min(...ns) : undefined;
}

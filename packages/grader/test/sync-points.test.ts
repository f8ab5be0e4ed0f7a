/**
 * Grading at synchronisation points (`--sync-points`; core's
 * sched/sync-points.ts): every exercise's solution and known-bad versions
 * get the same verdicts, trace counts and finding kinds and keys as plain
 * grading, and each finding's token still replays it (the tokens are
 * expanded to one step per shared access).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, decodeToken, findingSpec, replaySchedules } from '@teardown/core';
import { initNodeParser } from '@teardown/core/node';
import { bundledExercises, findExerciseDir, loadExercise } from '../src/exercise/node.js';
import {
  grade,
  gradingFiles,
  scenarioSpec,
  selectedScenarios,
  type GradeOptions,
  type GradeReport,
  type SubmissionFile,
} from '../src/grade/grade.js';

beforeAll(async () => {
  await initNodeParser();
});

/** What must not change: per scenario, the verdict, the trace count, the findings' kinds and keys. */
function verdicts(r: GradeReport) {
  return r.scenarios.map((s) => ({
    id: s.id,
    status: s.status,
    complete: s.complete,
    traces: s.stats.traces,
    findings: s.findings.map((f) => `${f.kind} ${f.key}`).sort(),
    model: [...(s.modelKeys ?? [])].sort(),
  }));
}

describe('grading at synchronisation points', () => {
  for (const id of bundledExercises()) {
    it(`${id}: the same verdicts, traces and findings for every version`, { timeout: 600_000 }, async () => {
      const ex = loadExercise(findExerciseDir(id)!);
      const versions: { file: string; replaces?: string[] }[] = [
        { file: ex.manifest.solution },
        ...ex.manifest.knownBad.map((kb) => ({ file: kb.file, replaces: kb.replaces })),
      ];
      for (const v of versions) {
        const submission: SubmissionFile[] = [{ name: v.file, text: ex.files.get(v.file)! }];
        const opts: GradeOptions = { reproducible: true, bare: true, ...(v.replaces ? { replaces: v.replaces } : {}) };
        const plain = await grade(ex, submission, opts);
        const sync = await grade(ex, submission, { ...opts, syncPoints: true });
        expect(verdicts(sync), v.file).toEqual(verdicts(plain));
      }
    });
  }

  it('vdev-lifetime: every finding of a failing version replays from its token', { timeout: 600_000 }, async () => {
    const ex = loadExercise(findExerciseDir('vdev-lifetime')!);
    let replayed = 0;
    // the versions that replace no model function (their files compile as gradingFiles builds them)
    for (const kb of ex.manifest.knownBad.filter((k) => !k.replaces)) {
      const submission: SubmissionFile[] = [{ name: kb.file, text: ex.files.get(kb.file)! }];
      const r = await grade(ex, submission, {
        reproducible: true,
        bare: true,
        syncPoints: true,
      });
      const scenarios = selectedScenarios(ex, {}).filter((s) =>
        r.scenarios.some((x) => x.id === s.id && x.findings.length),
      );
      if (!scenarios.length) continue;
      const c = await compile(gradingFiles(ex, submission, scenarios));
      for (const s of scenarios) {
        const spec = scenarioSpec(c.program!, s)!;
        for (const f of r.scenarios.find((x) => x.id === s.id)!.findings) {
          if (f.schedules || !f.schedule) continue;
          const { schedules } = decodeToken(f.token!);
          const rec = replaySchedules(c.program!, findingSpec(spec, f), [schedules[0]!]);
          expect(
            rec[0]!.findings.map((g) => g.key),
            `${kb.file} ${s.id} ${f.token}`,
          ).toContain(f.key);
          replayed++;
        }
      }
    }
    expect(replayed).toBeGreaterThan(0);
  });
});

/**
 * Parallel grading (parallel/pool.ts, grade.ts gradePart and mergeParts):
 * the report is the same, byte for byte (`reproducible`: no wall-clock
 * fields), whatever the number of worker threads and however the scenarios
 * are split into parts and the parts come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initNodeParser } from '@teardown/core/node';
import { bundledExercises, findExerciseDir, loadExercise } from '../src/exercise/node.js';
import {
  grade,
  gradePart,
  mergeParts,
  selectedScenarios,
  type GradeOptions,
  type GradePart,
  type ScenarioResult,
  type SubmissionFile,
} from '../src/grade/grade.js';
import { GradePool } from '../src/parallel/pool.js';
import type { Exercise } from '../src/exercise/manifest.js';
import { teardown } from './cli.js';

beforeAll(async () => {
  await initNodeParser();
});

const OPTS: GradeOptions = { reproducible: true };
const json = (x: unknown) => JSON.stringify(x, null, 2);

/**
 * The versions of an exercise: its solution, and every known-bad version (with the model functions it
 * replaces) without minimisation and traces (`bare`: the explorations and verdicts; the minimised reports of
 * vdev-lifetime's versions are compared with the sequential fixtures, with the default --jobs, in
 * reports-unchanged.test.ts).
 */
function versions(ex: Exercise): { name: string; submission: SubmissionFile[]; opts: GradeOptions }[] {
  const one = (file: string) => [{ name: file, text: ex.files.get(file)! }];
  return [
    { name: ex.manifest.solution, submission: one(ex.manifest.solution), opts: OPTS },
    ...ex.manifest.knownBad.map((kb) => ({
      name: kb.file,
      submission: one(kb.file),
      opts: { ...OPTS, bare: true, ...(kb.replaces ? { replaces: kb.replaces } : {}) },
    })),
  ];
}

describe('mergeParts: the report from parts in any split and any order', () => {
  const ex = loadExercise(findExerciseDir('vdev-lifetime')!);
  const submission = [{ name: 'solution.c', text: ex.files.get(ex.manifest.solution)! }];
  const ids = selectedScenarios(ex, OPTS).map((s) => s.id);
  let sequential = '';
  const byId = new Map<string, ScenarioResult>();

  beforeAll(async () => {
    sequential = json(await grade(ex, submission, OPTS));
    const all = await gradePart(ex, submission, OPTS, ids);
    for (const r of all.results) byId.set(r.id, r);
  });

  it('one part per scenario, in reverse order, gives the sequential report', () => {
    const parts = [...ids].reverse().map((id) => ({ results: [byId.get(id)!] }));
    expect(json(mergeParts(ex, submission, OPTS, parts, 0))).toBe(sequential);
  });

  it('any partition of the scenarios into parts, in any order, gives the sequential report', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(3), { minLength: ids.length, maxLength: ids.length }),
        fc.infiniteStream(fc.nat()),
        (bucket, shuffle) => {
          const parts: GradePart[] = [0, 1, 2, 3].map(() => ({ results: [] }));
          for (const [i, id] of ids.entries()) parts[bucket[i]!]!.results.push(byId.get(id)!);
          const order = parts.map((p, i) => ({ p, k: shuffle.next().value as number, i }));
          order.sort((a, b) => a.k - b.k || a.i - b.i);
          expect(
            json(
              mergeParts(
                ex,
                submission,
                OPTS,
                order.map((o) => o.p),
                0,
              ),
            ),
          ).toBe(sequential);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('the first scenario without a verdict ends the report, whatever the parts computed after it', () => {
    const cut = 4;
    const results = ids.map((id, i): ScenarioResult => {
      const r = byId.get(id)!;
      return i === cut ? { ...r, status: 'error', score: 0 } : r;
    });
    const merged = mergeParts(
      ex,
      submission,
      OPTS,
      [{ results: results.slice(cut) }, { results: results.slice(0, cut) }],
      0,
    );
    expect(merged.status).toBe('error');
    expect(merged.why).toBe('budget');
    expect(merged.scenarios.map((s) => s.id)).toEqual(ids);
    expect(merged.scenarios.slice(0, cut + 1)).toEqual(results.slice(0, cut + 1));
    for (const s of merged.scenarios.slice(cut + 1)) {
      expect(s.status).toBe('error');
      expect(s.coverage).toBeNull();
      expect(s.stats.executions).toBe(0);
    }
    expect(merged.diagnostics[0]?.message).toMatch(/ended before one full execution of scenario/);
  });

  it('a part that did not compile makes the report the diagnostics, not run', async () => {
    const bad = [{ name: 'solution.c', text: 'int x = ;\n' }];
    const parts = await Promise.all(ids.slice(0, 2).map((id) => gradePart(ex, bad, OPTS, [id])));
    expect(json(mergeParts(ex, bad, OPTS, parts, 0))).toBe(json(await grade(ex, bad, OPTS)));
  });

  it('a scenario no part returned (a cancelled grading) is not run', () => {
    const parts = [{ results: ids.slice(1).map((id) => byId.get(id)!) }];
    const merged = mergeParts(ex, submission, OPTS, parts, 0);
    expect(merged.scenarios[0]).toMatchObject({ id: ids[0], status: 'error', coverage: null });
    expect(merged.status).toBe('failed');
  });
});

describe('worker threads: 1, 2 and 3 jobs (the main thread and 0, 1, 2 workers) give the same report', () => {
  const pools = new Map<number, GradePool>();
  const pool = (n: number) => {
    let p = pools.get(n);
    if (!p) pools.set(n, (p = new GradePool(n)));
    return p;
  };
  afterAll(async () => {
    for (const p of pools.values()) await p.close();
  });

  describe.each(bundledExercises())('exercise %s', (id) => {
    const ex = loadExercise(findExerciseDir(id)!);
    it('its solution and every known-bad version, with 2 jobs (the solution with 3 too)', async () => {
      const vs = versions(ex);
      const inProcess = [];
      for (const v of vs) inProcess.push(json(await grade(ex, v.submission, v.opts)));
      const two = await Promise.all(vs.map((v) => grade(ex, v.submission, { ...v.opts, runner: pool(2).runner })));
      expect(two.map(json)).toEqual(inProcess);
      const three = await grade(ex, vs[0]!.submission, { ...vs[0]!.opts, runner: pool(3).runner });
      expect(json(three)).toBe(inProcess[0]);
    }, 900_000);
  });
});

describe('--jobs on grade and exercise', () => {
  it("refuses 0, 1.5, '', 0x10 and 65 as batch does", () => {
    const commands = [
      ['grade', 'vdev-lifetime', 'exercises/vdev-lifetime/solution.c'],
      ['exercise', 'vdev-lifetime'],
    ];
    for (const args of commands) {
      for (const v of ['0', '1.5', '', '0x10', '65']) {
        const r = teardown([...args, '--jobs', v]);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(new RegExp(`bad --jobs '${v}': expected a whole number from 1 to 64`));
      }
    }
  });
});

/**
 * Walk-throughs C, D and E of the research notes (section 1.10) on the
 * unmodified model with the reference solution: every outcome upstream
 * allows is reached by some interleaving, and no other.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeParser } from '@teardown/core/node';
import { compile, exploreScenario, unitKey, formatRet } from '@teardown/core';
import { findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { gradingFiles, scenarioSpec } from '../src/grade/grade.js';

beforeAll(async () => {
  await initNodeParser();
});

/** Explore a scenario exhaustively and collect the values a scenario global ends with. */
async function outcomes(scenario: string, global: string): Promise<string[]> {
  const ex = loadExercise(findExerciseDir('vdev-lifetime')!);
  const s = ex.scenarios.find((x) => x.id === scenario)!;
  const c = await compile(gradingFiles(ex, [{ name: 'solution.c', text: ex.files.get('solution.c')! }], [s]));
  const p = c.program!;
  const spec = scenarioSpec(p, s)!;
  const g = p.globalIndex.get(unitKey(s.id, global))!;
  const seen = new Set<string>();
  const res = exploreScenario(p, spec, {
    strategy: 'dpor',
    onExecution: (_rec, mm) => {
      const v = mm.state.heap.get(mm.state.globals[g]!)!.fields.get(0);
      seen.add(formatRet(typeof v === 'number' ? v : 0));
    },
  });
  expect(res.stats.complete).toBe(true);
  expect(res.findings.filter((f) => f.origin === 'learner')).toEqual([]);
  return [...seen].sort();
}

describe('walk-throughs', () => {
  it('C and D: IOMMU_DESTROY racing the unbind returns 0, ENOENT, or the transient EBUSY upstream accepts', async () => {
    expect(await outcomes('destroy-races-unbind', 'destroy_rc')).toEqual(['-EBUSY', '-ENOENT', '0']);
  });

  it('E: IOMMU_VDEVICE_ALLOC racing the unbind returns 0 or ENOENT', async () => {
    expect(await outcomes('alloc-races-unbind', 'alloc_rc')).toEqual(['-ENOENT', '0']);
  });

  it('two IOMMU_DESTROYs of one vdev: one wins, the other sees ENOENT (never EBUSY: no lookup reference is involved)', async () => {
    expect(await outcomes('destroy-races-destroy', 'rc_b')).toEqual(['-ENOENT', '0']);
  });
});

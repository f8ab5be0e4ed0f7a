/**
 * Stateful DPOR on the iommufd model (the 3-thread model benchmark,
 * destroy + use + unbind, over the vdev-lifetime solution and over known-bad
 * versions of it): it meets both ways a race with a cached future whose
 * reversal has nothing in the prefix is handled (children narrowed to the
 * threads that can begin it, and the state explored again where the racing
 * thread was blocked; docs/scheduler.md, "Stateful DPOR"), and finds what
 * stateless optimal DPOR finds, finding kinds and keys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LIMITS, compile, exploreScenario } from '@teardown/core';
import { initNodeParser } from '@teardown/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_BENCHMARKS } from '../src/bench/model.js';
import { findExerciseDir, loadExercise } from '../src/exercise/node.js';
import { gradingFiles, scenarioSpec } from '../src/grade/grade.js';
import type { Scenario } from '../src/exercise/manifest.js';

beforeAll(() => initNodeParser());

const findings = (r: ReturnType<typeof exploreScenario>) => r.findings.map((f) => `${f.kind} ${f.key}`).sort();

/** Both explorations of the 3-thread scenario over `file` of vdev-lifetime (its solution or a known-bad version). */
async function both(file: string) {
  const dir = findExerciseDir('vdev-lifetime')!;
  const ex = loadExercise(dir);
  const b = MODEL_BENCHMARKS.find((x) => x.name === 'model: destroy + use + unbind')!;
  const s: Scenario = { id: 'bench', file: 'bench.c', title: b.title, points: 1, visible: true, text: b.text };
  const text = readFileSync(join(dir, file), 'utf8');
  const c = await compile(gradingFiles(ex, [{ name: ex.manifest.solution, text }], [s]));
  if (!c.program) throw new Error(`${file} does not compile: ${c.diagnostics[0]?.message}`);
  const spec = scenarioSpec(c.program, s)!;
  const limits = { ...DEFAULT_LIMITS, ...ex.manifest.limits };
  return {
    stateless: exploreScenario(c.program, spec, { strategy: 'dpor', limits, budget: {} }),
    stateful: exploreScenario(c.program, spec, { strategy: 'dpor', limits, budget: {}, stateCache: true }),
  };
}

describe('stateful DPOR on the model', () => {
  it('narrows and explores again on destroy + use + unbind over the solution', async () => {
    const { stateless, stateful } = await both('solution.c');
    expect(stateless.stats.complete).toBe(true);
    expect(stateful.coverage.kind).toBe('exhaustive');
    expect(stateful.coverage.narrowed as number).toBeGreaterThan(0);
    expect(stateful.coverage.text).toMatch(/, \d+ explored again/);
    expect(findings(stateful)).toEqual(findings(stateless));
    expect(stateful.stats.executions).toBeLessThan(stateless.stats.executions);
  });

  it.each([
    'known-bad/missing-lock.c',
    'known-bad/lock-order.c',
    'known-bad/put-before-unlock.c',
    'known-bad/abort-puts-idev.c',
  ])('finds what stateless optimal DPOR finds over %s', async (file) => {
    const { stateless, stateful } = await both(file);
    expect(stateful.coverage.kind).toBe('exhaustive');
    expect(stateless.findings.length).toBeGreaterThan(0);
    expect(findings(stateful)).toEqual(findings(stateless));
  });
});

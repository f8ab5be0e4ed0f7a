/**
 * Counting distinct states (ExploreOptions.countStates): plain DFS reaches
 * every reachable state, so its count equals the states a stateful DFS (the
 * state cache, keeping every state) stores, which visits each reachable state once; optimal DPOR
 * runs a subset of DFS's interleavings, so it reaches no state DFS does not.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import type { StrategyName } from '../../src/sched/index.js';
import { exploreScenario } from '../../src/sched/runner.js';
import { useParser } from '../helpers.js';
import { programArb } from './genprog.js';

useParser();

async function count(src: string, strategy: StrategyName, how: 'count' | 'cache', every = 1) {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const r = exploreScenario(c.program, programScenario(c.program)!, {
    strategy,
    budget: { executions: 4_000 },
    ...(how === 'count' ? { countStates: true } : { stateCache: true, stateCacheEvery: every }),
  });
  return { complete: r.stats.complete, distinct: r.stats.distinctStates, tree: r.stats.states };
}

describe('distinct states', () => {
  it('DFS counts exactly the states a stateful DFS stores; DPOR no more than DFS', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (src) => {
        const dfs = await count(src, 'dfs', 'count');
        fc.pre(dfs.complete);
        const cached = await count(src, 'dfs', 'cache');
        expect(dfs.distinct).toBe(cached.distinct);
        // keeping the states at even depths only: fewer, and a complete search all the same
        const even = await count(src, 'dfs', 'cache', 2);
        expect(even.complete).toBe(true);
        expect(even.distinct!).toBeLessThanOrEqual(cached.distinct!);
        expect(dfs.distinct).toBeLessThanOrEqual(dfs.tree);
        const dpor = await count(src, 'dpor', 'count');
        expect(dpor.complete).toBe(true);
        expect(dpor.distinct!).toBeLessThanOrEqual(dfs.distinct!);
        expect(dpor.distinct!).toBeGreaterThan(0);
      }),
      { numRuns: 15, maxSkipsPerRun: 10 },
    );
  });

  it('is absent unless asked for', async () => {
    const c = await compile([
      {
        name: 'p.c',
        text: 'static int x;\nvoid thread_a(void) { x = 1; }\nvoid thread_b(void) { x = 2; }\n',
        role: 'learner',
      },
    ]);
    const r = exploreScenario(c.program!, programScenario(c.program!)!, { strategy: 'dpor' });
    expect(r.stats.distinctStates).toBeUndefined();
    const counted = exploreScenario(c.program!, programScenario(c.program!)!, { strategy: 'dpor', countStates: true });
    // x = 1 and x = 2 in both orders: after a, after b, after ab, after ba (the last two differ in x)
    expect(counted.stats.distinctStates).toBe(4);
  });
});

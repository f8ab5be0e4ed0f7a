/**
 * The explorer's checkpoints (docs/scheduler.md, "Checkpoints"): restoring
 * the deepest checkpoint within the prefix a strategy repeats gives the same
 * exploration as replaying the prefix from the initial state: the same
 * findings with the same schedules, tokens, preemptions and switches, the
 * same coverage and counts, fewer steps run.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { StrategyName } from '../../src/sched/index.js';
import { useParser } from '../helpers.js';
import { programArb } from './genprog.js';
import { explored } from './explored.js';

useParser();

const explore = (src: string, strategy: StrategyName, checkpointEvery: number) =>
  explored(src, strategy, { checkpointEvery });

describe('explorer checkpoints', () => {
  for (const strategy of ['dpor', 'dfs'] as const) {
    it(`${strategy}: the same exploration as replaying every prefix, in fewer steps`, {
      timeout: 600_000,
    }, async () => {
      let fewer = 0;
      await fc.assert(
        fc.asyncProperty(programArb, fc.integer({ min: 1, max: 12 }), async (src, every) => {
          const replayed = await explore(src, strategy, 0);
          const restored = await explore(src, strategy, every);
          expect(restored.findings).toEqual(replayed.findings);
          expect(restored.coverage).toBe(replayed.coverage);
          expect(restored.stats).toEqual(replayed.stats);
          expect(restored.steps).toBeLessThanOrEqual(replayed.steps);
          if (restored.steps < replayed.steps) fewer++;
        }),
        { numRuns: 40 },
      );
      expect(fewer).toBeGreaterThan(0);
    });
  }

  it('portfolio: the same exploration as replaying, also where it falls back from DPOR to bounded search and PCT', {
    timeout: 600_000,
  }, async () => {
    let fewer = 0;
    let fellBack = 0;
    await fc.assert(
      fc.asyncProperty(
        programArb,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 5, max: 40 }),
        async (src, every, executions) => {
          // a small budget: DPOR gets 60% of it, so larger programs go on with bounded search and PCT, whose
          // first executions must not restore the DPOR phase's checkpoints
          const opts = { strategyOptions: { executions } };
          const replayed = await explored(src, 'portfolio', { ...opts, checkpointEvery: 0 });
          const restored = await explored(src, 'portfolio', { ...opts, checkpointEvery: every });
          expect(restored.findings).toEqual(replayed.findings);
          expect(restored.coverage).toBe(replayed.coverage);
          expect(restored.stats).toEqual(replayed.stats);
          expect(restored.steps).toBeLessThanOrEqual(replayed.steps);
          if (restored.steps < replayed.steps) fewer++;
          if (!restored.coverage.startsWith('exhaustive')) fellBack++;
        },
      ),
      { numRuns: 40 },
    );
    expect(fewer).toBeGreaterThan(0);
    expect(fellBack).toBeGreaterThan(0);
  });
});

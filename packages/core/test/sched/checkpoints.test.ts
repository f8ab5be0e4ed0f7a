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
import { untilMet, useParser } from '../helpers.js';
import { programArb, programArbPlain } from './genprog.js';
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
      await untilMet(
        () => fewer > 0,
        (seed) =>
          fc.assert(
            fc.asyncProperty(programArb, fc.integer({ min: 1, max: 12 }), async (src, every) => {
              const replayed = await explore(src, strategy, 0);
              const restored = await explore(src, strategy, every);
              expect(restored.findings).toEqual(replayed.findings);
              expect(restored.coverage).toBe(replayed.coverage);
              expect(restored.stats).toEqual(replayed.stats);
              expect(restored.steps).toBeLessThanOrEqual(replayed.steps);
              if (restored.steps < replayed.steps) fewer++;
            }),
            { numRuns: 40, seed },
          ),
      );
      expect(fewer).toBeGreaterThan(0);
    });
  }

  it("at synchronisation points: the same rounds and exploration as replaying (the race refiner's history, copied on write)", {
    timeout: 600_000,
  }, async () => {
    let fewer = 0;
    let refined = 0;
    await untilMet(
      () => fewer > 0 && refined > 0,
      (seed) =>
        fc.assert(
          fc.asyncProperty(
            fc.oneof(programArb, programArbPlain),
            fc.integer({ min: 1, max: 12 }),
            async (src, every) => {
              const replayed = await explored(src, 'dpor', { syncPoints: true, checkpointEvery: 0 });
              const restored = await explored(src, 'dpor', { syncPoints: true, checkpointEvery: every });
              expect(restored.findings).toEqual(replayed.findings);
              expect(restored.coverage).toBe(replayed.coverage);
              expect(restored.stats).toEqual(replayed.stats);
              expect(restored.steps).toBeLessThanOrEqual(replayed.steps);
              if (restored.steps < replayed.steps) fewer++;
              if (!/, 0 racy plain accesses/.test(restored.coverage)) refined++;
            },
          ),
          { numRuns: 60, seed },
        ),
    );
    expect(fewer).toBeGreaterThan(0);
    expect(refined).toBeGreaterThan(0);
  });

  it('portfolio: the same exploration as replaying, also where it falls back from DPOR to bounded search and PCT', {
    timeout: 600_000,
  }, async () => {
    let fewer = 0;
    let fellBack = 0;
    await untilMet(
      () => fewer > 0 && fellBack > 0,
      (seed) =>
        fc.assert(
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
          { numRuns: 40, seed },
        ),
    );
    expect(fewer).toBeGreaterThan(0);
    expect(fellBack).toBeGreaterThan(0);
  });

  // Found by an independent review: restoring a checkpoint skipped the budget checks a replay makes inside the
  // restored prefix, so a work budget that cut a replayed execution let the restored one run on (and report).
  it('a work budget cuts an exploration at the same execution, restoring or replaying', async () => {
    const writes = Array.from({ length: 70 }, (_, i) => `\tWRITE_ONCE(a, ${i});\n`).join('');
    const src = `static int a;\nstatic int x;\nvoid thread_t0(void)\n{\n${writes}\tWRITE_ONCE(x, 1);\n}\nvoid thread_t1(void)\n{\n\tBUG_ON(READ_ONCE(x) == 0);\n}\n`;
    for (const strategy of ['dpor', 'portfolio'] as const) {
      for (const work of [130, 180, 230, 260, 400]) {
        const replayed = await explored(src, strategy, { checkpointEvery: 0, budget: { work } });
        const restored = await explored(src, strategy, { checkpointEvery: 8, budget: { work } });
        expect(restored.findings).toEqual(replayed.findings);
        expect(restored.coverage).toBe(replayed.coverage);
        expect(restored.stats).toEqual(replayed.stats);
      }
    }
  }, 300_000);

  it('random programs under work budgets: the same exploration, restoring or replaying', {
    timeout: 600_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(
        programArb,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 20, max: 3_000 }),
        fc.constantFrom('dpor', 'portfolio', 'dfs') as fc.Arbitrary<StrategyName>,
        async (src, every, work, strategy) => {
          const replayed = await explored(src, strategy, { checkpointEvery: 0, budget: { work } });
          const restored = await explored(src, strategy, { checkpointEvery: every, budget: { work } });
          expect(restored.findings).toEqual(replayed.findings);
          expect(restored.coverage).toBe(replayed.coverage);
          expect(restored.stats).toEqual(replayed.stats);
        },
      ),
      { numRuns: 40 },
    );
  });
});

/**
 * Splitting one DPOR exploration (sched/split.ts): whatever units are handed
 * out, whenever their results arrive, the exploration is the sequential one:
 * the same findings (each with its schedule, token, sites and details), the
 * same coverage line and the same statistics, steps and work included, under
 * no budget and under budgets that cut it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import type { StrategyName } from '../../src/sched/index.js';
import { type ScenarioOptions, exploreScenario } from '../../src/sched/runner.js';
import type { SplitCounts } from '../../src/sched/split.js';
import { useParser } from '../helpers.js';
import { programArb, programArbPlain } from './genprog.js';
import { inlineUnits } from './inline-units.js';

useParser();

async function both(src: string, strategy: StrategyName, opts: ScenarioOptions, slots: number, seed: number) {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const program = c.program;
  const spec = programScenario(program)!;
  const base: ScenarioOptions = { strategy, budget: { executions: 3_000 }, deterministic: true, ...opts };
  const plain = (r: ReturnType<typeof exploreScenario>) =>
    JSON.parse(JSON.stringify({ findings: r.findings, coverage: r.coverage, stats: { ...r.stats, ms: 0 } }));
  const seq = plain(exploreScenario(program, spec, base));
  let counts: SplitCounts | undefined;
  const split = plain(
    exploreScenario(program, spec, {
      ...base,
      splitUnits: (p, sp, limits) => {
        const r = inlineUnits(p, sp, limits, slots, seed);
        const settled = r.settled!;
        r.settled = (id, ok, c) => {
          settled(id, ok, c);
          counts = c;
        };
        return r;
      },
    }),
  );
  return { seq, split, counts };
}

describe('split DPOR exploration', () => {
  const strategies: StrategyName[] = ['dpor', 'source-dpor', 'portfolio'];
  for (const strategy of strategies) {
    it(`${strategy}: the sequential exploration, whatever the units and the order their results arrive in`, {
      timeout: 600_000,
    }, async () => {
      let adopted = 0;
      let rejected = 0;
      let partial = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(programArb, programArbPlain),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 2 ** 30 }),
          fc.integer({ min: 0, max: 12 }),
          async (src, slots, seed, every) => {
            const { seq, split, counts } = await both(src, strategy, { checkpointEvery: every }, slots, seed);
            expect(split).toEqual(seq);
            adopted += counts?.adopted ?? 0;
            rejected += counts?.rejected ?? 0;
            partial += counts?.partial ?? 0;
          },
        ),
        { numRuns: 80 },
      );
      expect(adopted).toBeGreaterThan(0);
      expect(rejected).toBeGreaterThan(0);
      expect(partial).toBeGreaterThan(0);
    });
  }

  it('under budgets that cut the exploration: the same cut', { timeout: 600_000 }, async () => {
    let cut = 0;
    await fc.assert(
      fc.asyncProperty(
        programArb,
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.oneof(
          fc.record({ work: fc.integer({ min: 50, max: 3_000 }) }),
          fc.record({ work: fc.integer({ min: 3_000, max: 20_000 }) }),
          fc.record({ executions: fc.integer({ min: 1, max: 60 }) }),
          fc.record({ steps: fc.integer({ min: 10, max: 800 }) }),
        ),
        fc.constantFrom<StrategyName>('dpor', 'portfolio'),
        async (src, seed, budget, strategy) => {
          const { seq, split } = await both(src, strategy, { budget }, 2, seed);
          expect(split).toEqual(seq);
          if (!seq.stats.complete) cut++;
        },
      ),
      { numRuns: 200 },
    );
    expect(cut).toBeGreaterThan(0);
  });
});

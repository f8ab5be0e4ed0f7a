/**
 * The explorer's checkpoints (docs/scheduler.md, "Checkpoints"): restoring
 * the deepest checkpoint within the prefix a strategy repeats gives the same
 * exploration as replaying the prefix from the initial state: the same
 * findings with the same schedules, tokens, preemptions and switches, the
 * same coverage and counts, fewer steps run.
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

async function explore(src: string, strategy: StrategyName, checkpointEvery: number) {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const r = exploreScenario(c.program, programScenario(c.program)!, {
    strategy,
    budget: { executions: 3_000 },
    checkpointEvery,
    deterministic: true,
  });
  const findings = r.findings.map((f) => ({
    kind: f.kind,
    key: f.key,
    title: f.title,
    token: f.token,
    schedule: f.schedule,
    preemptions: f.preemptions,
    switches: f.switches,
  }));
  const { ms: _ms, steps, ...stats } = r.stats;
  return { findings, coverage: r.coverage.text, stats, steps };
}

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
});

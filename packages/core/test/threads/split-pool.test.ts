/**
 * Splitting one DPOR exploration across real worker threads
 * (threads/split-pool.ts): the report is the sequential one, whatever the
 * threads' timing, on random programs and on a 3-thread scenario of the
 * iommufd model under a work budget that cuts it. The workers run the built
 * module (dist/threads/split-worker.js).
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import { type ScenarioOptions, exploreScenario } from '../../src/sched/runner.js';
import type { SplitCounts } from '../../src/sched/split.js';
import { SplitThreads } from '../../src/threads/split-pool.js';
import { useParser } from '../helpers.js';
import { programArb } from '../sched/genprog.js';

useParser();

/** readers(N): a writer and N readers of one variable, 2^N traces (the grader's bench/programs.ts has it too). */
function readers(n: number): string {
  let s = 'static int x;\nvoid thread_writer(void)\n{\n\tWRITE_ONCE(x, 1);\n}\n';
  for (let j = 1; j <= n; j++) s += `void thread_r${j}(void)\n{\n\tint v = READ_ONCE(x);\n\t(void)v;\n}\n`;
  return s;
}

const pool = new SplitThreads(2);
afterAll(() => pool.close());

async function both(src: string, opts: ScenarioOptions) {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const spec = programScenario(c.program)!;
  const plain = (r: ReturnType<typeof exploreScenario>) =>
    JSON.parse(JSON.stringify({ findings: r.findings, coverage: r.coverage, stats: { ...r.stats, ms: 0 } }));
  const seq = plain(exploreScenario(c.program, spec, { deterministic: true, ...opts }));
  let counts: SplitCounts | undefined;
  const split = plain(
    exploreScenario(c.program, spec, {
      deterministic: true,
      ...opts,
      splitUnits: (p, sp, limits) => {
        const r = pool.runner(p, sp, limits);
        r.settled = (_id, _ok, cc) => {
          counts = structuredClone(cc);
        };
        return r;
      },
    }),
  );
  return { seq, split, counts };
}

describe('split exploration on worker threads', () => {
  it('random programs: the sequential exploration', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(programArb, fc.constantFrom('dpor' as const, 'portfolio' as const), async (src, strategy) => {
        const { seq, split } = await both(src, { strategy, budget: { executions: 3_000 } });
        expect(split).toEqual(seq);
      }),
      { numRuns: 25 },
    );
  });

  it('a larger exploration: units adopted, and the same report', { timeout: 600_000 }, async () => {
    // readers(9): 512 traces, enough for the workers to be handed subtrees and the controller to adopt them
    const { seq, split, counts } = await both(readers(9), { strategy: 'dpor' });
    expect(split).toEqual(seq);
    expect(seq.stats.traces).toBe(512);
    expect(counts?.adopted ?? 0).toBeGreaterThan(0);
  });

  it('under a work budget that cuts it: the same cut', { timeout: 600_000 }, async () => {
    let cut = 0;
    for (const work of [1_000, 3_000, 8_000, 16_000]) {
      const { seq, split } = await both(readers(9), { strategy: 'dpor', budget: { work } });
      expect(split).toEqual(seq);
      if (!seq.stats.complete) cut++;
    }
    expect(cut).toBeGreaterThan(1);
  });
});

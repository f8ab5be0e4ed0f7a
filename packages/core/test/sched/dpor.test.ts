import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import type { StrategyName } from '../../src/sched/index.js';
import { exploreScenario } from '../../src/sched/runner.js';
import { canonicalForm } from '../../src/sched/events.js';
import { isPrim } from '../../src/state/prim.js';
import { useParser } from '../helpers.js';
import { programArb } from './genprog.js';

useParser();

interface Outcome {
  finals: Set<string>;
  kinds: Set<string>;
  /** Finding keys: kind and sites (a use-after-free by another thread is another key). */
  keys: Set<string>;
  executions: number;
  traces: number;
  /**
   * Distinct Mazurkiewicz traces among the executions that ran to the end. An execution a fatal
   * finding cut short is a prefix: DPOR need not run every prefix DFS runs, only reach every finding.
   */
  completeTraces: Set<string>;
  /** Some execution ended in a fatal finding. */
  fatal: boolean;
  complete: boolean;
}

/** Explore a program and collect the final states (globals) and the finding kinds. */
async function outcomes(
  src: string,
  strategy: StrategyName,
  maxExecutions = 200_000,
  stateCache = false,
): Promise<Outcome> {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program)
    throw new Error(c.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n') + '\n' + src);
  const spec = programScenario(c.program)!;
  const finals = new Set<string>();
  const kinds = new Set<string>();
  const keys = new Set<string>();
  const completeTraces = new Set<string>();
  let fatal = false;
  const r = exploreScenario(c.program, spec, {
    strategy,
    budget: { executions: maxExecutions },
    stateCache,
    onExecution: (rec, mm) => {
      for (const f of rec.findings) {
        kinds.add(f.kind);
        keys.add(f.key);
      }
      if (mm.fatal) fatal = true;
      if (rec.abandoned || mm.fatal) return;
      completeTraces.add(canonicalForm(rec.events, mm.nworkers, rec.clocks));
      const g: string[] = [];
      for (const a of mm.state.heap.values()) {
        if (a.kind !== 'global') continue;
        for (const [k, v] of [...a.fields].sort())
          g.push(`${a.name}.${k}=${isPrim(v) ? JSON.stringify(v) : JSON.stringify(v)}`);
      }
      finals.add(g.join(';'));
    },
  });
  return {
    finals,
    kinds,
    keys,
    completeTraces,
    fatal,
    executions: r.stats.executions,
    traces: r.stats.traces,
    complete: r.stats.complete,
  };
}

describe('DPOR against plain DFS', () => {
  it('reaches exactly the same final states and finding kinds on random programs', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (src) => {
        const dfs = await outcomes(src, 'dfs', 4_000);
        fc.pre(dfs.complete);
        const dpor = await outcomes(src, 'dpor');
        expect(dpor.complete).toBe(true);
        expect([...dpor.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...dpor.kinds].sort()).toEqual([...dfs.kinds].sort());
        expect([...dpor.keys].sort()).toEqual([...dfs.keys].sort());
        // optimal DPOR: every complete trace DFS saw, and one execution per Mazurkiewicz trace (when a
        // fatal finding cut an execution short, revealing the stopped threads may run a trace twice)
        expect([...dpor.completeTraces].sort()).toEqual([...dfs.completeTraces].sort());
        if (!dpor.fatal) expect(dpor.executions).toBe(dpor.traces);
      }),
      { numRuns: 120, maxSkipsPerRun: 10 },
    );
  });

  it('stateful DFS (state cache) reaches the same final states and finding kinds', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (src) => {
        const dfs = await outcomes(src, 'dfs', 4_000);
        fc.pre(dfs.complete);
        const cached = await outcomes(src, 'dfs', 4_000, true);
        expect([...cached.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...cached.kinds].sort()).toEqual([...dfs.kinds].sort());
        expect([...cached.keys].sort()).toEqual([...dfs.keys].sort());
        expect(cached.executions).toBeLessThanOrEqual(dfs.executions);
      }),
      { numRuns: 40, maxSkipsPerRun: 10 },
    );
  });

  it('source-DPOR reaches the same final states too', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(programArb, async (src) => {
        const dfs = await outcomes(src, 'dfs', 4_000);
        fc.pre(dfs.complete);
        const sdpor = await outcomes(src, 'source-dpor');
        expect([...sdpor.finals].sort()).toEqual([...dfs.finals].sort());
        expect([...sdpor.kinds].sort()).toEqual([...dfs.kinds].sort());
        expect([...sdpor.keys].sort()).toEqual([...dfs.keys].sort());
        expect([...sdpor.completeTraces].sort()).toEqual([...dfs.completeTraces].sort());
      }),
      { numRuns: 60, maxSkipsPerRun: 10 },
    );
  });
});

/**
 * What an exploration of a random program reached, for the property tests
 * that compare strategies (dpor.test.ts, stateful-dpor.test.ts).
 */
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import type { StrategyName } from '../../src/sched/index.js';
import { exploreScenario } from '../../src/sched/runner.js';
import { withEveryReturnVisible } from '../../src/vm/lower-closures.js';
import { canonicalForm } from '../../src/sched/events.js';
import { isPrim } from '../../src/state/prim.js';
import type { Coverage } from '../../src/sched/strategy.js';

export interface Outcome {
  finals: Set<string>;
  kinds: Set<string>;
  /** Finding keys: kind and sites (a use-after-free by another thread is another key). */
  keys: Set<string>;
  executions: number;
  /** Visible steps run, replays included. */
  steps: number;
  traces: number;
  /**
   * Distinct Mazurkiewicz traces among the executions that ran to the end. An execution a fatal
   * finding cut short is a prefix: DPOR need not run every prefix DFS runs, only reach every finding.
   */
  completeTraces: Set<string>;
  /** Some execution ended in a fatal finding. */
  fatal: boolean;
  complete: boolean;
  coverage: Coverage;
  /** Distinct states seen (with the state cache). */
  distinctStates?: number;
  /** The findings of the result, one per key (with their schedules and tokens). */
  findings: import('../../src/detect/finding.js').Finding[];
  /** The program and scenario explored. */
  program: import('../../src/lang/ir.js').Program;
  spec: import('../../src/vm/machine.js').ScenarioSpec;
}

/** Explore a program and collect the final states (globals) and the finding kinds. */
export async function outcomes(
  src: string,
  strategy: StrategyName,
  maxExecutions = 200_000,
  stateCache = false,
  syncPoints = false,
  stateCacheBytes?: number,
  stateCacheEvery?: number,
  everyReturnVisible = false,
  anytimeTimeouts = false,
): Promise<Outcome> {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program)
    throw new Error(c.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join('\n') + '\n' + src);
  // the reference semantics of vm/escape.ts: every return of a frame with a stack block a step
  if (everyReturnVisible) withEveryReturnVisible(c.program);
  const spec = programScenario(c.program)!;
  if (anytimeTimeouts) spec.timeouts = 'anytime';
  const finals = new Set<string>();
  const kinds = new Set<string>();
  const keys = new Set<string>();
  const completeTraces = new Set<string>();
  let fatal = false;
  // at synchronisation points, the last round's executions only (each round has machines of its own)
  let machine: unknown;
  const r = exploreScenario(c.program, spec, {
    strategy,
    budget: { executions: maxExecutions },
    stateCache,
    stateCacheBytes,
    stateCacheEvery,
    syncPoints,
    onExecution: (rec, mm) => {
      if (syncPoints && mm !== machine) {
        machine = mm;
        for (const s of [finals, kinds, keys, completeTraces]) s.clear();
        fatal = false;
      }
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
    steps: r.stats.steps,
    traces: r.stats.traces,
    complete: r.stats.complete,
    coverage: r.coverage,
    distinctStates: r.stats.distinctStates,
    findings: r.findings,
    program: c.program,
    spec,
  };
}

/**
 * What an exploration of a program gave, in a form two explorations can be
 * compared by (checkpoints.test.ts, check-memo.test.ts): each finding with
 * its schedule, token, counts and details, the coverage line, the
 * statistics without wall-clock time, and apart the steps run.
 */
import { compile } from '../../src/compile.js';
import { programScenario } from '../../src/check.js';
import type { StrategyName } from '../../src/sched/index.js';
import { type ScenarioOptions, exploreScenario } from '../../src/sched/runner.js';

export async function explored(src: string, strategy: StrategyName, opts: ScenarioOptions) {
  const c = await compile([{ name: 'p.c', text: src, role: 'learner' }]);
  if (!c.program) throw new Error(c.diagnostics.map((d) => d.message).join('\n'));
  const r = exploreScenario(c.program, programScenario(c.program)!, {
    strategy,
    budget: { executions: 3_000 },
    deterministic: true,
    ...opts,
  });
  const findings = r.findings.map((f) => ({
    kind: f.kind,
    key: f.key,
    title: f.title,
    token: f.token,
    schedule: f.schedule,
    preemptions: f.preemptions,
    switches: f.switches,
    details: f.details,
  }));
  const { ms: _ms, steps, ...stats } = r.stats;
  return { findings, coverage: r.coverage.text, stats, steps };
}

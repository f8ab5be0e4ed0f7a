/** `teardown replay <program.c> --schedule <token>`: one execution, step by step. */
import { compile, decodeToken, programScenario, replaySchedules, withPlan, type InjectedFault } from '@teardown/core';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from '../errors.js';
import { renderReplayText, unknownThread } from '../render/replay.js';
import { renderDiagnostics } from './check.js';

export async function replayCommand(
  file: string,
  text: string,
  o: { schedule: string; json?: boolean; timeouts?: 'quiescent' | 'anytime' },
): Promise<number> {
  let schedules: number[][];
  let faults: InjectedFault[];
  try {
    ({ schedules, faults } = decodeToken(o.schedule));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const c = await compile([{ name: file, text, role: 'learner' }]);
  if (!c.program) {
    process.stdout.write(
      (o.json ? JSON.stringify({ version: 1, diagnostics: c.diagnostics }, null, 2) : renderDiagnostics(c, text)) +
        '\n',
    );
    return EXIT_USAGE;
  }
  const scenario = programScenario(c.program);
  if (!scenario) throw new UsageError(`${file} has no thread_<name> functions`);
  if (faults.length && !scenario.faults)
    throw new UsageError(`the token injects failures, but ${file} arms no fault sites (fault_sites)`);
  const spec = { ...withPlan(scenario, faults), ...(o.timeouts === 'anytime' ? { timeouts: o.timeouts } : {}) };
  const bad = unknownThread([...schedules, faults.map((f) => f.tid)], spec.threads.length, 'the program');
  if (bad) throw new UsageError(bad);
  const recs = replaySchedules(c.program, spec, schedules);
  const names = spec.threads.map((t) => t.name);
  const findings = recs.flatMap((r) => r.findings);
  if (o.json) {
    process.stdout.write(
      JSON.stringify(
        {
          version: 1,
          file,
          threads: names,
          executions: recs.map((r) => ({ schedule: r.schedule, steps: r.steps })),
          findings,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    process.stdout.write(
      renderReplayText({ threads: names, sources: new Map([[file, text]]), executions: recs, findings }),
    );
  }
  return findings.length ? EXIT_FINDINGS : EXIT_OK;
}

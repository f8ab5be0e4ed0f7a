/** `teardown replay <program.c> --schedule <token>`: one execution, step by step. */
import { compile, decodeSchedule, programScenario, replaySchedules } from '@teardown/core';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from '../errors.js';
import { renderReplayText, unknownThread } from '../render/replay.js';
import { renderDiagnostics } from './check.js';

export async function replayCommand(
  file: string,
  text: string,
  o: { schedule: string; json?: boolean },
): Promise<number> {
  let schedules: number[][];
  try {
    schedules = o.schedule.split(',').map((t) => decodeSchedule(t));
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
  const spec = programScenario(c.program);
  if (!spec) throw new UsageError(`${file} has no thread_<name> functions`);
  const bad = unknownThread(schedules, spec.threads.length, 'the program');
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

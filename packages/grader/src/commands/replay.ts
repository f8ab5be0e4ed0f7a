/** `teardown replay <program.c> --schedule <token>`: one execution, step by step. */
import { compile, decodeSchedule, programScenario, replaySchedules, renderFinding, traceTable } from '@teardown/core';
import { UsageError } from '../errors.js';
import { renderDiagnostics } from './check.js';

export async function replayCommand(file: string, text: string, o: { schedule: string; json?: boolean }): Promise<number> {
  let schedules: number[][];
  try {
    schedules = o.schedule.split(',').map((t) => decodeSchedule(t));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const c = await compile([{ name: file, text, role: 'learner' }]);
  if (!c.program) {
    process.stdout.write((o.json ? JSON.stringify({ version: 1, diagnostics: c.diagnostics }, null, 2) : renderDiagnostics(c, text)) + '\n');
    return 2;
  }
  const spec = programScenario(c.program);
  if (!spec) throw new UsageError(`${file} has no thread_<name> functions`);
  for (const s of schedules) {
    const bad = s.find((t) => t >= spec.threads.length);
    if (bad !== undefined) throw new UsageError(`schedule names thread ${String.fromCharCode(97 + bad)}, but the program has ${spec.threads.length} threads (a..${String.fromCharCode(96 + spec.threads.length)})`);
  }
  const recs = replaySchedules(c.program, spec, schedules);
  const names = spec.threads.map((t) => t.name);
  const findings = recs.flatMap((r) => r.findings);
  if (o.json) {
    process.stdout.write(JSON.stringify({ version: 1, file, threads: names, executions: recs.map((r) => ({ schedule: r.schedule, steps: r.steps })), findings }, null, 2) + '\n');
    return findings.length ? 1 : 0;
  }
  const sources = new Map([[file, text]]);
  recs.forEach((r, i) => {
    if (recs.length > 1) process.stdout.write(`execution ${i + 1} of ${recs.length}:\n`);
    process.stdout.write(traceTable(r.steps, names, { sources }) + '\n');
    process.stdout.write(`${r.steps.length} steps, ${r.preemptions} preemption${r.preemptions === 1 ? "" : "s"}, ${r.switches} context switch${r.switches === 1 ? "" : "es"}\n\n`);
  });
  for (const f of findings) process.stdout.write(renderFinding(f) + '\n\n');
  if (!findings.length) process.stdout.write('no findings in this execution\n');
  return findings.length ? 1 : 0;
}

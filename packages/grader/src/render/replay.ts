/**
 * A replayed interleaving as terminal text, for `teardown replay` (a
 * standalone program, one or more executions) and `teardown grade --only
 * <scenario> --schedule <token>` (one execution of one scenario, with the
 * kernel objects where it ends): per execution the steps table with one
 * column per thread and its preemptions and context switches, then the
 * objects, then every finding the replay reached.
 */
import {
  renderFinding,
  threadToken,
  traceTable,
  type Finding,
  type Injection,
  type ObjectSnapshot,
  type ObjectTrace,
} from '@teardown/core';

type StepRecord = ObjectTrace['steps'][number];

/** One replayed execution: its steps and how often it was preempted and switched. */
export interface ReplayedExecution {
  steps: readonly StepRecord[];
  preemptions: number;
  switches: number;
  /** Failures injected under the token's fault plan (each a row marked F). */
  injections?: readonly Injection[];
}

export interface ReplayView {
  /** A line above the tables (the scenario and its title); none for a standalone program. */
  heading?: string;
  /** Thread names by thread id (the letters of the schedule token). */
  threads: readonly string[];
  /** Source texts by file name: each step shows its line. */
  sources: Map<string, string>;
  /** Merge consecutive steps of one thread on one source line (the grade reports do). */
  merge?: boolean;
  executions: readonly ReplayedExecution[];
  /** The kernel objects after step `step` (1-based), when the replay recorded them. */
  objects?: { step: number; list: readonly ObjectSnapshot[] };
  findings: readonly Finding[];
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The replay as text, ending with a newline. */
export function renderReplayText(v: ReplayView): string {
  const out: string[] = [];
  if (v.heading !== undefined) out.push(`${v.heading}\n\n`);
  v.executions.forEach((r, i) => {
    if (v.executions.length > 1) out.push(`execution ${i + 1} of ${v.executions.length}:\n`);
    out.push(traceTable(r.steps, v.threads, { sources: v.sources, merge: v.merge, injected: r.injections }) + '\n');
    out.push(
      `${r.steps.length} steps, ${plural(r.preemptions, 'preemption', 'preemptions')}, ${plural(r.switches, 'context switch', 'context switches')}\n\n`,
    );
  });
  if (v.objects) {
    out.push(`kernel objects after step ${v.objects.step}:\n`);
    for (const o of v.objects.list)
      out.push(
        `  ${o.name} [${o.state}] ${Object.entries(o.fields)
          .map(([k, x]) => `${k}=${x}`)
          .join(', ')}\n`,
      );
    out.push('\n');
  }
  for (const f of v.findings) out.push(renderFinding(f, { names: v.threads }) + '\n\n');
  // a token printed by another version of Teardown may name another execution (a change to the model or to what
  // the scheduler counts as a step)
  if (!v.findings.length)
    out.push(
      'no findings in this execution (a token names the execution it was printed for only under the version of\n' +
        "Teardown that printed it: check or grade the code again for this version's tokens)\n",
    );
  return out.join('');
}

/**
 * The thread a schedule names that the program or scenario does not have,
 * as a usage message (`what`: "the program", "scenario destroy-races-unbind");
 * undefined when every thread exists.
 */
export function unknownThread(
  schedules: readonly (readonly number[])[],
  nthreads: number,
  what: string,
): string | undefined {
  for (const s of schedules) {
    const bad = s.find((t) => t >= nthreads);
    if (bad !== undefined) {
      return `the schedule names thread ${threadToken(bad)}, but ${what} has ${nthreads} threads (a..${threadToken(nthreads - 1)})`;
    }
  }
  return undefined;
}

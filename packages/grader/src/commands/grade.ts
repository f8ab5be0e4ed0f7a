/** `teardown grade <exercise> <file.c ...>`: grade a submission against an exercise's scenarios. */
import { basename } from 'node:path';
import {
  compile,
  decodeToken,
  withPlan,
  type InjectedFault,
  formatDiagnostic,
  traceObjects,
  parseModelVariant,
  DEFAULT_LIMITS,
  type StrategyName,
} from '@teardown/core';
import {
  grade,
  scenarioSpec,
  gradingFiles,
  selectedScenarios,
  type GradeReport,
  type SubmissionFile,
} from '../grade/grade.js';
import type { Exercise } from '../exercise/manifest.js';
import { renderText, type TextOptions } from '../render/text.js';
import { parseBudget, parseSeed } from '../options.js';
import { jobsOption, withGradeRunner } from '../parallel/runner.js';
import { checkOutputPath, writeOutputFile } from '../output.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError } from '../errors.js';

export interface GradeCliOptions {
  json?: boolean;
  gradescope?: boolean;
  githubClassroom?: boolean;
  junit?: boolean;
  prairielearn?: boolean;
  out?: string;
  quick?: boolean;
  only?: string;
  strategy?: string;
  seed?: string;
  budget?: string;
  reproducible?: boolean;
  traces?: boolean;
  progress?: boolean;
  schedule?: string;
  syncPoints?: boolean;
  timeouts?: 'quiescent' | 'anytime';
  replaceModel?: string;
  /** The model variant (`iommufd-6.17+<patch>...`; core's modelFiles); default the exercise's model. */
  model?: string;
  /** Model functions the submission replaces (set by the CLI from --replace-model or the known-bad's manifest). */
  replaces?: string[];
  /**
   * `--jobs <n>`: threads grading the scenarios (default 1 = in-process: one
   * submission's grading is about as long as a worker's start and compile on
   * two cores, README "Performance").
   */
  jobs?: string;
}

/**
 * `--only <scenario> --schedule <token>`: replay one interleaving of one
 * scenario step by step, with the kernel objects where it ends and the
 * findings it reaches (the token a graded finding printed).
 */
export async function replayScenario(
  ex: Exercise,
  submission: SubmissionFile[],
  scenarioId: string,
  token: string,
  o: { json: boolean; anytime: boolean; replaces?: string[]; model?: string },
): Promise<number> {
  const { json, anytime, replaces } = o;
  let schedule: number[];
  let faults: InjectedFault[];
  try {
    const d = decodeToken(token);
    if (d.schedules.length > 1)
      throw new Error(`a lock-order token (${d.schedules.length} executions) cannot be replayed as one interleaving`);
    schedule = d.schedules[0]!;
    faults = d.faults;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { renderReplayText, unknownThread } = await import('../render/replay.js');
  const s = ex.scenarios.find((x) => x.id === scenarioId)!;
  const files = gradingFiles(ex, submission, [s], o.model);
  const c = await compile(files, replaces?.length ? { replaces: new Set(replaces) } : {});
  if (!c.program) {
    process.stdout.write(
      (json
        ? JSON.stringify({ version: 1, diagnostics: c.diagnostics }, null, 2)
        : c.diagnostics.map(formatDiagnostic).join('\n')) + '\n',
    );
    return EXIT_USAGE;
  }
  const scenario = scenarioSpec(c.program, s)!;
  if (faults.length && !scenario.faults)
    throw new UsageError(`the token injects failures, but scenario ${s.id} arms no fault sites`);
  const spec = { ...withPlan(scenario, faults), ...(anytime ? { timeouts: 'anytime' as const } : {}) };
  const bad = unknownThread([schedule, faults.map((f) => f.tid)], spec.threads.length, `scenario ${s.id}`);
  if (bad) throw new UsageError(bad);
  const run = traceObjects(c.program, spec, schedule, { ...DEFAULT_LIMITS, ...ex.manifest.limits }, Infinity);
  const at = Math.min(schedule.length, run.states.length) - 1;
  const objects = at >= 0 ? run.states[at]! : [];
  const names = spec.threads.map((t) => t.name);
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          version: 1,
          exercise: ex.manifest.id,
          scenario: s.id,
          threads: names,
          steps: run.steps,
          ...(run.injections.length ? { injections: run.injections } : {}),
          objects,
          findings: run.findings,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    process.stdout.write(
      renderReplayText({
        heading: `${s.id}: ${s.title}`,
        threads: names,
        sources: new Map(files.map((f) => [f.name, f.text])),
        merge: true,
        executions: [run],
        objects: { step: at + 1, list: objects },
        findings: run.findings,
      }),
    );
  }
  return run.findings.length ? EXIT_FINDINGS : EXIT_OK;
}

/** Source texts for the text renderers (the trace tables show each step's line). */
export function textOptions(
  ex: Exercise,
  submission: readonly SubmissionFile[],
  traces = true,
  model?: string,
): TextOptions {
  const sources = new Map<string, string>();
  for (const f of gradingFiles(ex, submission, ex.scenarios, model)) sources.set(f.name, f.text);
  return { sources, traces };
}

/** Render a report in the format the options ask for (a platform's renderer loads only when asked for). */
export async function renderReport(r: GradeReport, o: GradeCliOptions, text: TextOptions): Promise<string> {
  if (o.json) return JSON.stringify(r, null, 2) + '\n';
  if (o.gradescope) {
    const { renderGradescope } = await import('../render/gradescope.js');
    return JSON.stringify(renderGradescope(r, text), null, 2) + '\n';
  }
  if (o.githubClassroom) {
    const { renderClassroom } = await import('../render/classroom.js');
    return renderClassroom(r, text) + '\n';
  }
  if (o.junit) {
    const { renderJunit } = await import('../render/junit.js');
    return renderJunit(r, text);
  }
  if (o.prairielearn) {
    const { renderPrairieLearn } = await import('../render/prairielearn.js');
    return JSON.stringify(renderPrairieLearn(r, text), null, 2) + '\n';
  }
  return renderText(r, text) + '\n';
}

export async function gradeCommand(ex: Exercise, submission: SubmissionFile[], o: GradeCliOptions): Promise<number> {
  const formats = [o.json, o.gradescope, o.githubClassroom, o.junit, o.prairielearn].filter(Boolean).length;
  if (formats > 1)
    throw new UsageError('choose one of --json, --gradescope, --github-classroom, --junit, --prairielearn');
  if (o.model !== undefined) {
    try {
      const v = parseModelVariant(o.model);
      if (v.base !== ex.manifest.model)
        throw new Error(`exercise ${ex.manifest.id} runs on ${ex.manifest.model}, not ${v.base}`);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const seed = parseSeed(o.seed);
  const budget = parseBudget(o.budget);
  if (o.out !== undefined) checkOutputPath(o.out);
  const only = o.only
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const id of only ?? []) {
    if (!ex.scenarios.some((s) => s.id === id))
      throw new UsageError(
        `exercise ${ex.manifest.id} has no scenario '${id}' (it has ${ex.scenarios.map((s) => s.id).join(', ')})`,
      );
  }
  if (o.schedule !== undefined) {
    if (only?.length !== 1) throw new UsageError('--schedule replays one scenario: name it with --only <scenario>');
    return replayScenario(ex, submission, only[0]!, o.schedule, {
      json: o.json === true,
      anytime: o.timeouts === 'anytime',
      replaces: o.replaces,
      model: o.model,
    });
  }
  const showProgress = o.progress !== false && process.stderr.isTTY === true;
  const jobs = Math.min(o.jobs === undefined ? 1 : jobsOption(o.jobs), Math.max(1, gradedScenarios(ex, o.quick, only)));
  const r = await withGradeRunner(jobs, (runner) =>
    grade(ex, submission, {
      runner,
      mode: o.quick ? 'quick' : 'full',
      only,
      seed,
      strategy: o.strategy as StrategyName | undefined,
      syncPoints: o.syncPoints === true,
      budget,
      reproducible: o.reproducible,
      timeouts: o.timeouts,
      replaces: o.replaces,
      model: o.model,
      // only the JSON report shows the model's own findings step by step
      modelTraces: o.json === true,
      onProgress: showProgress
        ? (p) =>
            process.stderr.write(
              `\r\x1b[2K${p.index + 1}/${p.total} ${p.scenario}: ${p.executions} executions, ${p.states} states`,
            )
        : undefined,
    }),
  );
  if (showProgress) process.stderr.write('\r\x1b[2K');
  const out = await renderReport(r, o, {
    ...textOptions(ex, submission, o.traces !== false, o.model),
    ...(o.timeouts === 'anytime' ? { replayFlags: '--timeouts anytime' } : {}),
  });
  if (o.out !== undefined) writeOutputFile(o.out, out);
  else process.stdout.write(out);
  if (r.status === 'error') return EXIT_USAGE;
  return r.status === 'passed' ? EXIT_OK : EXIT_FINDINGS;
}

/** How many scenarios a grading runs: no more worker threads than that are worth starting. */
function gradedScenarios(ex: Exercise, quick: boolean | undefined, only: string[] | undefined): number {
  return selectedScenarios(ex, { mode: quick ? 'quick' : 'full', ...(only ? { only } : {}) }).length;
}

/** Name submission files as graders see them (base names; duplicates keep their path). */
export function submissionNames(paths: string[]): string[] {
  const base = paths.map((p) => basename(p));
  return base.map((b, i) => (base.indexOf(b) !== i || base.lastIndexOf(b) !== i ? paths[i]! : b));
}

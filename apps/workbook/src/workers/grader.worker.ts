/**
 * The grading worker: the same grader as `teardown grade`, in a module
 * worker behind comlink (docs/architecture.md, "Data flow"). The page never blocks on it;
 * a runaway grading is stopped by terminating this worker (see
 * exercise/grader-client.ts).
 */
import * as Comlink from 'comlink';
import {
  compile,
  decodeToken,
  withPlan,
  initParser,
  traceObjects,
  DEFAULT_LIMITS,
  type Diagnostic,
  type ObjectTrace,
} from '@teardown/core';
import {
  grade,
  gradingFiles,
  parseExercise,
  parseUpstream,
  upstreamExercise,
  scenarioSpec,
  type Exercise,
  type GradeProgress,
  type GradeReport,
} from '@teardown/grader';
import tsWasmUrl from 'web-tree-sitter/web-tree-sitter.wasm?url';
import cWasmUrl from 'tree-sitter-c/tree-sitter-c.wasm?url';
import { EXERCISE_FILES } from '../exercise/bundle';
import { UPSTREAM_EXERCISE, UPSTREAM_FILES } from '../exercise/upstream-bundle';
import { SUBMISSION } from '../exercise/names';

const exercises = new Map<string, Exercise>();
function exercise(id: string): Exercise {
  let ex = exercises.get(id);
  if (!ex && id === UPSTREAM_EXERCISE) {
    // the upstream reproducers, run in the exercise whose harness and reference solution they use
    const files = new Map(Object.entries(UPSTREAM_FILES));
    const up = parseUpstream(files);
    ex = upstreamExercise(exercise(up.exercise), up, files);
    exercises.set(id, ex);
  }
  if (!ex) {
    const files = EXERCISE_FILES[id];
    if (!files) throw new Error(`no exercise ${id} in this build`);
    ex = parseExercise(files);
    exercises.set(id, ex);
  }
  return ex;
}

let parser: Promise<unknown> | undefined;
const ready = () => (parser ??= initParser({ treeSitterWasm: tsWasmUrl, cGrammarWasm: cWasmUrl }));

/** A replayed trace with the kernel objects at every step, for the trace viewer. */
export interface TraceView {
  trace: ObjectTrace;
  /** Thread names by thread id (the last is the setup/check task). */
  threads: string[];
  /** Source text of every file a step is in, by file name. */
  sources: Record<string, string>;
}

/** What the page needs of an exercise's manifest. */
export interface ExerciseInfo {
  starter: string;
  functions: string[];
  title: string;
  scenarios: { id: string; title: string }[];
  /** The exercise's hints, gentlest first (exercise.json `hints`; none when it has none). */
  hints: string[];
  /** The reference solution (the upstream reproducers run it; the exercise page never shows it). */
  solution: string;
  /** The preset dictionary of share links (exercise/share.ts): the starter, then the solution. */
  shareDictionary: string;
}

/** Beyond the mode: only some scenarios, on a model variant (`iommufd-6.17+wake-up-all`; core's modelFiles). */
export interface GradeExtra {
  only?: string[];
  model?: string;
}

const api = {
  /** Load the parser and the exercise (`upstream`: the upstream findings' reproducers); resolves when grading can start. */
  async init(id: string): Promise<ExerciseInfo> {
    await ready();
    const ex = exercise(id);
    return {
      starter: ex.files.get(ex.manifest.starter)!,
      functions: ex.manifest.functions,
      title: ex.manifest.title,
      scenarios: ex.scenarios.map((s) => ({ id: s.id, title: s.title })),
      hints: ex.manifest.hints ?? [],
      solution: ex.files.get(ex.manifest.solution)!,
      shareDictionary: ex.files.get(ex.manifest.starter)! + ex.files.get(ex.manifest.solution)!,
    };
  },

  /** Grade `code`: quick (visible scenarios, small budget) or full. */
  async grade(
    id: string,
    code: string,
    mode: 'quick' | 'full',
    onProgress?: (p: GradeProgress) => void,
    extra: GradeExtra = {},
  ): Promise<GradeReport> {
    await ready();
    let last = 0;
    return grade(exercise(id), [{ name: SUBMISSION, text: code }], {
      mode,
      ...(extra.only ? { only: extra.only } : {}),
      ...(extra.model ? { model: extra.model } : {}),
      onProgress:
        onProgress &&
        ((p) => {
          const now = performance.now();
          if (now - last < 100) return;
          last = now;
          onProgress(p);
        }),
    });
  },

  /** Replay a schedule of one scenario and record the objects after each step. */
  async trace(
    id: string,
    code: string,
    scenario: string,
    token: string,
    model?: string,
  ): Promise<TraceView | { diagnostics: Diagnostic[] }> {
    await ready();
    const ex = exercise(id);
    const s = ex.scenarios.find((x) => x.id === scenario);
    if (!s) throw new Error(`exercise ${id} has no scenario ${scenario}`);
    const files = gradingFiles(ex, [{ name: SUBMISSION, text: code }], [s], model);
    const c = await compile(files);
    if (!c.program) return { diagnostics: c.diagnostics };
    const { schedules, faults } = decodeToken(token);
    const spec = withPlan(scenarioSpec(c.program, s)!, faults);
    const schedule = schedules[0]!;
    const limits = { ...DEFAULT_LIMITS, ...ex.manifest.limits };
    const trace = traceObjects(c.program, spec, schedule, limits, schedule.length, { stacks: true });
    const used = new Set(trace.steps.map((st) => st.frame.file));
    const sources: Record<string, string> = {};
    for (const f of files) if (used.has(f.name)) sources[f.name] = f.text;
    return { trace, threads: [...spec.threads.map((t) => t.name), 'setup'], sources };
  },
};

export type GraderApi = typeof api;
Comlink.expose(api);

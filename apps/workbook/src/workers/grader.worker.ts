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
  scenarioSpec,
  type Exercise,
  type GradeProgress,
  type GradeReport,
} from '@teardown/grader';
import tsWasmUrl from 'web-tree-sitter/web-tree-sitter.wasm?url';
import cWasmUrl from 'tree-sitter-c/tree-sitter-c.wasm?url';
import { EXERCISE_FILES } from '../exercise/bundle';
import { SUBMISSION } from '../exercise/names';

const exercises = new Map<string, Exercise>();
function exercise(id: string): Exercise {
  let ex = exercises.get(id);
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
  /** The preset dictionary of share links (exercise/share.ts): the starter, then the solution. */
  shareDictionary: string;
}

const api = {
  /** Load the parser and the exercise; resolves when grading can start. */
  async init(id: string): Promise<ExerciseInfo> {
    await ready();
    const ex = exercise(id);
    return {
      starter: ex.files.get(ex.manifest.starter)!,
      functions: ex.manifest.functions,
      title: ex.manifest.title,
      scenarios: ex.scenarios.map((s) => ({ id: s.id, title: s.title })),
      hints: ex.manifest.hints ?? [],
      shareDictionary: ex.files.get(ex.manifest.starter)! + ex.files.get(ex.manifest.solution)!,
    };
  },

  /** Grade `code`: quick (visible scenarios, small budget) or full. */
  async grade(
    id: string,
    code: string,
    mode: 'quick' | 'full',
    onProgress?: (p: GradeProgress) => void,
  ): Promise<GradeReport> {
    await ready();
    let last = 0;
    return grade(exercise(id), [{ name: SUBMISSION, text: code }], {
      mode,
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
  ): Promise<TraceView | { diagnostics: Diagnostic[] }> {
    await ready();
    const ex = exercise(id);
    const s = ex.scenarios.find((x) => x.id === scenario);
    if (!s) throw new Error(`exercise ${id} has no scenario ${scenario}`);
    const files = gradingFiles(ex, [{ name: SUBMISSION, text: code }], [s]);
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

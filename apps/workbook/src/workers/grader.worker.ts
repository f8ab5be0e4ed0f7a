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
  type PlayGoal,
  type PlayView,
  goalMet,
  playScore,
  type PlayScore,
  type Finding,
} from '@teardown/core';
import {
  grade,
  gradePart,
  mergeParts,
  selectedScenarios,
  gradingFiles,
  parseExercise,
  parseUpstream,
  upstreamExercise,
  scenarioSpec,
  exerciseChallenges,
  playChallenge,
  playScenario,
  type PlaySetup,
  type ChallengeManifest,
  type Exercise,
  type GradeOptions,
  type GradePart,
  type GradeProgress,
  type GradeReport,
} from '@teardown/grader';
import type { CompileResult, SourceFile } from '@teardown/core';
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

/** What to play: a challenge of the exercise, or a scenario with the learner's code. */
export type PlayTarget = { challenge: string } | { scenario: string; code: string };

/** A played position as the page draws it (core's PlayView), with the challenge's goal and a win's score. */
export interface PlayState extends PlayView {
  /** Thread names by thread id. */
  names: string[];
  /** The finding that met the challenge's goal, and the score against the checker's minimal interleaving. */
  won?: { finding: Finding; score: PlayScore };
}

/** The session a play page opened (one at a time per worker). */
interface Playing {
  setup: PlaySetup;
  challenge?: ChallengeManifest;
}
let playing: Playing | null = null;

function playState(v: PlayView): PlayState {
  const p = playing!;
  const names = p.setup.spec.threads.map((t) => t.name);
  const goal: PlayGoal | undefined = p.challenge?.goal;
  const f = goal ? goalMet(goal, v.findings) : undefined;
  return {
    ...v,
    names,
    ...(f && p.challenge ? { won: { finding: f, score: playScore(f, p.challenge.minimal) } } : {}),
  };
}

/** Moves of a play session (core's PlaySession). */
export type PlayMove = { step: number } | { toMyCode: number } | 'undo' | 'restart' | { load: string };

/**
 * Open a play session (the previous one is dropped): a challenge, or a
 * scenario with the learner's code; `token` jumps to a played interleaving
 * (a share link's). Returns the first view, the sources of every file a
 * thread can be in, the learner's files and, for a challenge, its manifest.
 */
async function playOpen(
  id: string,
  target: PlayTarget,
  token?: string,
): Promise<{
  state: PlayState;
  sources: Record<string, string>;
  learnerFiles: string[];
  challenge?: ChallengeManifest;
}> {
  await ready();
  const ex = exercise(id);
  let challenge: ChallengeManifest | undefined;
  let setup: PlaySetup;
  if ('challenge' in target) {
    challenge = exerciseChallenges(ex).find((c) => c.id === target.challenge);
    if (!challenge) throw new Error(`exercise ${id} has no challenge ${target.challenge}`);
    setup = await playChallenge(ex, challenge);
  } else {
    setup = await playScenario(ex, [{ name: SUBMISSION, text: target.code }], target.scenario, token ? { token } : {});
  }
  playing = { setup, ...(challenge ? { challenge } : {}) };
  const v = token ? setup.session.load(decodeToken(token).schedules[0] ?? []) : setup.session.view();
  return {
    state: playState(v),
    sources: setup.sources,
    learnerFiles: setup.learnerFiles,
    ...(challenge ? { challenge } : {}),
  };
}

/** One move of the open session; throws when there is none, or the move is not allowed (a blocked thread). */
async function playMove(move: PlayMove): Promise<PlayState> {
  if (!playing) throw new Error('no play session is open');
  const s = playing.setup.session;
  if (move === 'undo') return playState(s.undo());
  if (move === 'restart') return playState(s.restart());
  if ('step' in move) return playState(s.step(move.step));
  if ('toMyCode' in move) return playState(s.runToMyCode(move.toMyCode));
  s.restart();
  return playState(s.load(decodeToken(move.load).schedules[0] ?? []));
}

/**
 * Compiled programs of this worker, by the exact text of their sources: the
 * parts of one grading (one scenario each) reuse the program compiled for
 * the first (a Program is never changed by exploring it). Two kept: the
 * code being graded and the previous one.
 */
const compiled = new Map<string, Promise<CompileResult>>();
function compileCached(files: SourceFile[], replaces: ReadonlySet<string> | undefined): Promise<CompileResult> {
  const key = JSON.stringify([
    files.map((f) => [f.name, f.role, f.unit ?? null, f.text]),
    replaces ? [...replaces] : null,
  ]);
  let c = compiled.get(key);
  if (!c) {
    c = compile(files, replaces ? { replaces } : {});
    if (compiled.size >= 2) compiled.delete(compiled.keys().next().value!);
    compiled.set(key, c);
  }
  return c;
}

/** The grading options of a page's mode and extras (the same for every part of one grading and its merge). */
function gradeOptions(mode: 'quick' | 'full', extra: GradeExtra): GradeOptions {
  return { mode, ...(extra.only ? { only: extra.only } : {}), ...(extra.model ? { model: extra.model } : {}) };
}

/** A progress callback that passes on at most one report per 100 ms. */
function throttled(onProgress?: (p: GradeProgress) => void): ((p: GradeProgress) => void) | undefined {
  let last = 0;
  return (
    onProgress &&
    ((p) => {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      onProgress(p);
    })
  );
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
    return grade(exercise(id), [{ name: SUBMISSION, text: code }], {
      ...gradeOptions(mode, extra),
      onProgress: throttled(onProgress),
    });
  },

  /** The ids of the scenarios a grading in `mode` runs, in report order (what the page splits among workers). */
  async scenarios(id: string, mode: 'quick' | 'full', extra: GradeExtra = {}): Promise<string[]> {
    return selectedScenarios(exercise(id), gradeOptions(mode, extra)).map((s) => s.id);
  },

  /**
   * One part of a grading split among several workers: the scenarios `ids`
   * (grader's gradePart), compiled once per worker for the same code.
   */
  async part(
    id: string,
    code: string,
    mode: 'quick' | 'full',
    ids: string[],
    onProgress?: (p: GradeProgress) => void,
    extra: GradeExtra = {},
  ): Promise<GradePart> {
    await ready();
    const opts = { ...gradeOptions(mode, extra), onProgress: throttled(onProgress) };
    return gradePart(exercise(id), [{ name: SUBMISSION, text: code }], opts, ids, compileCached);
  },

  /** The report of a grading from its parts, in any order (grader's mergeParts); `ms` its wall-clock time. */
  async merge(
    id: string,
    code: string,
    mode: 'quick' | 'full',
    parts: GradePart[],
    ms: number,
    extra: GradeExtra = {},
  ): Promise<GradeReport> {
    return mergeParts(exercise(id), [{ name: SUBMISSION, text: code }], gradeOptions(mode, extra), parts, ms);
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

  playOpen,
  playMove,
};

export type GraderApi = typeof api;
Comlink.expose(api);

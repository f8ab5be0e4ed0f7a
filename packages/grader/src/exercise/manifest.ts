/**
 * Exercises: the manifest (`exercise.json`) and the files it names, read
 * from a plain map of relative path to text so that Node (a folder) and the
 * browser (files bundled into the site) load an exercise the same way.
 *
 * Layout of `exercises/<id>/` (docs/grading.md, "An exercise"): README.md (statement),
 * starter.c, solution.c, known-bad/*.c, scenarios/*.c, a harness header the
 * scenarios share, exercise.json, and model-findings.json (the findings in
 * the model's own kernel code that the reference solution shows, by
 * scenario: see grade/attribution.ts).
 */
import type { Budget, FindingKind, Limits, PlayGoal } from '@teardown/core';
import { FINDING_KINDS, MODEL_BASES, decodeToken } from '@teardown/core';

export interface ScenarioManifest {
  /** Path of the scenario file, e.g. `scenarios/destroy-races-unbind.c`. */
  file: string;
  title: string;
  points: number;
  /** Visible scenarios run on Run (quick); all run on Submit and in `teardown grade`. */
  visible: boolean;
  /** An upstream selftest or a walk-through of the research notes: the unmodified model must pass it. */
  fidelity?: boolean;
}

export interface KnownBadManifest {
  file: string;
  /** Finding kinds the version must produce (each of them, in some scenario). */
  kinds: FindingKind[];
  /** Where it comes from (a seed message, or "plausible mistake: ..."). */
  source: string;
  /**
   * Model functions the file defines in place of the model's: a patch over
   * the model, for history replayed as posted (core's CompileOptions.replaces).
   */
  replaces?: string[];
  /**
   * Preemptions the minimised counterexample of a kind must need, where the
   * seed states it (v2's use-after-free: 3): fewest over the scenarios.
   */
  preemptions?: Partial<Record<FindingKind, number>>;
}

export interface ExerciseManifest {
  id: string;
  title: string;
  /** Workbook path of the chapter the exercise belongs to. */
  chapter?: string;
  statement: string;
  starter: string;
  solution: string;
  /** The model base the scenarios run against: `iommufd-6.17`, `vfio-6.1` (core's MODEL_BASES). */
  model: string;
  /** Header every scenario includes; compiled into each scenario's translation unit. */
  harness?: string;
  /** The functions a submission defines, as C prototypes. */
  functions: string[];
  /** Exploration budget per scenario for a full grading (Submit, `teardown grade`). */
  budget: Budget;
  /** Budget per scenario for a quick run (Run in the workbook). */
  quickBudget: Budget;
  limits?: Partial<Limits>;
  scenarios: ScenarioManifest[];
  knownBad: KnownBadManifest[];
  /** File with the reference solution's model findings, by scenario id. */
  modelFindings?: string;
  /**
   * Hints the workbook reveals one at a time after Submits that do not earn
   * full marks, gentlest first: short texts with inline Markdown (`code`,
   * **bold**, [links](/chapters/...)). docs/grading.md, "Hints".
   */
  hints?: string[];
  /** Play challenges (./challenge.ts): the learner picks the interleaving until the goal finding appears. */
  challenges?: ChallengeManifest[];
}

/** One challenge as the manifest states it. */
export interface ChallengeManifest {
  /** Unique in the exercise: lower-case letters, digits, dashes. */
  id: string;
  /** Workbook path of the chapter that embeds it (`chapters/06-three-cases`). */
  chapter: string;
  /** The task, one sentence (`Make the v2 patch free the idev while IOMMU_DESTROY still uses it`). */
  title: string;
  /** A few sentences of context: what the threads do, what to look for. */
  text?: string;
  /** The program: the exercise's solution or one of its known-bad files (compiled with its `replaces`). */
  program: string;
  /** The scenario id (the file's base name). */
  scenario: string;
  goal: PlayGoal;
  /** The checker's minimal counterexample for the goal: its token, visible steps and preemptions. */
  minimal: { token: string; steps: number; preemptions: number };
}

/**
 * The problems of an exercise's `challenges` (empty when they are fine):
 * unknown program or scenario, bad goal kind, malformed token, duplicate id.
 */
function challengeProblems(
  list: unknown,
  files: ReadonlyMap<string, string>,
  scenarioIds: ReadonlySet<string>,
): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return ['challenges must be a list'];
  const out: string[] = [];
  const ids = new Set<string>();
  for (const [i, c] of (list as ChallengeManifest[]).entries()) {
    const at = `challenges[${i}]`;
    if (typeof c.id !== 'string' || !/^[a-z0-9-]+$/.test(c.id))
      out.push(`${at}.id must be lower-case letters, digits and dashes`);
    else if (ids.has(c.id)) out.push(`two challenges have the id ${c.id}`);
    ids.add(c.id);
    if (typeof c.chapter !== 'string' || !c.chapter.startsWith('chapters/'))
      out.push(`${at}.chapter must be a chapters/... path`);
    if (typeof c.title !== 'string' || !c.title.trim()) out.push(`${at}.title is missing`);
    if (typeof c.program !== 'string' || !files.has(c.program))
      out.push(`${at}.program ${String(c.program)} is missing`);
    if (!scenarioIds.has(c.scenario))
      out.push(`${at}.scenario ${String(c.scenario)} is not a scenario of the exercise`);
    if (!c.goal || !FINDING_KINDS.includes(c.goal.kind as FindingKind))
      out.push(`${at}.goal.kind must be a finding kind`);
    const m = c.minimal;
    if (!m || typeof m.steps !== 'number' || typeof m.preemptions !== 'number') {
      out.push(`${at}.minimal must be {token, steps, preemptions}`);
    } else {
      try {
        decodeToken(m.token);
      } catch (e) {
        out.push(`${at}.minimal.token: ${(e as Error).message}`);
      }
    }
  }
  return out;
}

/** A scenario with its id (the file's base name without `.c`) and text. */
export interface Scenario extends ScenarioManifest {
  id: string;
  text: string;
}

export interface Exercise {
  manifest: ExerciseManifest;
  scenarios: Scenario[];
  /** Every file of the exercise by relative path. */
  files: ReadonlyMap<string, string>;
  /** Keys of the findings in the model's code that the reference solution shows, by scenario id. */
  modelFindings: ReadonlyMap<string, ReadonlySet<string>>;
  /** The function names a submission must define. */
  functionNames: string[];
}

/** The exercise files are inconsistent; `problems` lists every one. */
export class ExerciseError extends Error {
  constructor(
    readonly id: string,
    readonly problems: string[],
  ) {
    super(`exercise ${id}: ${problems.join('; ')}`);
  }
}

/** The scenario id of a scenario file path. */
export function scenarioId(file: string): string {
  return file.replace(/^.*\//, '').replace(/\.c$/, '');
}

/** The longest hint: a nudge of a few sentences, not a walk-through (exercise.schema.json says the same). */
export const MAX_HINT = 600;

const isBudget = (b: unknown): b is Budget =>
  typeof b === 'object' &&
  b !== null &&
  Object.entries(b).every(([k, v]) => ['executions', 'ms', 'steps'].includes(k) && typeof v === 'number' && v > 0);

/**
 * Read and check an exercise from its files (relative path to text).
 * Errors: ExerciseError listing every problem found (missing files, bad
 * manifest fields, unknown finding kinds, duplicate scenario ids, hints that
 * are not non-empty strings).
 */
export function parseExercise(files: Record<string, string> | ReadonlyMap<string, string>): Exercise {
  const map: ReadonlyMap<string, string> = files instanceof Map ? files : new Map(Object.entries(files));
  const problems: string[] = [];
  const raw = map.get('exercise.json');
  if (raw === undefined) throw new ExerciseError('?', ['no exercise.json']);
  let m: ExerciseManifest;
  try {
    m = JSON.parse(raw) as ExerciseManifest;
  } catch (e) {
    throw new ExerciseError('?', [`exercise.json is not JSON: ${(e as Error).message}`]);
  }
  const id = typeof m.id === 'string' ? m.id : '?';
  const need = (path: unknown, what: string) => {
    if (typeof path !== 'string') problems.push(`${what} is not a file path`);
    else if (!map.has(path)) problems.push(`${what} ${path} is missing`);
  };
  if (typeof m.id !== 'string' || !/^[a-z0-9-]+$/.test(m.id))
    problems.push('id must be lower-case letters, digits and dashes');
  if (typeof m.title !== 'string') problems.push('title is missing');
  need(m.statement, 'statement');
  need(m.starter, 'starter');
  need(m.solution, 'solution');
  if (m.harness !== undefined) need(m.harness, 'harness');
  if (m.model === undefined) problems.push('the manifest names no model: add "model": "iommufd-6.17"');
  else if (!MODEL_BASES.some((b) => b.id === m.model)) {
    const bases = MODEL_BASES.map((b) => JSON.stringify(b.id)).join(' or ');
    problems.push(`unknown model ${JSON.stringify(m.model)}: write "model": ${bases} (a model base, without patches)`);
  }
  if (!Array.isArray(m.functions) || !m.functions.length)
    problems.push('functions must list the prototypes a submission defines');
  if (!isBudget(m.budget)) problems.push('budget must be {executions?, ms?, steps?} with positive numbers');
  if (!isBudget(m.quickBudget)) problems.push('quickBudget must be {executions?, ms?, steps?} with positive numbers');
  const functionNames = (Array.isArray(m.functions) ? m.functions : [])
    .map((p) => /(\w+)\s*\(/.exec(p)?.[1] ?? '')
    .filter(Boolean);
  const scenarios: Scenario[] = [];
  const ids = new Set<string>();
  for (const [i, s] of (Array.isArray(m.scenarios) ? m.scenarios : []).entries()) {
    need(s.file, `scenarios[${i}].file`);
    if (typeof s.title !== 'string') problems.push(`scenarios[${i}].title is missing`);
    if (typeof s.points !== 'number' || s.points < 0) problems.push(`scenarios[${i}].points must be a number >= 0`);
    if (typeof s.visible !== 'boolean') problems.push(`scenarios[${i}].visible must be true or false`);
    const sid = scenarioId(String(s.file));
    if (ids.has(sid)) problems.push(`two scenarios have the id ${sid}`);
    ids.add(sid);
    scenarios.push({ ...s, id: sid, text: map.get(s.file) ?? '' });
  }
  if (!scenarios.length) problems.push('no scenarios');
  for (const [i, k] of (Array.isArray(m.knownBad) ? m.knownBad : []).entries()) {
    need(k.file, `knownBad[${i}].file`);
    if (!Array.isArray(k.kinds) || !k.kinds.length || k.kinds.some((x) => !FINDING_KINDS.includes(x))) {
      problems.push(`knownBad[${i}].kinds must list finding kinds (${FINDING_KINDS.join(', ')})`);
    }
    if (k.replaces !== undefined && (!Array.isArray(k.replaces) || k.replaces.some((x) => typeof x !== 'string')))
      problems.push(`knownBad[${i}].replaces must list model function names`);
    if (
      k.preemptions !== undefined &&
      (typeof k.preemptions !== 'object' ||
        Object.entries(k.preemptions).some(
          ([kind, n]) => !FINDING_KINDS.includes(kind as FindingKind) || typeof n !== 'number' || n < 0,
        ))
    )
      problems.push(`knownBad[${i}].preemptions must map finding kinds to numbers of preemptions`);
  }
  if (m.hints !== undefined) {
    if (!Array.isArray(m.hints)) problems.push('hints must be a list of strings');
    else
      for (const [i, t] of m.hints.entries()) {
        if (typeof t !== 'string' || !t.trim()) problems.push(`hints[${i}] must be a non-empty string`);
        else if (t.length > MAX_HINT) problems.push(`hints[${i}] is ${t.length} characters long (at most ${MAX_HINT})`);
      }
  }
  const modelFindings = new Map<string, Set<string>>();
  if (m.modelFindings !== undefined) {
    const text = map.get(m.modelFindings);
    if (text === undefined) problems.push(`modelFindings ${m.modelFindings} is missing`);
    else {
      try {
        const obj = JSON.parse(text) as { scenarios?: Record<string, string[]> };
        for (const [sid, keys] of Object.entries(obj.scenarios ?? {})) modelFindings.set(sid, new Set(keys));
      } catch (e) {
        problems.push(`${m.modelFindings} is not JSON: ${(e as Error).message}`);
      }
    }
  }
  problems.push(...challengeProblems(m.challenges, map, ids));
  if (problems.length) throw new ExerciseError(id, problems);
  return { manifest: m, scenarios, files: map, modelFindings, functionNames };
}

/**
 * Grading one submission: compile it with the model and every scenario
 * (each scenario its own translation unit, so one compile serves all),
 * explore each scenario, charge findings (grade/attribution.ts), minimise
 * the charged counterexamples, and score.
 *
 * Pure: no file system, no timers beyond the clock; the same code runs in
 * Node and in the browser's grading worker.
 */
import {
  DEFAULT_LIMITS,
  attachTrace,
  budgetMeters,
  budgetTooSmall,
  unexplored,
  MINIMISE_SHARE,
  compile,
  exploreScenario,
  minimise,
  modelFiles,
  parseModelVariant,
  threadTaskName,
  unitKey,
  declaredFaults,
  type Budget,
  type CompileResult,
  type Coverage,
  type Diagnostic,
  type Finding,
  type Limits,
  type Program,
  type ReportFinding,
  type ScenarioSpec,
  type SourceFile,
  type StrategyName,
} from '@teardown/core';
import type { Exercise, Scenario } from '../exercise/manifest.js';
import { charged, groupFindings } from './attribution.js';

export const GRADE_REPORT_VERSION = 1;

/** A submission: one or more C files (usually one). */
export interface SubmissionFile {
  name: string;
  text: string;
}

/** A finding in a graded scenario; `similar` counts further findings of the same kind and title. */
export interface GradedFinding extends ReportFinding {
  similar: number;
}

export interface ScenarioResult {
  id: string;
  title: string;
  file: string;
  points: number;
  /** Points earned: all or nothing. */
  score: number;
  visible: boolean;
  fidelity: boolean;
  /** Thread names by thread id (the `a`, `b`, ... of schedule tokens); empty when not run. */
  threads: string[];
  /** passed: no finding charged to the submission; failed: some; error: not run (the submission did not compile, or the budget ended before one full execution). */
  status: 'passed' | 'failed' | 'error';
  coverage: Coverage | null;
  /** The strategy finished within the budget (else the coverage is partial). */
  complete: boolean;
  stats: { executions: number; traces: number; states: number; steps: number; ms?: number };
  /** Findings charged to the submission, one per kind and title, minimised, with their trace. */
  findings: GradedFinding[];
  /** Findings in the model's own kernel code that the reference solution shows too: reported apart, free. */
  modelFindings: GradedFinding[];
  /** With `bare`: the keys of every finding of model origin (what model-findings.json records for the solution). */
  modelKeys?: string[];
}

export interface GradeReport {
  version: number;
  exercise: { id: string; title: string };
  submission: string[];
  mode: 'full' | 'quick';
  /**
   * passed: every scenario run passed; failed: some failed; error: not graded, because the
   * submission does not compile or (with `why: 'budget'`) the budget ended before one full execution.
   */
  status: 'passed' | 'failed' | 'error';
  /** Why a report with status error was not graded; absent for a submission that does not compile. */
  why?: 'budget';
  score: number;
  maxScore: number;
  diagnostics: Diagnostic[];
  scenarios: ScenarioResult[];
  /** Model functions the submission replaced (a known-bad version replaying history; absent otherwise). */
  modelPatch?: string[];
  /** The model variant graded against when it is not the exercise's own (`iommufd-6.17+wake-up-all`; core's modelFiles). */
  model?: string;
  /** Wall-clock milliseconds (absent in reproducible reports). */
  ms?: number;
}

export interface GradeProgress {
  /** Scenario being explored, its index and the number of scenarios. */
  scenario: string;
  index: number;
  total: number;
  /** Executions explored in this scenario so far, and in all scenarios. */
  executions: number;
  totalExecutions: number;
  /**
   * States of this scenario's exploration so far: the exploration-tree nodes
   * (distinct states when the exploration is stateful; core's Progress.states).
   */
  states: number;
  ms: number;
}

export interface GradeOptions {
  /** full: every scenario, the exercise's budget; quick: visible scenarios, its quick budget. */
  mode?: 'full' | 'quick';
  /** Only these scenario ids. */
  only?: string[];
  strategy?: StrategyName;
  /** Schedule at synchronisation points (core's ScenarioOptions.syncPoints). */
  syncPoints?: boolean;
  seed?: number;
  /**
   * Overrides the exercise's budget per scenario. Exploration, minimisation
   * and traces of a scenario share it (core's budgetMeters); a budget that
   * ends before one full execution of a scenario makes the report an error.
   */
  budget?: Budget;
  /**
   * Omit wall-clock times and stop on deterministic budgets only (a time
   * budget stands for `ms * WORK_PER_MS` work units), so reruns are
   * byte-identical under any budget.
   */
  reproducible?: boolean;
  /** Skip minimisation and traces (the reference-findings refresh does). */
  bare?: boolean;
  /**
   * Replay each of the model's own findings for its step trace and the
   * kernel objects where it ends, as a charged finding's is (default true).
   * The JSON report carries them (the workbook page shows them); the text
   * report and the platforms' formats name a model finding by its kind,
   * title and replay token only, so their commands turn this off and save a
   * recorded replay per model finding.
   */
  modelTraces?: boolean;
  /**
   * Model functions the submission defines in place of the model's (a
   * known-bad version that replays history as posted; core's
   * CompileOptions.replaces). Learners' submissions never have one.
   */
  replaces?: readonly string[];
  /**
   * The model variant to grade against (core's modelFiles:
   * `iommufd-6.17+<patch>...`); default the exercise's manifest model. A
   * bad name throws core's ModelVariantError before anything runs.
   */
  model?: string;
  /**
   * When timed waits may time out (core's ScenarioSpec.timeouts). Grading
   * keeps the default, quiescent; `anytime` is for demonstrations.
   */
  timeouts?: 'quiescent' | 'anytime';
  onProgress?: (p: GradeProgress) => void;
  /**
   * Run the scenarios in parts elsewhere (the CLI's worker threads, the
   * page's module workers) instead of in this thread; see GradeRunner.
   */
  runner?: GradeRunner;
  /** Checked between executions: true cancels (the scenarios not finished count as failed). */
  shouldStop?: () => boolean;
  now?: () => number;
}

const defaultNow = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The files compiled for a submission: model (the variant `model`, default
 * the exercise's), submission, then each scenario as a unit (harness +
 * scenario). Throws core's ModelVariantError for a bad variant.
 */
export function gradingFiles(
  ex: Exercise,
  submission: readonly SubmissionFile[],
  scenarios: readonly Scenario[],
  model: string = ex.manifest.model,
): SourceFile[] {
  // the exercise's functions are the learner's to write, also where the model defines them (SourceFile.learnerWrites)
  const mine = ex.functionNames;
  const files: SourceFile[] = modelFiles(model).map((f) => (mine.length ? { ...f, learnerWrites: mine } : f));
  for (const f of submission) files.push({ name: f.name, text: f.text, role: 'learner' });
  const harness = ex.manifest.harness;
  for (const s of scenarios) {
    if (harness) files.push({ name: harness, text: ex.files.get(harness)!, role: 'harness', unit: s.id });
    files.push({ name: s.file, text: s.text, role: 'harness', unit: s.id });
  }
  return files;
}

/** `setup`, the `thread_<name>` functions (core's threadTaskName) and `check` of one scenario unit. */
export function scenarioSpec(program: Program, s: Scenario): ScenarioSpec | undefined {
  const prefix = unitKey(s.id, '');
  const threads = [...program.fnIndex.keys()]
    .filter((k) => k.startsWith(prefix) && program.functions[program.fnIndex.get(k)!]!.code.length > 0)
    .flatMap((k) => {
      const name = threadTaskName(k.slice(prefix.length));
      return name === undefined ? [] : [{ fn: k, name }];
    });
  if (!threads.length) return undefined;
  const has = (n: string) => program.fnIndex.has(unitKey(s.id, n));
  const faults = declaredFaults(program, (n) => unitKey(s.id, n));
  return {
    setup: has('setup') ? unitKey(s.id, 'setup') : undefined,
    threads,
    check: has('check') ? unitKey(s.id, 'check') : undefined,
    ...(faults ? { faults } : {}),
  };
}

/**
 * Diagnostics a learner can act on. A missing exercise function shows up as
 * a link error at the model's call site; it is reported against the
 * submission instead, with the prototype to write.
 */
function learnerDiagnostics(
  ex: Exercise,
  c: CompileResult,
  submission: readonly SubmissionFile[],
  files: SourceFile[],
): Diagnostic[] {
  const learnerNames = new Set(submission.map((f) => f.name));
  const out: Diagnostic[] = [];
  const missing = new Set<string>();
  for (const d of c.diagnostics) {
    if (learnerNames.has(d.file)) {
      out.push(d);
      continue;
    }
    const m = /undefined reference to '(\w+)'/.exec(d.message);
    if (m && ex.functionNames.includes(m[1]!)) {
      missing.add(m[1]!);
      continue;
    }
    // a problem in the model or a scenario that the submission caused (a name it redefines, say)
    out.push({
      ...d,
      message: `${d.message} (in ${files.find((f) => f.name === d.file)?.role === 'prelude' ? 'the model' : 'the exercise'}: check the names your file defines)`,
    });
  }
  for (const name of missing) {
    const proto = ex.manifest.functions.find((p) => new RegExp(`\\b${name}\\s*\\(`).test(p)) ?? name;
    out.push({
      file: submission[0]?.name ?? 'submission.c',
      line: 1,
      column: 1,
      severity: 'error',
      message: `the exercise needs '${name}': define ${proto}`,
    });
  }
  return out;
}

/**
 * The scenarios a grading runs, in report order: every scenario (full) or
 * the visible ones (quick), then only those of `opts.only`.
 */
export function selectedScenarios(ex: Exercise, opts: Pick<GradeOptions, 'mode' | 'only'>): Scenario[] {
  const mode = opts.mode ?? 'full';
  let scenarios = ex.scenarios.filter((s) => (mode === 'quick' ? s.visible : true));
  if (opts.only) scenarios = scenarios.filter((s) => opts.only!.includes(s.id));
  return scenarios;
}

/**
 * What one part of a grading returns (gradePart): the submission's
 * diagnostics when it does not compile (then no result), else one result
 * per scenario asked for, in the order asked, up to and including the first
 * whose budget ended before one full execution (status `error`), or up to
 * a cancellation (shouldStop).
 */
export interface GradePart {
  diagnostics?: Diagnostic[];
  results: ScenarioResult[];
}

/** Compiles a grading's files; the default is core's compile, a worker may memoise it (by the sources' hash). */
export type GradeCompile = (files: SourceFile[], replaces: ReadonlySet<string> | undefined) => Promise<CompileResult>;

/**
 * Grade the scenarios `ids` of a submission: compile the submission with the
 * model and every selected scenario (selectedScenarios: the same program
 * whatever part is asked, so a scenario's result does not depend on the
 * split), then explore, charge, minimise and trace each scenario of `ids`,
 * in that order; with `claim`, the scenarios `ids[claim()]` until claim()
 * returns an index past the end (several threads claiming from one shared
 * counter share out the scenarios as they go). Each scenario has its own budget meters, detector state
 * (lockdep's graph, KCSAN's reported pairs) and trace set: nothing carries
 * from one scenario to the next, which is why grade() may run the parts in
 * any worker and merge them (mergeParts; docs/scheduler.md, "Parallel
 * exploration"). Throws when a scenario has no thread functions.
 */
export async function gradePart(
  ex: Exercise,
  submission: readonly SubmissionFile[],
  opts: GradeOptions,
  ids: readonly string[],
  compileFiles: GradeCompile = (files, replaces) => compile(files, replaces ? { replaces } : {}),
  claim?: () => number,
): Promise<GradePart> {
  const model = opts.model ? parseModelVariant(opts.model).id : ex.manifest.model;
  const scenarios = selectedScenarios(ex, opts);
  const files = gradingFiles(ex, submission, scenarios, model);
  const c = await compileFiles(files, opts.replaces?.length ? new Set(opts.replaces) : undefined);
  if (!c.program) return { diagnostics: learnerDiagnostics(ex, c, submission, files), results: [] };
  const limits: Limits = { ...DEFAULT_LIMITS, ...ex.manifest.limits };
  const budget = opts.budget ?? (opts.mode === 'quick' ? ex.manifest.quickBudget : ex.manifest.budget);
  const results: ScenarioResult[] = [];
  let totalExecutions = 0;
  let k = 0;
  const nextId = () => ids[claim ? claim() : k++];
  for (let id = nextId(); id !== undefined; id = nextId()) {
    if (opts.shouldStop?.()) break;
    const index = scenarios.findIndex((x) => x.id === id);
    const s = scenarios[index]!;
    const spec = scenarioSpec(c.program, s);
    if (spec && opts.timeouts === 'anytime') spec.timeouts = 'anytime';
    if (!spec) throw new Error(`exercise ${ex.manifest.id}: scenario ${s.file} has no thread_<name> functions`);
    const reference = ex.modelFindings.get(s.id) ?? new Set<string>();
    const r = runScenario(c.program, spec, s, reference, limits, budget, opts, (executions, states, ms) => {
      opts.onProgress?.({
        scenario: s.id,
        index,
        total: scenarios.length,
        executions,
        totalExecutions: totalExecutions + executions,
        states,
        ms,
      });
    });
    totalExecutions += r.stats.executions;
    results.push(r);
    if (r.status === 'error') break; // no verdict for this scenario nor the rest (mergeParts)
  }
  return { results };
}

/**
 * The report of a grading from its parts, whatever the split and the order
 * the parts came in: a part with diagnostics (every part compiles the same
 * files, so one is enough) makes the report `error` with them; else the
 * results are taken by scenario id in report order, a scenario no part
 * returned (cancelled) is `error` and not run, and the first scenario whose
 * budget ended before one full execution ends the report (`why: 'budget'`,
 * the rest not run), as a sequential grading stops there. `ms` is the
 * wall-clock time of the whole grading.
 */
export function mergeParts(
  ex: Exercise,
  submission: readonly SubmissionFile[],
  opts: GradeOptions,
  parts: readonly GradePart[],
  ms: number,
): GradeReport {
  const mode = opts.mode ?? 'full';
  const model = opts.model ? parseModelVariant(opts.model).id : ex.manifest.model;
  const scenarios = selectedScenarios(ex, opts);
  const base: GradeReport = {
    version: GRADE_REPORT_VERSION,
    exercise: { id: ex.manifest.id, title: ex.manifest.title },
    submission: submission.map((f) => f.name),
    mode,
    status: 'error',
    score: 0,
    maxScore: scenarios.reduce((a, s) => a + s.points, 0),
    diagnostics: [],
    scenarios: [],
    ...(opts.replaces?.length ? { modelPatch: [...opts.replaces] } : {}),
    ...(model !== ex.manifest.model ? { model } : {}),
  };
  const failed = parts.find((p) => p.diagnostics);
  if (failed) return finish({ ...base, diagnostics: failed.diagnostics!, scenarios: scenarios.map(notRun) }, opts, ms);
  const byId = new Map(parts.flatMap((p) => p.results.map((r) => [r.id, r] as const)));
  const budget = opts.budget ?? (mode === 'quick' ? ex.manifest.quickBudget : ex.manifest.budget);
  const results: ScenarioResult[] = [];
  for (const [index, s] of scenarios.entries()) {
    const r = byId.get(s.id);
    results.push(r ?? notRun(s));
    if (r?.status === 'error') {
      // the budget ended before one full execution: no verdict for this scenario nor the rest
      const diagnostics = [budgetTooSmall(s.file, budget, `scenario ${s.id}`)];
      const rest = scenarios.slice(index + 1).map(notRun);
      return finish({ ...base, why: 'budget', diagnostics, scenarios: [...results, ...rest] }, opts, ms);
    }
  }
  const score = results.reduce((a, r) => a + r.score, 0);
  const status = results.every((r) => r.status === 'passed') ? 'passed' : 'failed';
  return finish({ ...base, status, score, scenarios: results }, opts, ms);
}

/** A scenario that was not run (the submission does not compile, the grading was cancelled or stopped before it). */
function notRun(s: Scenario): ScenarioResult {
  return {
    id: s.id,
    title: s.title,
    file: s.file,
    points: s.points,
    score: 0,
    visible: s.visible,
    fidelity: s.fidelity === true,
    threads: [],
    status: 'error',
    coverage: null,
    complete: false,
    stats: { executions: 0, traces: 0, states: 0, steps: 0 },
    findings: [],
    modelFindings: [],
  };
}

/**
 * Grade a submission. Never throws for a bad submission: diagnostics make
 * the report's status `error` with score 0. Throws only when the exercise
 * itself is broken (a scenario that does not compile with the solution).
 * With `opts.runner`, the scenarios run in parts elsewhere (worker threads,
 * module workers) and are merged by mergeParts: the report is the same,
 * byte for byte, but for its wall-clock fields.
 */
export async function grade(
  ex: Exercise,
  submission: readonly SubmissionFile[],
  opts: GradeOptions = {},
): Promise<GradeReport> {
  const now = opts.now ?? defaultNow;
  const t0 = now();
  if (opts.model) parseModelVariant(opts.model); // a bad variant throws here, before any worker starts
  const ids = selectedScenarios(ex, opts).map((s) => s.id);
  const parts = opts.runner
    ? await opts.runner(ex, submission, portableOptions(opts), ids, opts.onProgress)
    : [await gradePart(ex, submission, opts, ids)];
  return mergeParts(ex, submission, opts, parts, now() - t0);
}

/** GradeOptions without what cannot cross to a worker (callbacks, the clock, the runner). */
export type PortableGradeOptions = Omit<GradeOptions, 'onProgress' | 'shouldStop' | 'now' | 'runner'>;

/** `opts` without its callbacks, clock and runner: what a worker is sent. */
export function portableOptions(opts: GradeOptions): PortableGradeOptions {
  const { onProgress: _p, shouldStop: _s, now: _n, runner: _r, ...rest } = opts;
  return rest;
}

/**
 * Runs the scenarios `ids` of a grading in parts (each part gradePart, in
 * any worker, any split) and resolves every part; `onProgress`, if given,
 * hears of the scenarios as they finish.
 */
export type GradeRunner = (
  ex: Exercise,
  submission: readonly SubmissionFile[],
  opts: PortableGradeOptions,
  ids: readonly string[],
  onProgress?: (p: GradeProgress) => void,
) => Promise<GradePart[]>;

function finish(r: GradeReport, opts: GradeOptions, ms: number): GradeReport {
  if (!opts.reproducible) r.ms = Math.round(ms);
  return r;
}

/** Explore one scenario and sort its findings into charged and model findings. */
function runScenario(
  program: Program,
  spec: ScenarioSpec,
  s: Scenario,
  reference: ReadonlySet<string>,
  limits: Limits,
  budget: Budget,
  opts: GradeOptions,
  progress: (executions: number, states: number, ms: number) => void,
): ScenarioResult {
  const meters = budgetMeters(budget, opts.reproducible === true, opts.now);
  const res = exploreScenario(program, spec, {
    strategy: opts.strategy,
    strategyOptions: { seed: opts.seed, executions: budget.executions },
    limits,
    budget,
    meter: meters.exploration,
    deterministic: opts.reproducible === true,
    now: opts.now,
    shouldStop: opts.shouldStop,
    countTraces: true,
    syncPoints: opts.syncPoints === true,
    onProgress: (p) => progress(p.executions, p.states, p.ms),
  });
  meters.total.charge(meters.exploration.used);
  const notRunAtAll = unexplored(res) && !opts.shouldStop?.() && !res.stats.complete;
  const all: Finding[] = [...res.setupFindings, ...res.findings];
  const mine = groupFindings(all.filter((f) => charged(f, reference)));
  const theirs = groupFindings(all.filter((f) => !charged(f, reference)));
  // charged findings first (most severe first), then the model's; each minimised and traced while the budget lasts
  const meter = meters.total;
  const minMeter = meter.share(MINIMISE_SHARE);
  const minimised = mine.map((g) => ({
    ...g,
    finding: opts.bare ? g.finding : minimise(program, spec, g.finding, { limits, meter: minMeter }),
  }));
  meter.used = minMeter.used;
  const prepare = (g: { finding: Finding; similar: number }, traced: boolean): GradedFinding => {
    const f: ReportFinding = g.finding;
    if (!opts.bare && traced) attachTrace(program, spec, f, limits, meter);
    return { ...f, similar: g.similar };
  };
  const findings = minimised.map((g) => prepare(g, true));
  const modelFindings = theirs.map((g) => prepare(g, opts.modelTraces !== false));
  const passed = !notRunAtAll && findings.length === 0 && !(opts.shouldStop?.() && !res.stats.complete);
  return {
    id: s.id,
    title: s.title,
    file: s.file,
    points: s.points,
    score: passed ? s.points : 0,
    visible: s.visible,
    fidelity: s.fidelity === true,
    threads: spec.threads.map((t) => t.name),
    status: notRunAtAll ? 'error' : passed ? 'passed' : 'failed',
    coverage: res.coverage,
    complete: res.stats.complete,
    stats: {
      executions: res.stats.executions,
      traces: res.stats.traces,
      states: res.stats.states,
      steps: res.stats.steps,
      ...(opts.reproducible ? {} : { ms: Math.round(res.stats.ms) }),
    },
    findings,
    modelFindings,
    ...(opts.bare ? { modelKeys: [...new Set(all.filter((f) => f.origin === 'model').map((f) => f.key))].sort() } : {}),
  };
}

/**
 * The keys of the model-origin findings the reference solution shows, by
 * scenario: the content of model-findings.json. Explores every scenario
 * with the full budget.
 */
export async function referenceModelFindings(
  ex: Exercise,
  opts: Pick<GradeOptions, 'seed' | 'strategy' | 'runner'> = {},
): Promise<Record<string, string[]>> {
  const solution = ex.files.get(ex.manifest.solution)!;
  const bare: Exercise = { ...ex, modelFindings: new Map() };
  const r = await grade(bare, [{ name: ex.manifest.solution, text: solution }], {
    ...opts,
    bare: true,
    reproducible: true,
  });
  if (r.status === 'error')
    throw new Error(
      `exercise ${ex.manifest.id}: the solution does not compile: ${r.diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('; ')}`,
    );
  const out: Record<string, string[]> = {};
  for (const s of r.scenarios) out[s.id] = s.modelKeys ?? [];
  return out;
}

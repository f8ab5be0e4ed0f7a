/**
 * `teardown check`: compile a standalone kernel-C program (globals, an
 * optional `setup`, one or more `thread_<name>`, an optional `check`),
 * explore its interleavings and report findings as versioned JSON.
 */
import { compile } from './compile.js';
import type { Program, SourceFile } from './lang/ir.js';
import { threadTaskName } from './lang/threads.js';
import type { Diagnostic } from './lang/diagnostics.js';
import { DEFAULT_LIMITS, type Limits, type ScenarioSpec } from './vm/machine.js';
import { type Budget, type ExploreStats, Meter, type Progress, type StepRecord, budgetWork } from './sched/explorer.js';
import type { StrategyName, StrategyOptions } from './sched/index.js';
import { type ScenarioOptions, exploreScenario, replay } from './sched/runner.js';
import type { Coverage } from './sched/strategy.js';
import { type Finding, simplestFirst } from './detect/finding.js';
import { minimise } from './report/minimise.js';
import { declaredFaults, findingSpec } from './sched/faults.js';
import { kernelObjects } from './report/objects.js';

export const REPORT_VERSION = 1;

export interface CheckOptions extends StrategyOptions {
  strategy?: StrategyName;
  budget?: Budget;
  limits?: Partial<Limits>;
  onProgress?: (p: Progress) => void;
  shouldStop?: () => boolean;
  /** Replay each finding's schedule to attach a step-by-step trace (default true). */
  traces?: boolean;
  /** Minimise each counterexample (default true). */
  minimise?: boolean;
  /** Stateful search (dfs, dpor or source-dpor): prune states already explored. */
  stateCache?: boolean;
  /** With `stateCache` and DPOR: the bound on the cached summaries' memory, bytes (sched/explore-types.ts ExploreOptions.stateCacheBytes). */
  stateCacheBytes?: number;
  /** Schedule at synchronisation points (sched/runner.ts ScenarioOptions.syncPoints). */
  syncPoints?: boolean;
  /**
   * Deterministic budgets only (`--reproducible`): a time budget stands for
   * `ms * WORK_PER_MS` work units and the wall clock is not consulted, so the
   * same input and seed give the same report under any budget.
   */
  reproducible?: boolean;
  /** Clock (ms) for the wall-clock budget; defaults to performance.now. */
  now?: () => number;
  /** When timed waits may time out (ScenarioSpec.timeouts; default quiescent). */
  timeouts?: 'quiescent' | 'anytime';
  /** Split the DPOR exploration across units run elsewhere (sched/runner.ts ScenarioOptions.splitUnits): same report. */
  splitUnits?: ScenarioOptions['splitUnits'];
}

/** The budget of `teardown check` when none is given. */
export const DEFAULT_CHECK_BUDGET: Budget = { executions: 100_000, ms: 60_000 };

/**
 * The share of a budget exploration may use; minimisation and traces get
 * the rest plus whatever exploration left (docs/scheduler.md, "Budgets").
 */
export const EXPLORATION_SHARE = 0.8;

/** The share of what exploration left that minimisation may use; traces get the rest. */
export const MINIMISE_SHARE = 0.5;

/**
 * The work allowance of a whole run (exploration, minimisation, traces) for
 * `budget`, and the one exploration gets (its first EXPLORATION_SHARE):
 * deterministic work units, plus wall-clock deadlines unless `reproducible`.
 * Exploration's meter is charged back into the whole one by the caller.
 */
export function budgetMeters(
  budget: Budget,
  reproducible: boolean,
  now: () => number = defaultNow,
): { total: Meter; exploration: Meter } {
  const work = budgetWork(budget);
  const t0 = now();
  const wall = !reproducible && budget.ms !== undefined;
  const total = new Meter(work, wall ? t0 + budget.ms! : Number.POSITIVE_INFINITY, now);
  const exploration = new Meter(
    work === Number.POSITIVE_INFINITY ? work : Math.floor(work * EXPLORATION_SHARE),
    wall ? t0 + budget.ms! * EXPLORATION_SHARE : Number.POSITIVE_INFINITY,
    now,
  );
  return { total, exploration };
}

const defaultNow = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * The diagnostic for a budget that ended before one full execution of a
 * scenario: a verdict never comes from an exploration that did not run.
 */
export function budgetTooSmall(file: string, budget: Budget, what = 'the program'): Diagnostic {
  const spec = [
    budget.executions !== undefined ? `${budget.executions} executions` : '',
    budget.ms !== undefined ? `${budget.ms} ms` : '',
    budget.work !== undefined ? `${budget.work} work units` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return {
    file,
    line: 1,
    column: 1,
    severity: 'error',
    message: `the budget (${spec || 'none'}) ended before one full execution of ${what}: nothing was explored, so there is no verdict; give a larger --budget`,
  };
}

/**
 * An exploration that gives no verdict: not one full execution ran, no
 * finding was reached (a cut execution's findings are real and kept), and
 * setup did not end in a fatal finding (which would be the verdict).
 */
export function unexplored(res: {
  stats: { executions: number };
  findings: unknown[];
  setupFindings: { fatal: boolean }[];
}): boolean {
  return res.stats.executions === 0 && res.findings.length === 0 && !res.setupFindings.some((f) => f.fatal);
}

/** A finding with its recorded trace. */
export interface ReportFinding extends Finding {
  trace?: StepRecord[];
}

export interface CheckReport {
  version: number;
  file: string;
  threads: string[];
  findings: ReportFinding[];
  coverage: Coverage | null;
  stats: ExploreStats | null;
  diagnostics: Diagnostic[];
  log?: string[];
  /** Findings found but left out of the report, past {@link MAX_REPORTED_FINDINGS} (absent when none). */
  omitted?: number;
}

/**
 * Most findings one report lists, in report order (most severe first); the
 * rest are counted in `omitted`. Past this many, a report only grows (a
 * program with 500 racing globals has over 1,500 distinct races, a 40 MB
 * report) without telling more: fix the first ones and check again.
 */
export const MAX_REPORTED_FINDINGS = 100;

/** Find `setup`, the `thread_<name>` functions, `check` and the armed fault sites (`fault_sites`) in a compiled program. */
export function programScenario(p: Program): ScenarioSpec | undefined {
  const learnerFiles = new Set(p.files.map((f, i) => (f.role === 'learner' ? i : -1)).filter((i) => i >= 0));
  const fns = p.functions.filter((f) => learnerFiles.has(f.file) && f.code.length > 0);
  const threads = fns.flatMap((f) => {
    const name = threadTaskName(f.name);
    return name === undefined ? [] : [{ fn: f.name, name }];
  });
  if (!threads.length) return undefined;
  const faults = declaredFaults(p);
  return {
    setup: fns.some((f) => f.name === 'setup') ? 'setup' : undefined,
    threads,
    check: fns.some((f) => f.name === 'check') ? 'check' : undefined,
    ...(faults ? { faults } : {}),
  };
}

/** Compile and explore a standalone program. Never throws for bad input: it returns diagnostics. */
export async function checkProgram(name: string, text: string, opts: CheckOptions = {}): Promise<CheckReport> {
  const files: SourceFile[] = [{ name, text, role: 'learner' }];
  const base: CheckReport = {
    version: REPORT_VERSION,
    file: name,
    threads: [],
    findings: [],
    coverage: null,
    stats: null,
    diagnostics: [],
  };
  const c = await compile(files);
  if (!c.program) return { ...base, diagnostics: c.diagnostics };
  const spec = programScenario(c.program);
  if (!spec) {
    return {
      ...base,
      diagnostics: [
        {
          file: name,
          line: 1,
          column: 1,
          severity: 'error',
          message:
            'no thread functions: define one or more `void thread_<name>(void)` (and optionally `setup` and `check`)',
        },
      ],
    };
  }
  for (const fn of [spec.setup, spec.check, ...spec.threads.map((t) => t.fn)]) {
    if (!fn) continue;
    const f = c.program.functions[c.program.fnIndex.get(fn)!]!;
    if (f.params.length) {
      return {
        ...base,
        diagnostics: [
          {
            file: name,
            line: f.line,
            column: 1,
            severity: 'error',
            message: `${fn}() must take no parameters: write it as void ${fn}(void)`,
          },
        ],
      };
    }
  }
  if (opts.timeouts === 'anytime') spec.timeouts = 'anytime';
  return explore(c.program, spec, name, opts);
}

/**
 * Replay a finding's schedule(s) on a fresh VM and keep the step-by-step
 * trace of (the last) one. A single-schedule finding also gets the kernel
 * objects as they were at its step (after the ones it already names). A
 * finding reached with injected failures is replayed under its fault plan.
 * With `meter`, the replay is charged to it, and a finding met when it is
 * exhausted gets no trace (and `minimised: false`, if it has one schedule).
 */
export function attachTrace(
  program: Program,
  scenario: ScenarioSpec,
  f: ReportFinding,
  limits: Limits = DEFAULT_LIMITS,
  meter?: Meter,
): void {
  const schedules = f.schedules ?? (f.schedule ? [f.schedule] : undefined);
  if (!schedules) return;
  const spec = findingSpec(scenario, f); // replayed under its own fault plan
  if (meter?.exhausted()) return; // no trace: the budget ran out (minimisation said its own word)
  if (!f.schedules && f.schedule) {
    const len = f.schedule.length;
    let at: ReturnType<typeof kernelObjects> = [];
    const r = replay(
      program,
      spec,
      [f.schedule],
      limits,
      (m, i) => {
        if (i === len - 1) at = kernelObjects(m, [], { freed: true });
      },
      f.key,
    );
    const rec = r.executions[0]!;
    meter?.charge(rec.work * 2);
    f.trace = rec.steps.slice(0, len);
    f.preemptions = f.trace.filter((s) => s.preemption).length;
    const named = new Set(f.objects.map((o) => o.name));
    f.objects = [...f.objects, ...at.filter((o) => o.state === 'live' && !named.has(o.name))];
    return;
  }
  const recs = replay(program, spec, schedules, limits, undefined, f.key).executions;
  for (const r of recs) meter?.charge(r.work * 2);
  const last = recs[recs.length - 1]!;
  const len = schedules[schedules.length - 1]!.length;
  f.trace = last.steps.slice(0, len);
  if (!f.schedules) f.preemptions = f.trace.filter((s) => s.preemption).length;
}

/**
 * Explore a compiled program's scenario, minimise its findings (most severe
 * first, while the budget lasts: the rest are marked `minimised: false`) and
 * attach traces; exploration, minimisation and traces share one budget
 * (budgetMeters). A budget that ends before one full execution gives a
 * diagnostic instead of a verdict.
 */
export function explore(program: Program, spec: ScenarioSpec, name: string, opts: CheckOptions = {}): CheckReport {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const budget = opts.budget ?? DEFAULT_CHECK_BUDGET;
  const meters = budgetMeters(budget, opts.reproducible === true, opts.now);
  const res = exploreScenario(program, spec, {
    strategy: opts.strategy,
    strategyOptions: opts,
    limits,
    budget,
    meter: meters.exploration,
    deterministic: opts.reproducible === true,
    now: opts.now,
    onProgress: opts.onProgress,
    shouldStop: opts.shouldStop,
    stateCache: opts.stateCache,
    stateCacheBytes: opts.stateCacheBytes,
    syncPoints: opts.syncPoints,
    ...(opts.splitUnits ? { splitUnits: opts.splitUnits } : {}),
  });
  meters.total.charge(meters.exploration.used);
  const report: CheckReport = {
    version: REPORT_VERSION,
    file: name,
    threads: spec.threads.map((t) => t.name),
    findings: [],
    coverage: res.coverage,
    stats: res.stats,
    diagnostics: [],
  };
  if (unexplored(res) && !opts.shouldStop?.()) {
    return { ...report, coverage: null, stats: null, diagnostics: [budgetTooSmall(name, budget)] };
  }
  const meter = meters.total;
  // minimisation gets half of what is left, traces the rest
  const minMeter = meter.share(opts.traces === false ? 1 : MINIMISE_SHARE);
  const findings: ReportFinding[] = [...res.setupFindings];
  const room = Math.max(0, MAX_REPORTED_FINDINGS - findings.length);
  const omitted = Math.max(0, res.findings.length - room);
  for (const f0 of simplestFirst(res.findings).slice(0, room)) {
    findings.push(opts.minimise === false ? f0 : minimise(program, spec, f0, { limits, meter: minMeter }));
  }
  meter.used = minMeter.used;
  if (opts.traces !== false) {
    for (const f of findings) attachTrace(program, spec, f, limits, meter);
  }
  return omitted ? { ...report, findings, omitted } : { ...report, findings };
}

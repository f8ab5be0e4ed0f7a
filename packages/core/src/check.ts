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
import type { Budget, ExploreStats, Progress, StepRecord } from './sched/explorer.js';
import type { StrategyName, StrategyOptions } from './sched/index.js';
import { exploreScenario, replay } from './sched/runner.js';
import type { Coverage } from './sched/strategy.js';
import type { Finding } from './detect/finding.js';
import { minimise } from './report/minimise.js';
import { traceObjects } from './report/objects.js';

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
  /** Stateful search (dfs only): prune states already explored. */
  stateCache?: boolean;
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
}

/** Find `setup`, the `thread_<name>` functions and `check` in a compiled program. */
export function programScenario(p: Program): ScenarioSpec | undefined {
  const learnerFiles = new Set(p.files.map((f, i) => (f.role === 'learner' ? i : -1)).filter((i) => i >= 0));
  const fns = p.functions.filter((f) => learnerFiles.has(f.file) && f.code.length > 0);
  const threads = fns.flatMap((f) => {
    const name = threadTaskName(f.name);
    return name === undefined ? [] : [{ fn: f.name, name }];
  });
  if (!threads.length) return undefined;
  return {
    setup: fns.some((f) => f.name === 'setup') ? 'setup' : undefined,
    threads,
    check: fns.some((f) => f.name === 'check') ? 'check' : undefined,
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
  return explore(c.program, spec, name, opts);
}

/**
 * Replay a finding's schedule(s) on a fresh VM and keep the step-by-step
 * trace of (the last) one. A single-schedule finding also gets the kernel
 * objects as they were at its step (after the ones it already names).
 */
export function attachTrace(
  program: Program,
  spec: ScenarioSpec,
  f: ReportFinding,
  limits: Limits = DEFAULT_LIMITS,
): void {
  const schedules = f.schedules ?? (f.schedule ? [f.schedule] : undefined);
  if (!schedules) return;
  if (!f.schedules && f.schedule) {
    const len = f.schedule.length;
    const t = traceObjects(program, spec, f.schedule, limits, len);
    f.trace = t.steps;
    f.preemptions = f.trace.filter((s) => s.preemption).length;
    const named = new Set(f.objects.map((o) => o.name));
    const at = len > 0 ? (t.states[len - 1] ?? []) : [];
    f.objects = [...f.objects, ...at.filter((o) => o.state === 'live' && !named.has(o.name))];
    return;
  }
  const recs = replay(program, spec, schedules, limits).executions;
  const last = recs[recs.length - 1]!;
  const len = schedules[schedules.length - 1]!.length;
  f.trace = last.steps.slice(0, len);
  if (!f.schedules) f.preemptions = f.trace.filter((s) => s.preemption).length;
}

/** Explore a compiled program's scenario; attaches traces to findings. */
export function explore(program: Program, spec: ScenarioSpec, name: string, opts: CheckOptions = {}): CheckReport {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const res = exploreScenario(program, spec, {
    strategy: opts.strategy,
    strategyOptions: opts,
    limits,
    budget: opts.budget ?? { executions: 100_000, ms: 60_000 },
    onProgress: opts.onProgress,
    shouldStop: opts.shouldStop,
    stateCache: opts.stateCache,
  });
  const findings: ReportFinding[] = [...res.setupFindings];
  for (const f0 of res.findings) {
    findings.push(opts.minimise === false ? f0 : minimise(program, spec, f0, { limits }));
  }
  if (opts.traces !== false) {
    for (const f of findings) attachTrace(program, spec, f, limits);
  }
  return {
    version: REPORT_VERSION,
    file: name,
    threads: spec.threads.map((t) => t.name),
    findings,
    coverage: res.coverage,
    stats: res.stats,
    diagnostics: [],
  };
}

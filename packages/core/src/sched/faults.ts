/**
 * Fault injection as explored nondeterminism: the kernel's fail_nth
 * (Documentation/fault-injection/fault-injection.rst, "fail-nth"), made
 * exhaustive.
 *
 * A scenario arms fault sites (`kmalloc`, `copy_to_user`, a should_fail()
 * name; vm/services.ts FaultSpec). A fault plan names, per scenario thread,
 * which of its calls at armed sites fail: `{tid, nth}` = the nth such call of
 * thread `tid` (1-based). Each plan is a deterministic program, explored
 * under the scenario's strategy like any other; the plans are enumerated
 * breadth-first from the empty one.
 *
 * Why this is complete (every execution with at most `max` injected failures
 * is explored, up to the strategy's own coverage): a thread's calls at armed
 * sites come in an order of its own, so an execution in which failures
 * happen at the calls `S = {(t1, n1) < (t2, n2) < ...}` is an execution of
 * plan S. Plan S is tried when `S \ {last}` was explored and some explored
 * execution of it had thread t_last reach its n_last-th armed call: the
 * execution of S, up to that call, is an execution of `S \ {last}` too
 * (failures after the last planned one cannot happen), and exhaustive
 * exploration of `S \ {last}` meets one equivalent to it, with the same
 * per-thread counts. So collecting, per plan, the most armed calls each
 * thread made is enough to enumerate every plan that can matter.
 *
 * An execution that never reaches its plan's failures is a failure-free
 * execution explored again: it costs time, not soundness. Distinct traces
 * are counted once across plans: a trace is tagged with the failures that
 * actually happened in it.
 */
import type { Program } from '../lang/ir.js';
import { type Finding, simplerCounterexample } from '../detect/finding.js';
import type { InjectedFault } from '../state/fault.js';
import type { FaultSpec, ScenarioSpec } from '../vm/services.js';
import { budgetMeter, type ExploreOptions, type ExploreResult, type ExploreStats } from './explorer.js';
import type { Coverage } from './strategy.js';

/** Most fault plans one scenario explores (a scenario arming `kmalloc` in long threads could ask for thousands). */
export const MAX_FAULT_PLANS = 500;

/** The scenario's faults still to enumerate: armed sites, no fixed plan. */
export function enumeratesFaults(spec: ScenarioSpec): spec is ScenarioSpec & { faults: FaultSpec } {
  return spec.faults !== undefined && spec.faults.plan === undefined && spec.faults.sites.length > 0;
}

/** `spec` with one fault plan fixed (no other is tried): for replay, minimisation and traces of a finding. */
export function withPlan(spec: ScenarioSpec, plan: readonly InjectedFault[] | undefined): ScenarioSpec {
  if (!spec.faults) return spec;
  return { ...spec, faults: { ...spec.faults, plan: plan ? plan.map((p) => ({ ...p })) : [] } };
}

/** The spec to replay a finding on: its own fault plan, or none. */
export function findingSpec(spec: ScenarioSpec, f: Pick<Finding, 'faults'>): ScenarioSpec {
  return withPlan(spec, f.faults);
}

/** How one plan is explored: exploreScenario with the plan fixed (sched/runner.ts). */
export type ExplorePlan = (spec: ScenarioSpec, opts: ExploreOptions & { traceSet?: Set<string> }) => ExploreResult;

const planKey = (p: readonly InjectedFault[]) => p.map((e) => `${e.tid}:${e.nth}`).join(',');
const cmp = (a: InjectedFault, b: InjectedFault) => a.tid - b.tid || a.nth - b.nth;

/**
 * Explore every fault plan of up to `spec.faults.max` (default 1) failures,
 * breadth-first, sharing one budget; findings are merged by key (the one
 * with fewest preemptions kept, as within one exploration). The coverage
 * says how many plans, sites and failures: `exhaustive: all N Mazurkiewicz
 * traces, with up to 1 injected failure at 2 fault sites (vdevice_init,
 * copy_to_user): 3 fault plans`.
 */
export function explorePlans(
  spec: ScenarioSpec & { faults: FaultSpec },
  opts: ExploreOptions,
  exploreOne: ExplorePlan,
  order: (a: Finding, b: Finding) => number,
): ExploreResult {
  const max = Math.max(0, spec.faults.max ?? 1);
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const budget = opts.budget ?? {};
  const meter = opts.meter ?? budgetMeter(budget, opts.deterministic === true, t0, now);
  const work0 = meter.used;
  const traceSet = opts.countTraces === false ? undefined : new Set<string>();
  const queue: InjectedFault[][] = [[]];
  const queued = new Set<string>(['']);
  const byKey = new Map<string, Finding>();
  let first: ExploreResult | undefined;
  let last: ExploreResult | undefined;
  let explored = 0;
  let allComplete = true;
  let dporTraces = 0;
  const stats: ExploreStats = { executions: 0, blocked: 0, traces: 0, states: 0, steps: 0, ms: 0, complete: false };
  while (queue.length) {
    if (meter.exhausted() || opts.shouldStop?.()) break;
    const left = budget.executions === undefined ? undefined : budget.executions - stats.executions;
    if (left !== undefined && left <= 0) break;
    const plan = queue.shift()!;
    const reach: number[] = spec.threads.map(() => 0);
    const res = exploreOne(withPlan(spec, plan), {
      ...opts,
      meter,
      budget: { ...budget, ...(left === undefined ? {} : { executions: left }) },
      traceSet,
      onProgress: undefined,
      onExecution: (rec, m) => {
        for (let t = 0; t < reach.length; t++) reach[t] = Math.max(reach[t]!, m.state.threads[t]!.faultCalls);
        opts.onExecution?.(rec, m);
      },
    });
    explored++;
    first ??= res;
    last = res;
    accumulate(stats, res.stats);
    dporTraces += typeof res.coverage.traces === 'number' ? res.coverage.traces : 0;
    for (const f of res.findings) {
      const old = byKey.get(f.key);
      if (!old || simplerCounterexample(f, old)) byKey.set(f.key, f);
    }
    opts.onProgress?.({
      executions: stats.executions,
      traces: traceSet?.size ?? dporTraces,
      states: stats.distinctStates ?? stats.states,
      findings: byKey.size,
      ms: now() - t0,
    });
    if (!res.stats.complete) {
      allComplete = false;
      break;
    }
    if (opts.stopOnFirst && byKey.size) break;
    if (plan.length >= max) continue;
    const top = plan[plan.length - 1];
    for (let tid = 0; tid < reach.length; tid++) {
      for (let nth = 1; nth <= reach[tid]!; nth++) {
        const e = { tid, nth };
        if (top && cmp(e, top) <= 0) continue;
        const next = [...plan, e];
        const k = planKey(next);
        if (queued.has(k)) continue;
        if (queued.size >= MAX_FAULT_PLANS) break;
        queued.add(k);
        queue.push(next);
      }
    }
  }
  stats.traces = traceSet ? traceSet.size : -1;
  stats.ms = now() - t0;
  stats.complete = allComplete && queue.length === 0 && queued.size < MAX_FAULT_PLANS && explored > 0;
  stats.work = meter.used - work0;
  const coverage = mergedCoverage(spec.faults, max, explored, queued.size, stats, last?.coverage, traceSet?.size);
  return {
    findings: [...byKey.values()].sort(order),
    setupFindings: first?.setupFindings ?? [],
    coverage,
    stats,
  };
}

function accumulate(into: ExploreStats, s: ExploreStats): void {
  into.executions += s.executions;
  into.blocked += s.blocked;
  into.states += s.states;
  into.steps += s.steps;
  // distinct states per fault plan (each plan is its own exploration), summed
  if (s.distinctStates !== undefined) into.distinctStates = (into.distinctStates ?? 0) + s.distinctStates;
  if (s.cut) into.cut = true;
}

function mergedCoverage(
  faults: FaultSpec,
  max: number,
  explored: number,
  known: number,
  stats: ExploreStats,
  last: Coverage | undefined,
  traces: number | undefined,
): Coverage {
  const n = faults.sites.length;
  const what = `up to ${max} injected failure${max === 1 ? '' : 's'} at ${n} fault site${n === 1 ? '' : 's'} (${faults.sites.join(', ')})`;
  if (stats.complete && last?.kind === 'exhaustive') {
    const t = traces === undefined ? '' : ` ${traces}`;
    return {
      kind: 'exhaustive',
      text: `exhaustive: all${t} Mazurkiewicz traces, with ${what}: ${explored} fault plan${explored === 1 ? '' : 's'}`,
      traces: traces ?? -1,
      faultPlans: explored,
    };
  }
  const capped = known >= MAX_FAULT_PLANS ? ` (capped at ${MAX_FAULT_PLANS})` : '';
  return {
    kind: last?.kind === 'exhaustive' || last === undefined ? 'partial' : last.kind,
    text: `partial: ${explored} of ${known} fault plans${capped} explored, with ${what}; the last: ${last?.text ?? 'not run'}`,
    faultPlans: explored,
  };
}

/**
 * The fault sites a program (or one scenario unit of it) arms: a global
 * array of strings named `fault_sites`, and optionally an int `fault_max`
 * (most failures per execution, default 1):
 *
 *     static const char *fault_sites[] = { "vdevice_init", "copy_to_user" };
 *
 * `key` maps a name to the program's global key (a scenario unit prefixes
 * it). Undefined when the program arms none.
 */
export function declaredFaults(p: Program, key: (name: string) => string = (n) => n): FaultSpec | undefined {
  const gi = p.globalIndex.get(key('fault_sites'));
  if (gi === undefined) return undefined;
  const sites = p.globals[gi]!.init.flatMap(([, v]) => (typeof v === 'object' && v.t === 'str' ? [v.s] : []));
  if (!sites.length) return undefined;
  const mi = p.globalIndex.get(key('fault_max'));
  const m = mi === undefined ? undefined : p.globals[mi]!.init.find(([off]) => off === 0)?.[1];
  return { sites: [...new Set(sites)], ...(typeof m === 'number' ? { max: m } : {}) };
}

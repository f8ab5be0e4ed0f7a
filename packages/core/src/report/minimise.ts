/**
 * Counterexample minimisation, strongest first (docs/scheduler.md, "Counterexamples"; after Déjà Fu):
 *
 *  1. fewest preemptions: iterative preemption bounding (k = 0, 1, ...) looks
 *     for the same finding with fewer preemptions than the one found;
 *  2. drop steps that do not matter: only the causal past of the faulting
 *     step (and, for a data race, of the other access) is kept; a finding
 *     detected at the end of an execution (deadlock, leak) keeps all steps;
 *  3. reorder independent steps to cut context switches, as Déjà Fu's trace
 *     simplification does: a linearisation of happens-before that keeps
 *     running the current thread while it can;
 *  4. confirm by replay: the candidate is kept only if replaying it shows the
 *     same finding (same kind and sites) with no more preemptions and no more
 *     context switches than before.
 */
import type { Program } from '../lang/ir.js';
import { DEFAULT_LIMITS, type Limits, type ScenarioSpec, SharedDetectors } from '../vm/machine.js';
import { countSwitches, type ExecutionRecord, type Meter } from '../sched/explorer.js';
import { BoundedStrategy } from '../sched/bounded.js';
import { hbClocks } from '../sched/events.js';
import { exploreScenario, replay } from '../sched/runner.js';
import type { Finding } from '../detect/finding.js';
import { findingToken } from '../sched/schedule.js';
import { findingSpec } from '../sched/faults.js';

/** The finding with the same key in a replayed execution, if it shows. */
function reproduced(rec: ExecutionRecord, key: string): Finding | undefined {
  return rec.findings.find((f) => f.key === key);
}

/** Limits of minimise. */
export interface MinimiseOptions {
  /** Executions the preemption search may use (default 2000). */
  executions?: number;
  limits?: Limits;
  /**
   * The work allowance minimisation charges (its preemption search and its
   * replays). When it is exhausted before or during this finding, the finding
   * comes back with `minimised: false` (its schedule as found, or the best
   * confirmed one so far).
   */
  meter?: Meter;
}

/**
 * Minimise one finding's schedule (steps 1 to 4 above). Returns the finding,
 * possibly with a schedule of fewer preemptions, switches or steps (and its
 * token, preemptions and switches updated); a finding without a single
 * schedule (setup's, lock-order's) comes back as it is. A finding reached
 * with injected failures is minimised under its own fault plan.
 */
export function minimise(program: Program, scenario: ScenarioSpec, f: Finding, opts: MinimiseOptions = {}): Finding {
  if (f.schedules || !f.schedule) return f; // lock-order: a set of executions, kept as found
  const spec = findingSpec(scenario, f); // the finding's own fault plan, and no other
  const meter = opts.meter;
  if (meter?.exhausted()) return { ...f, minimised: false };
  const limits = opts.limits ?? DEFAULT_LIMITS;
  let best = confirm(program, spec, f.schedule, f.key, limits, meter) ?? f;
  const pre = best.preemptions ?? 0;

  // 1. fewer preemptions, by iterative preemption bounding
  if (pre > 0) {
    let hit: Finding | undefined;
    exploreScenario(program, spec, {
      strategy: new BoundedStrategy(pre - 1),
      limits,
      countTraces: false,
      shared: new SharedDetectors(f.key),
      budget: { executions: opts.executions ?? 2000 },
      meter,
      onExecution: (rec) => {
        hit ??= reproduced(rec, f.key);
      },
      shouldStop: () => hit !== undefined,
    });
    if (!hit && meter?.exhausted()) return { ...best, minimised: false };
    if (hit) {
      const c = confirm(program, spec, hit.schedule ?? [], f.key, limits, meter);
      if (c && (c.preemptions ?? 0) < (best.preemptions ?? 0)) best = c;
    }
  }

  // 2 and 3. keep the causal past, then linearise it with few context switches
  if (meter?.exhausted()) return { ...best, minimised: false };
  const simplified = simplify(program, spec, best, limits, meter);
  if (simplified) best = simplified;
  return best;
}

/** Replay a schedule and return the finding with `key` as that replay reports it. */
function confirm(
  program: Program,
  spec: ScenarioSpec,
  schedule: number[],
  key: string,
  limits: Limits,
  meter?: Meter,
): Finding | undefined {
  const [rec] = replay(program, spec, [schedule], limits, undefined, key).executions;
  meter?.charge(rec?.work ?? 0);
  const hit = rec && reproduced(rec, key);
  if (!hit) return undefined;
  const s = hit.schedule ?? [];
  const steps = rec!.steps.slice(0, s.length);
  const preemptions = steps.filter((x) => x.preemption).length;
  return { ...hit, schedule: s, token: findingToken(hit), preemptions, switches: countSwitches(s).switches };
}

function simplify(
  program: Program,
  spec: ScenarioSpec,
  f: Finding,
  limits: Limits,
  meter?: Meter,
): Finding | undefined {
  const s = f.schedule!;
  const [rec] = replay(program, spec, [s], limits, undefined, f.key).executions;
  meter?.charge(rec?.work ?? 0);
  if (!rec) return undefined;
  const events = rec.events.slice(0, s.length);
  if (!events.length) return undefined;
  const n = spec.threads.length;
  const vc = hbClocks(events, n);
  const idx: number[] = [];
  const cnt = new Array<number>(n).fill(0);
  for (const e of events) idx.push(++cnt[e.tid]!);

  // which steps matter
  const endOfRun =
    f.kind === 'deadlock' ||
    f.kind === 'leak' ||
    f.kind === 'livelock' ||
    f.kind === 'stall' ||
    f.kind === 'lock-order';
  const need = new Array<boolean>(events.length).fill(endOfRun);
  if (!endOfRun) {
    const roots = [events.length - 1];
    for (const a of f.accesses) if (a.step >= 0 && a.step < events.length) roots.push(a.step);
    for (const r of roots) {
      for (let k = 0; k <= r; k++) if (vc[r]![events[k]!.tid]! >= idx[k]!) need[k] = true;
    }
  }

  // greedy linearisation: stay on the current thread while its next needed step is ready
  const byThread: number[][] = Array.from({ length: n }, () => []);
  events.forEach((e, k) => {
    if (need[k]) byThread[e.tid]!.push(k);
  });
  const pos = new Array<number>(n).fill(0);
  const done = new Set<number>();
  const ready = (t: number) => {
    const k = byThread[t]![pos[t]!];
    if (k === undefined) return false;
    for (let j = 0; j < k; j++)
      if (need[j] && !done.has(j) && vc[k]![events[j]!.tid]! >= idx[j]! && events[j]!.tid !== t) return false;
    return true;
  };
  const runLength = (t: number) => {
    let len = 0;
    const save = pos[t]!;
    const saved: number[] = [];
    while (ready(t)) {
      const k = byThread[t]![pos[t]!]!;
      done.add(k);
      saved.push(k);
      pos[t]!++;
      len++;
    }
    for (const k of saved) done.delete(k);
    pos[t] = save;
    return len;
  };
  const order: number[] = [];
  let cur = events[0]!.tid;
  const total = need.filter(Boolean).length;
  while (order.length < total) {
    let t = cur;
    if (!ready(t)) {
      let bestLen = -1;
      for (let u = 0; u < n; u++) {
        if (!ready(u)) continue;
        const l = runLength(u);
        if (l > bestLen) {
          bestLen = l;
          t = u;
        }
      }
      if (bestLen < 0) return undefined; // cannot happen for a happens-before order
    }
    const k = byThread[t]![pos[t]!]!;
    done.add(k);
    pos[t]!++;
    order.push(t);
    cur = t;
  }
  const c = confirm(program, spec, order, f.key, limits, meter);
  if (!c) return undefined;
  if ((c.preemptions ?? 0) > (f.preemptions ?? 0)) return undefined;
  if ((c.switches ?? 0) > (f.switches ?? 0)) return undefined;
  if ((c.switches ?? 0) === (f.switches ?? 0) && (c.schedule?.length ?? 0) >= (f.schedule?.length ?? 0))
    return undefined;
  return c;
}

/**
 * Exploring at synchronisation points (docs/scheduler.md, "Synchronisation
 * points"): plain accesses run inside their thread's burst instead of being
 * scheduling points, and the ones found racy become scheduling points in a
 * new round, until a round finds none (the race refiner, vm/refine.ts).
 * Findings come back with schedules of the usual granularity (one step per
 * shared access), so tokens, traces, replays and minimisation are those of a
 * plain exploration.
 */
import type { Finding } from '../detect/finding.js';
import type { Machine } from '../vm/machine.js';
import type { InstrKey } from '../vm/refine.js';
import { type ExploreOptions, type ExploreResult, budgetMeter } from './explorer.js';
import { findingToken } from './schedule.js';

/** One round: the plain accesses it schedules, and the set its race refiners put the racy hidden ones in. */
export interface SyncPointRound {
  visible: ReadonlySet<InstrKey>;
  found: Set<InstrKey>;
}

/**
 * Explore in rounds (see the module comment): `explore` runs the whole
 * scenario (every fault plan) once with the round's refiners, stopping
 * after the execution that finds a racy hidden access (`shouldStop`). All
 * rounds charge one budget (the work meter, and the executions left) and
 * count traces afresh (a trace set the caller passes gets the last round's).
 * The result is the last round's, with the executions and steps of all
 * rounds counted, its findings' schedules expanded ({@link expandSchedule}
 * on `plain`, a fresh plain machine for a finding's own fault plan,
 * recording only the finding `only` when given), and the coverage saying
 * how many plain accesses were scheduled.
 */
export function exploreAtSyncPoints(
  options: ExploreOptions & { traceSet?: Set<string> },
  explore: (round: SyncPointRound, opts: ExploreOptions & { traceSet?: Set<string> }) => ExploreResult,
  plain: (f: Finding, only?: string) => Machine,
): ExploreResult {
  const now = options.now ?? (() => performance.now());
  const t0 = now();
  const budget = options.budget ?? {};
  const meter = options.meter ?? budgetMeter(budget, options.deterministic === true, t0, now);
  let visible = new Set<InstrKey>();
  let rounds = 0;
  let executions = 0;
  let steps = 0;
  for (;;) {
    rounds++;
    const found = new Set<InstrKey>();
    const left = budget.executions === undefined ? undefined : Math.max(0, budget.executions - executions);
    const traceSet = options.traceSet ? new Set<string>() : undefined;
    const before = executions;
    const result = explore(
      { visible, found },
      {
        ...options,
        meter,
        traceSet,
        budget: { ...budget, ...(left === undefined ? {} : { executions: left }) },
        shouldStop: () => found.size > 0 || options.shouldStop?.() === true,
        onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, executions: before + p.executions })),
      },
    );
    executions += result.stats.executions;
    steps += result.stats.steps;
    const stopped = meter.exhausted() || options.shouldStop?.() === true;
    if (found.size && !stopped && (left === undefined || left > result.stats.executions)) {
      visible = new Set([...visible, ...found]);
      continue;
    }
    if (traceSet) for (const t of traceSet) options.traceSet!.add(t);
    const racy = visible.size;
    const note = `at synchronisation points, ${racy} racy plain access${racy === 1 ? '' : 'es'} scheduled (${rounds} round${rounds === 1 ? '' : 's'})`;
    const complete = result.stats.complete && found.size === 0;
    return {
      ...result,
      findings: result.findings.map((f) => expandFinding(plain, f, visible)),
      coverage: {
        ...result.coverage,
        ...(complete ? {} : { kind: 'partial' }),
        text: `${result.coverage.text}; ${note}`,
      },
      stats: {
        ...result.stats,
        executions,
        steps,
        complete,
        ms: now() - t0,
        ...(options.traceSet ? { traces: options.traceSet.size } : {}),
      },
    };
  }
}

/** `f` with its schedule(s) and token at the usual granularity. */
function expandFinding(
  plain: (f: Finding, only?: string) => Machine,
  f: Finding,
  visible: ReadonlySet<InstrKey>,
): Finding {
  if (f.schedules) {
    const schedules = f.schedules.map((s) => expandSchedule(plain(f), s, visible));
    return { ...f, schedules, token: findingToken({ schedules, faults: f.faults }) };
  }
  if (!f.schedule) return f;
  const schedule = expandSchedule(plain(f, f.key), f.schedule, visible, f.key);
  return { ...f, schedule, token: findingToken({ schedule, faults: f.faults }) };
}

/**
 * A schedule of an exploration at synchronisation points (with `visible`
 * plain accesses scheduled), as the schedule of a plain machine: after each
 * step, and before the first ones, the thread's hidden accesses are steps of
 * their own. On the plain machine `m` (fresh: its detectors record only
 * `key`, when given): with `key`, it ends at the step that reports that
 * finding, as a finding's schedule does; without, it ends after the last
 * step (a lock-order finding's executions end at an acquisition).
 */
export function expandSchedule(
  m: Machine,
  schedule: readonly number[],
  visible: ReadonlySet<InstrKey>,
  key?: string,
): number[] {
  const out: number[] = [];
  m.begin();
  const reported = () => key !== undefined && m.findings.some((f) => f.key === key);
  const run = (t: number) => {
    m.step(t);
    out.push(t);
  };
  const hidden = (t: number, last: boolean) => {
    if (last && key === undefined) return;
    while (!m.fatal && !reported() && m.wouldHide(t, visible)) run(t);
  };
  for (let t = 0; t < m.nworkers && !reported(); t++) hidden(t, false);
  for (let i = 0; i < schedule.length && !m.fatal && !reported(); i++) {
    const t = schedule[i]!;
    run(t);
    hidden(t, i === schedule.length - 1);
  }
  return out;
}

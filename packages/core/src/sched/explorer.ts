/**
 * The exploration loop: runs executions of a scenario under a strategy,
 * feeds every step to the detectors (inside the VM), collects findings with
 * the schedule that reaches them, and counts executions, distinct
 * Mazurkiewicz traces and exploration-tree states.
 */
import { DEFAULT_STATE_CACHE_EVERY, ordinal } from './state-cache.js';
import type { Checkpoint, Machine } from '../vm/machine.js';
import { type Finding, simplerCounterexample } from '../detect/finding.js';
import { DigestSet } from '../state/hash.js';
import { TIMERS_KEY, stackKey } from '../state/keys.js';
import { deadlines } from '../vm/timers.js';
import { type Event, Interner, canonicalForm, hbClocks, toEvent } from './events.js';
import { type LiveEntries, liveEntriesBuffer } from '../detect/kcsan-digest.js';
import { PrefixClocks } from './prefix-clocks.js';
import type { Quiescence, SchedContext, Strategy } from './strategy.js';
import { TokenBuilder, faultsToken, findingToken } from './schedule.js';
import { type Meter, budgetMeter, executionWork } from './budget.js';

export { type Budget, Meter, WORK_PER_MS, budgetMeter, budgetWork, executionWork } from './budget.js';
export type {
  AdoptedUnit,
  ExecutionRecord,
  ExploreOptions,
  ExploreResult,
  ExploreStats,
  Progress,
  SplitHook,
  SplitPoint,
  StepRecord,
} from './explore-types.js';
import type { ExecutionRecord, ExploreOptions, ExploreResult, StepRecord } from './explore-types.js';

/** A finding a replay of its step reports again (not one of the once-per-exploration kinds). */
function reportedAgain(f: Finding): boolean {
  return f.kind !== 'data-race' && f.kind !== 'lock-order';
}

/** Steps between two checkpoints of the explorer (Explorer.checkpointEvery). */
export const DEFAULT_CHECKPOINT_EVERY = 8;

/** The explorer's state at a checkpoint: the machine's, and what runExecution has counted so far. */
interface ExplorerCheckpoint {
  depth: number;
  machine: Checkpoint;
  findings: Finding[];
  current: number;
  preemptions: number;
  switches: number;
  seen: number;
  instructions: number;
  token: TokenBuilder;
}

const defaultNow = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Runs executions of one machine's scenario under a strategy. Stateless: each
 * execution restarts from the state after setup (Machine.begin). Build it
 * through sched/runner.ts.
 */
export class Explorer {
  readonly intern = new Interner();
  /** Per thread, the interned state/keys.ts stackKey its every step writes (sched/events.ts toEvent). */
  private readonly ownStacks: number[] = [];

  /** The interned stackKey of thread `tid` when its next step writes it (it has a stack block), else -1. */
  private ownStack(m: Machine, tid: number): number {
    if (!m.hasStackBlock(tid)) return -1;
    return (this.ownStacks[tid] ??= this.intern.id(stackKey(tid)));
  }

  /** The interned TIMERS_KEY (--timeouts anytime). */
  private timersKey(): number {
    return this.intern.id(TIMERS_KEY);
  }

  constructor(readonly machine: Machine) {}

  /** KCSAN's live entries of the state stateful DPOR is told of (reused). */
  private readonly live = liveEntriesBuffer();
  /** Per KCSAN location id: the interned id of its key + 1 (0: not looked up yet). */
  private kcsanLocs = new Int32Array(64);

  /** KCSAN's live entries of `m`'s state, their locations renamed to interned ids (Strategy.visitState). */
  private liveEntries(m: Machine): LiveEntries {
    const live = this.live;
    m.kcsanLive(live);
    const d = live.data;
    for (let i = 0; i < live.count; i++) {
      const k = d[3 * i]!;
      if (k >= this.kcsanLocs.length) {
        const a = new Int32Array(Math.max(2 * this.kcsanLocs.length, k + 1));
        a.set(this.kcsanLocs);
        this.kcsanLocs = a;
      }
      // (interned now if no event has touched it yet: a later access that does gets the same id)
      if (this.kcsanLocs[k] === 0) this.kcsanLocs[k] = this.intern.id(m.kcsanLocKey(k)) + 1;
      d[3 * i] = this.kcsanLocs[k]! - 1;
    }
    return live;
  }

  /** The explorer runs a stateful search (ExploreOptions.stateCache). */
  private searching = false;
  /** Digests of the states seen, when the explorer counts them in a stateful search (plain DFS's, or a strategy's that keeps none). */
  private seen: DigestSet | null = null;
  /** The stateful search is the strategy's (Strategy.visitState: stateful DPOR), not plain DFS's. */
  private stateful = false;
  /** Digests of the states reached, when counting them (ExploreOptions.countStates). */
  private reached: DigestSet | null = null;
  /** A stateful search digests, looks up and keeps the states at the depths this divides (ExploreOptions.stateCacheEvery). */
  private stateEvery = DEFAULT_STATE_CACHE_EVERY;

  /** Distinct states reached so far: the stateful strategy's, the explorer's own search's, or counted; else undefined. */
  private distinctStates(strategy: Strategy): number | undefined {
    if (this.stateful && !this.seen) return strategy.visitedStates!();
    return this.seen?.size ?? this.reached?.size;
  }
  /** The previous execution's schedule: its prefix is replayed, not explored again. */
  private prevSchedule: number[] = [];
  /** The previous execution's events (the prefix a checkpoint restores shares them). */
  private prevEvents: Event[] = [];
  /** Checkpoints along the previous execution's path, shallowest first. */
  private checkpoints: ExplorerCheckpoint[] = [];
  /** Happens-before clocks of the previous executions' events, kept for the prefix the next one shares. */
  private clocks: PrefixClocks | null = null;
  /** How many of `prevEvents`' first events `clocks` holds the clocks of (0 after an execution cut short). */
  private clocksValid = 0;
  /**
   * Take a checkpoint every this many steps (0: never). An execution then
   * starts from the deepest checkpoint within the prefix its strategy
   * repeats (Strategy.replayDepth) instead of replaying from the initial
   * state; the steps it skips are not counted in the statistics' `steps`.
   */
  checkpointEvery = DEFAULT_CHECKPOINT_EVERY;

  /**
   * Checkpoints another explorer had past the prefix it shares with this
   * one's path ({@link adoptPath}): their depths and instructions only, for
   * counting steps as that explorer's next execution would have.
   */
  private virtual: { depth: number; instructions: number }[] = [];

  /**
   * The depth of the checkpoint an execution repeating `repeats` steps of the
   * previous one starts from under `meter` (0: from the state after setup),
   * as runExecution chooses it, counting an adopted path's checkpoints: for
   * ./split.ts, which counts a subtree's steps as this explorer would have.
   */
  restoredDepth(repeats: number, meter?: Meter): number {
    if (this.checkpointEvery <= 0) return 0;
    const keep = Math.min(repeats, this.prevSchedule.length);
    let best: { depth: number; instructions: number } | undefined;
    for (const list of [this.checkpoints, this.virtual]) {
      for (let i = list.length - 1; i >= 0; i--) {
        const c = list[i]!;
        if (c.depth > keep) continue;
        if (!best || c.depth > best.depth) best = c;
        break;
      }
    }
    return best && !meter?.exhausted(executionWork(best.depth, best.instructions)) ? best.depth : 0;
  }

  /**
   * Another explorer ran the executions below the first `depth` steps of this
   * one's path (./split.ts, a unit adopted part-way): forget this explorer's
   * checkpoints and clocks past them, and take that explorer's last schedule
   * and checkpoint depths, so that the next execution restores a state of its
   * own and counts its steps as that explorer's would have.
   */
  adoptPath(depth: number, lastSchedule: number[], checkpoints: readonly (readonly [number, number])[]): void {
    while (this.checkpoints.length && this.checkpoints[this.checkpoints.length - 1]!.depth > depth)
      this.checkpoints.pop();
    this.virtual = this.virtual.filter((v) => v.depth <= depth);
    for (const [d, instructions] of checkpoints) if (d > depth) this.virtual.push({ depth: d, instructions });
    this.clocksValid = Math.min(this.clocksValid, depth);
    this.prevSchedule = lastSchedule;
  }

  /** The depth and instructions of each checkpoint along the last execution's path (./split.ts). */
  checkpointDepths(): [number, number][] {
    return this.checkpoints.map((c) => [c.depth, c.instructions]);
  }

  /**
   * Run one execution under `strategy`. With `record`, keep per-step labels
   * and locations. `onStep` sees the machine after each visible step (step
   * index from 0), for observers such as the trace viewer's object states.
   */
  runExecution(
    strategy: Strategy,
    record = false,
    onStep?: (m: Machine, step: number) => void,
    meter?: Meter,
  ): ExecutionRecord {
    const m = this.machine;
    const n = m.nworkers;
    // checkpoints: only for strategies that say how much of the previous schedule they repeat (a negative
    // answer: none for this execution), and not when every step is to be recorded or observed
    const repeats =
      this.checkpointEvery > 0 && !record && !onStep && strategy.replayDepth ? strategy.replayDepth() : -1;
    const useCheckpoints = repeats >= 0;
    let from: ExplorerCheckpoint | undefined;
    if (useCheckpoints) {
      const keep = Math.min(repeats, this.prevSchedule.length);
      while (this.checkpoints.length && this.checkpoints[this.checkpoints.length - 1]!.depth > keep)
        this.checkpoints.pop();
      from = this.checkpoints[this.checkpoints.length - 1];
      // A replay checks the budget every 64 steps of the prefix; each check is stricter than the one before (the
      // work only grows), so one check at the checkpoint's depth, passed, says every one of them would have
      // passed. Failed, the prefix is replayed, so that the budget cuts the execution where a replay would.
      if (from && meter?.exhausted(executionWork(from.depth, from.instructions))) from = undefined;
    } else this.checkpoints.length = 0;
    if (from) m.restoreCheckpoint(from.machine);
    else m.begin();
    const depth0 = from?.depth ?? 0;
    // after an adopted path, the steps are counted from where its explorer would have restored
    const counted = this.virtual.length ? (useCheckpoints ? this.restoredDepth(repeats, meter) : 0) : depth0;
    this.virtual.length = 0;
    // the restored prefix's events are the previous execution's: their clocks are kept
    const keepClocks = Math.min(depth0, this.clocksValid);
    // the events whose clocks this.clocks holds (more once the strategy asked for them: ctx.clocks)
    let clocksKept = keepClocks;
    const events: Event[] = this.prevEvents.slice(0, depth0);
    const schedule: number[] = this.prevSchedule.slice(0, depth0);
    const steps: StepRecord[] = [];
    // the prefix's findings as a replay would make them again: fresh objects (the earlier ones may be kept by the
    // exploration, and this execution sets its own counts on them), without those a detector reports once per
    // exploration (KCSAN's pairs, lockdep's cycles: shared state a replay finds already reported)
    const findings: Finding[] = from ? from.findings.filter(reportedAgain).map((f) => ({ ...f })) : [];
    let current = from?.current ?? -1;
    let preemptions = from?.preemptions ?? 0;
    let switches = from?.switches ?? 0;
    let seen = from?.seen ?? 0;
    const ctx: SchedContext = {
      get current() {
        return current;
      },
      get step() {
        return schedule.length;
      },
      get events() {
        return events;
      },
      clocks: () => {
        if (record) return hbClocks(events, n);
        if (this.clocks?.n !== n) this.clocks = new PrefixClocks(n);
        const vc = this.clocks.of(events, clocksKept);
        clocksKept = events.length;
        return vc;
      },
      enabler: (tid: number) => {
        if (!m.anytimeTimeouts || m.timeoutOf(m.state.threads[tid]!) === undefined) return -1;
        const p = m.fireableTimeout();
        return p === tid ? -1 : p;
      },
      pending: (tid: number) => {
        // the step about to run is usually this one: its event is not computed twice
        askedEv = toEvent(tid, m.deps(tid), this.intern, this.ownStack(m, tid));
        askedTid = tid;
        return askedEv;
      },
    };
    let askedEv: Event | null = null;
    let askedTid = -1;
    m.currentSchedule = () => [...schedule, ...(pendingTid >= 0 ? [pendingTid] : [])];
    let pendingTid = -1;
    const plan = m.spec.faults?.plan;
    const planToken = faultsToken(plan);
    const token = from ? from.token.copy() : new TokenBuilder();
    // a finding's schedule is the prefix run so far; its token, switches and (recorded) preemptions are counted
    // as the prefix grows (countSwitches, findingToken), not from it per finding
    const attach = () => {
      for (; seen < m.findings.length; seen++) {
        const f = m.findings[seen]!;
        f.schedule = schedule.slice();
        if (plan?.length) f.faults = plan.map((p) => ({ ...p }));
        if (m.injections.length) f.injected = m.injections.slice();
        f.token = f.schedules ? findingToken(f) : planToken + token.text();
        f.switches = switches;
        f.preemptions = preemptions;
        findings.push(f);
      }
    };
    const enabled: number[] = [];
    const quiescent: Quiescence[] = [];
    const anytime = m.anytimeTimeouts;
    let abandoned = false;
    let pruned = false;
    let cut = false;
    let replaying = true;
    let fresh = false;
    let instructions = from?.instructions ?? 0;
    for (;;) {
      if (m.fatal) break;
      if (meter && (schedule.length & 63) === 63 && meter.exhausted(executionWork(schedule.length, instructions))) {
        cut = abandoned = true;
        break;
      }
      // written by index, truncated only when fewer threads are enabled than at the last step (V8 truncates an
      // array in a runtime call)
      let ne = 0;
      for (let t = 0; t < n; t++) if (m.enabled(t)) enabled[ne++] = t;
      if (enabled.length !== ne) enabled.length = ne;
      if (ne === 0) {
        const to = m.fireableTimeout();
        if (to < 0) break;
        enabled.push(to);
        // the timer fires because nothing else can run, a global event every later event happens after: the
        // other blocked threads' next events race with what came before it, as at the end of an execution
        // (a thread a wait blocked may have been able to take what that wait took, had it run first)
        const blocked: Event[] = [];
        for (let t = 0; t < n; t++)
          if (t !== to && !m.isDone(t)) blocked.push(toEvent(t, m.deps(t), this.intern, this.ownStack(m, t)));
        if (blocked.length) quiescent.push({ at: schedule.length, pending: blocked });
      }
      const tid = strategy.next(enabled, ctx);
      if (tid < 0) {
        abandoned = true;
        break;
      }
      const ev = askedTid === tid ? askedEv! : toEvent(tid, m.deps(tid), this.intern, this.ownStack(m, tid));
      askedTid = -1;
      const pre = current >= 0 && tid !== current && enabled.includes(current);
      if (record)
        steps.push({
          step: schedule.length,
          tid,
          label: m.pendingLabel(tid),
          frame: m.pendingFrame(tid),
          enabled: enabled.slice(),
          preemption: pre,
        });
      if (pre) preemptions++;
      if (current >= 0 && tid !== current) switches++;
      pendingTid = tid;
      // --timeouts anytime: a step that changes the pending deadlines may enable or disable a timer (vm/timers.ts);
      // the event object is the one the strategy keeps for this step (its wakeup tree, its sleep sets): changed
      // in place, so that they see the write too
      const deadlines0 = anytime ? deadlines(m) : '';
      m.step(tid);
      if (anytime && deadlines(m) !== deadlines0 && !ev.writes.includes(this.timersKey()))
        ev.writes = [...ev.writes, this.timersKey()];
      instructions += m.state.threads[tid]!.burst;
      pendingTid = -1;
      events.push(ev);
      schedule.push(tid);
      token.push(tid);
      current = tid;
      attach();
      onStep?.(m, schedule.length - 1);
      if (
        useCheckpoints &&
        schedule.length % this.checkpointEvery === 0 &&
        !m.fatal &&
        schedule.length > (this.checkpoints[this.checkpoints.length - 1]?.depth ?? 0)
      ) {
        this.checkpoints.push({
          depth: schedule.length,
          machine: m.checkpoint(),
          findings: findings.slice(),
          current,
          preemptions,
          switches,
          seen,
          instructions,
          token: token.copy(),
        });
      }
      if (this.reached) {
        // a state past the prefix this execution shares with the previous one (that prefix was counted then)
        fresh ||= schedule.length > this.prevSchedule.length || this.prevSchedule[schedule.length - 1] !== tid;
        if (fresh && !m.fatal) this.reached.add(m.stateDigest());
      }
      if (
        this.searching &&
        !m.fatal &&
        (replaying =
          replaying &&
          schedule.length <= this.prevSchedule.length &&
          this.prevSchedule[schedule.length - 1] === tid) === false &&
        // (after the update of `replaying`, which every step makes)
        schedule.length % this.stateEvery === 0
      ) {
        if (this.stateful) {
          // stateful DPOR: the strategy decides (a state seen with a sleep set this visit's does not cover is
          // explored again), on the program state and the KCSAN entries its future can meet (./projection.ts)
          const h = m.programDigest();
          if (this.seen) this.seen.add(m.stateDigest());
          if (strategy.visitState!(h, ctx, this.liveEntries(m))) {
            abandoned = pruned = true;
            break;
          }
        } else {
          const h = m.stateDigest();
          if (this.seen!.has(h)) {
            abandoned = true;
            break;
          }
          this.seen!.add(h);
        }
      }
    }
    // The next events of the threads that did not finish race as if run at the end. A fatal finding
    // stops every thread; the others' next events still race (with the fatal step too, in DPOR), or
    // what they would do to memory the dying thread touched (a use-after-free of theirs) is missed.
    // An abandoned execution (sleep-set blocked, or a wakeup sequence's next thread disabled) ends at a state
    // whose disabled threads' next events race the same way: the branch that found a waiter still blocked may be
    // the only one to learn that an earlier step blocked it (an enabled thread's event was explored above).
    const pending: Event[] = [];
    if (!pruned && !cut) {
      for (let t = 0; t < n; t++) {
        if (m.fatal ? t === current || m.state.threads[t]!.done : m.isDone(t)) continue;
        if (abandoned && m.enabled(t)) continue;
        pending.push(toEvent(t, m.deps(t, m.fatal !== null), this.intern, this.ownStack(m, t)));
      }
    }
    if (!m.fatal && !abandoned) {
      let unfinished = false;
      for (let t = 0; t < n; t++) if (!m.isDone(t)) unfinished = true;
      if (unfinished) m.reportStuck();
      else m.finish();
    }
    attach();
    // without per-step records a finding has the execution's preemptions (countSwitches knows no enabled sets)
    if (!steps.length) for (const f of findings) f.preemptions = preemptions;
    this.prevSchedule = schedule;
    this.prevEvents = events;
    this.clocksValid = 0;
    const work = executionWork(schedule.length, instructions);
    meter?.charge(work);
    const injections = m.injections;
    const rec: ExecutionRecord = {
      abandoned,
      events,
      schedule,
      steps,
      findings,
      preemptions,
      switches,
      clocks: [],
      work,
      injections,
      restored: counted,
    };
    if (cut) return { ...rec, cut };
    if (record) {
      // a recorded execution (replays, traces) is kept by its caller with its clocks: its own
      rec.clocks = hbClocks(events, n);
    } else {
      if (this.clocks?.n !== n) this.clocks = new PrefixClocks(n);
      rec.clocks = this.clocks.of(events, clocksKept);
      this.clocksValid = events.length;
    }
    strategy.endExecution(events, {
      abandoned,
      ...(pruned ? { pruned } : {}),
      fatal: m.fatal !== null,
      findings: findings.map((f) => ({ kind: f.kind, key: f.key })),
      pending,
      ...(quiescent.length ? { quiescent } : {}),
      clocks: rec.clocks,
    });
    return rec;
  }

  /** Explore under `strategy` until it is done or a budget runs out. */
  explore(strategy: Strategy, opts: ExploreOptions = {}): ExploreResult {
    const m = this.machine;
    const now = opts.now ?? defaultNow;
    const t0 = now();
    const budget = opts.budget ?? {};
    const countTraces = opts.countTraces !== false;
    const traces = opts.traceSet ?? new Set<string>();
    const byKey = new Map<string, Finding>();
    let executions = 0;
    let blocked = 0;
    let steps = 0;
    let states = 0;
    let complete = false;
    let lastProgress = t0;
    let prev: number[] = [];
    this.checkpointEvery = opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    this.checkpoints.length = 0;
    this.clocksValid = 0;
    this.searching = opts.stateCache === true;
    this.stateEvery = opts.stateCacheEvery ?? DEFAULT_STATE_CACHE_EVERY;
    if (!Number.isInteger(this.stateEvery) || this.stateEvery < 1)
      throw new Error(`teardown: stateCacheEvery must be a positive integer, not ${this.stateEvery}`);
    this.stateful = this.searching && strategy.visitState !== undefined;
    // the strategy's coverage line states the depth step it was built for: it must be this exploration's
    if (this.stateful && strategy.stateCacheEvery !== undefined && strategy.stateCacheEvery !== this.stateEvery)
      throw new Error(
        `teardown: the strategy was built for states kept at every ${ordinal(strategy.stateCacheEvery)} depth, the exploration keeps every ${ordinal(this.stateEvery)} (stateCacheEvery)`,
      );
    // a stateful strategy that keeps the states counts them; otherwise this explorer does
    const counts = this.stateful && strategy.visitedStates?.() !== undefined;
    this.seen = this.searching && !counts ? new DigestSet() : null;
    this.reached = opts.countStates ? new DigestSet() : null;
    if (m.setupFailed) {
      return {
        findings: [],
        setupFindings: m.setupFindings,
        coverage: { kind: 'partial', text: 'not explored: setup failed' },
        stats: { executions: 0, blocked: 0, traces: 0, states: 0, steps: 0, ms: now() - t0, complete: false },
      };
    }
    const meter = opts.meter ?? budgetMeter(budget, opts.deterministic === true, t0, now);
    const work0 = meter.used;
    m.checkMemo = opts.checkMemo === false ? null : new DigestSet();
    let cut = false;
    for (;;) {
      if (budget.executions !== undefined && executions >= budget.executions) break;
      if (!opts.deterministic && budget.ms !== undefined && now() - t0 >= budget.ms) break;
      if (budget.steps !== undefined && steps >= budget.steps) break;
      if (meter.exhausted()) break;
      if (opts.shouldStop?.()) break;
      if (!strategy.newExecution()) {
        complete = true;
        break;
      }
      const unit = opts.split?.beforeExecution({
        explorer: this,
        strategy,
        meter,
        budget,
        executions,
        steps,
        t0,
        now,
        deterministic: opts.deterministic === true,
        ...(opts.shouldStop ? { shouldStop: opts.shouldStop } : {}),
      });
      if (unit) {
        executions += unit.executions;
        blocked += unit.blocked;
        steps += unit.steps;
        states += unit.states;
        prev = unit.lastSchedule;
        if (countTraces) for (const t of unit.traces) traces.add(t);
        for (const f of unit.findings) {
          const old = byKey.get(f.key);
          if (!old || simplerCounterexample(f, old)) byKey.set(f.key, f);
        }
        continue;
      }
      const rec = this.runExecution(strategy, false, undefined, meter);
      if (rec.cut) {
        // the budget ended inside this execution: its findings are real, but it is not counted
        cut = true;
        for (const f of rec.findings) if (!byKey.has(f.key)) byKey.set(f.key, f);
        break;
      }
      opts.onExecution?.(rec, m);
      executions++;
      if (rec.abandoned) blocked++;
      steps += rec.schedule.length - (rec.restored ?? 0);
      let common = 0;
      while (common < prev.length && common < rec.schedule.length && prev[common] === rec.schedule[common]) common++;
      states += rec.schedule.length - common;
      prev = rec.schedule;
      if (countTraces && !rec.abandoned) {
        const tag = rec.injections.length ? `${rec.injections.map((i) => `${i.tid}:${i.nth}`).join(',')}|` : '';
        traces.add(tag + canonicalForm(rec.events, m.nworkers, rec.clocks));
      }
      for (const f of rec.findings) {
        const old = byKey.get(f.key);
        if (!old || simplerCounterexample(f, old)) byKey.set(f.key, f);
      }
      if (opts.stopOnFirst && rec.findings.length) break;
      if (opts.onProgress && now() - lastProgress >= 100) {
        lastProgress = now();
        opts.onProgress({
          executions,
          traces: traces.size,
          states: this.distinctStates(strategy) ?? states,
          findings: byKey.size,
          ms: lastProgress - t0,
        });
      }
    }
    opts.split?.end();
    const distinctStates = this.distinctStates(strategy);
    if (this.searching) states = distinctStates!;
    opts.onProgress?.({
      executions,
      traces: traces.size,
      states: distinctStates ?? states,
      findings: byKey.size,
      ms: now() - t0,
    });
    this.seen = null;
    this.reached = null;
    m.checkMemo = null;
    const ms = now() - t0;
    const findings = [...byKey.values()].sort(findingOrder);
    return {
      findings,
      setupFindings: m.setupFindings,
      coverage: strategy.coverage(countTraces ? traces.size : undefined),
      stats: {
        executions,
        blocked,
        traces: countTraces ? traces.size : -1,
        states,
        steps,
        ...(distinctStates !== undefined ? { distinctStates } : {}),
        ms,
        complete,
        work: meter.used - work0,
        ...(cut ? { cut } : {}),
      },
    };
  }
}

const SEVERITY: Record<string, number> = {
  'use-after-free': 0,
  'double-free': 0,
  'invalid-free': 0,
  'null-deref': 0,
  'bad-pointer': 0,
  oops: 0,
  deadlock: 1,
  'lock-order': 1,
  livelock: 1,
  'lock-misuse': 2,
  refcount: 2,
  'data-race': 3,
  warn: 3,
  stall: 4,
  leak: 4,
  assert: 1,
  contract: 5,
  invariant: 5,
};

/** Stable report order: severity, then kind, then key. */
export function findingOrder(a: Finding, b: Finding): number {
  const s = (SEVERITY[a.kind] ?? 9) - (SEVERITY[b.kind] ?? 9);
  if (s) return s;
  if (a.kind !== b.kind) return a.kind < b.kind ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Context switches of a schedule, and preemptions when per-step enabled sets are known. */
export function countSwitches(
  s: readonly number[],
  steps?: readonly StepRecord[],
): { switches: number; preemptions?: number } {
  let switches = 0;
  let preemptions = 0;
  for (let i = 1; i < s.length; i++) {
    if (s[i] !== s[i - 1]) {
      switches++;
      if (steps?.[i]?.enabled.includes(s[i - 1]!)) preemptions++;
    }
  }
  return steps ? { switches, preemptions } : { switches };
}

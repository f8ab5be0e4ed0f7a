/**
 * Splitting one stateless DPOR exploration across explorers: speculative
 * units with validated adoption.
 *
 * After Simsa, Bryant, Gibson and Hickey, "Scalable Dynamic Partial Order
 * Reduction" (RV 2012): a controller (this explorer) hands subtrees of the
 * exploration tree to workers and takes back what they found at nodes it
 * owns. Here the controller also keeps exploring, in the sequential order,
 * and the report must be the sequential one whatever the number of workers,
 * so a worker's subtree is a *speculation*: the child v of a node E on the
 * controller's path that the controller will take later (docs/scheduler.md,
 * "Splitting one exploration").
 *
 * What the subtree below E.v explores depends only on E's schedule, the
 * wakeup subtree hung under v and sleep(E) when v is taken (the node's sleep
 * set and the children before v, all known when the unit is handed out: new
 * children are appended after v). When the controller reaches v, it compares
 * these with what the worker was given ({@link unitSignature}: the
 * controller's exploration of the earlier children may have hung more
 * sequences under v); equal, it *adopts* the worker's result as the
 * executions it would have run there:
 *
 * - the reversals of races at E and above, applied to its own nodes in the
 *   worker's order (sequentially they happen in that order, and nothing
 *   below E.v reads those nodes);
 * - executions, sleep-set blocked ones, traces (canonical forms, with the
 *   interner's numbering: a worker starts from the controller's table and
 *   may add keys only if the controller added none since), findings merged
 *   by key as the explorer merges them (a strict weak order: merging the
 *   worker's best per key is merging all of them);
 * - KCSAN's once-per-pair reports: a pair the controller reported since the
 *   hand-out would not have been reported again, so that data race is
 *   dropped; lockdep's graph: a unit that added a dependency is not adopted
 *   (its cycles would need the controller's newer edges);
 * - steps and states, corrected for the prefix the worker replayed from the
 *   state after setup where the controller would have restored a checkpoint
 *   ({@link Explorer.restoredDepth}) and shared a prefix with the previous
 *   execution;
 * - the budget: adopted only if every budget check of those executions would
 *   have passed (their work, executions and steps fit in what is left).
 *
 * Anything else (a changed signature, a unit cut by its budget, new
 * interned keys on both sides, a lockdep edge, a budget that would end
 * inside the subtree) and the controller explores the subtree itself. Either
 * way the result is the sequential one; only the time differs.
 */
import type { Machine } from '../vm/machine.js';
import type { Edge } from '../detect/lockdep.js';
import { type Finding, findingKey } from '../detect/finding.js';
import type { Event } from './events.js';
import type { WNode } from './wakeup-tree.js';
import { DporStrategy, type DporUnit, type ExportedPath, type ForeignReversal } from './dpor.js';
import { PortfolioStrategy } from './portfolio.js';
import type { Strategy } from './strategy.js';
import { type AdoptedUnit, Explorer, type SplitHook, type SplitPoint } from './explorer.js';

/** A unit handed to a worker: the subtree and what the controller's detectors and interner held then. */
export interface UnitRequest {
  id: number;
  unit: DporUnit;
  mode: 'optimal' | 'source';
  /** The controller's interned keys (key i is number i). */
  keys: string[];
  /** KCSAN's reported pairs and lockdep's dependencies (SharedDetectors). */
  kcsanReported: string[];
  lockdep: Edge[];
  lockdepReported: string[];
  /** Work units the unit may spend (what the controller had left; Infinity: no limit). */
  work: number;
  /** Executions it may run (the controller's strategy's room; Infinity: no limit). */
  executions: number;
  checkpointEvery: number;
  countTraces: boolean;
}

/** What a worker found in its unit (structured-clone safe: findings as plain data). */
export interface UnitResult {
  id: number;
  /** The whole subtree was explored within the unit's budget. */
  complete: boolean;
  /**
   * Not complete, stopped between two executions (asked to, or at its
   * executions budget): the path it would go on from, and its checkpoints'
   * depths and instructions; the counts are those of its executions so far.
   */
  partial?: ExportedPath & { checkpoints: [number, number][] };
  executions: number;
  blocked: number;
  /** Steps as the worker ran them (its first execution replayed the prefix from the state after setup). */
  steps: number;
  /** Tree states as the worker counted them (its first execution shared nothing with a previous one). */
  states: number;
  work: number;
  traces: string[];
  findings: Finding[];
  reversals: ForeignReversal[];
  /** Keys the worker interned beyond the request's, in order. */
  newKeys: string[];
  /** KCSAN pairs the worker reported, in order. */
  newPairs: string[];
  /** Lockdep dependencies the worker added, in its graph's order, and the cycles it reported. */
  lockdepAdded: Edge[];
  lockdepReported: string[];
  lastSchedule: number[];
  /** The event the unit's branch ran with at its node (DporStrategy.branchEvent); none for a unit whose worker failed. */
  branchEv?: Event;
}

/**
 * Runs units somewhere else: worker threads (the grader's split pool), or in
 * this thread at chosen moments (the tests). Results are handed back by
 * `poll` and `wait` in any order.
 */
export interface UnitRunner {
  /** How many units it would start now. */
  idle(): number;
  start(req: UnitRequest): void;
  /** Results finished since the last call, without waiting. */
  poll(): UnitResult[];
  /** Wait until unit `id` is finished; its result and any others finished meanwhile. */
  wait(id: number): UnitResult[];
  /** The unit's result is no longer wanted (it may still arrive: it is ignored). */
  cancel(id: number): void;
  /**
   * How eagerly to hand out units (default {@link QUIET} and {@link RESCAN}):
   * a runner whose units cost nothing to start, as the tests' in-thread one,
   * may take every pending child at once.
   */
  readonly handOut?: { quiet: number; rescan: number };
  /** The controller settled unit `id`: adopted, or explored itself (for counts; optional). */
  settled?(id: number, adopted: boolean, counts: Readonly<SplitCounts>): void;
  /** The exploration is over (exploreScenario calls it): release what the runner holds for it. */
  close?(): void;
}

/**
 * Explore a unit on machine `m` (the scenario's, initialised; it may have
 * run other units: its shared detectors are reset to the request's).
 */
export function runUnit(m: Machine, req: UnitRequest, shouldStop?: () => boolean): UnitResult {
  const shared = m.shared;
  shared.kcsanReported.clear();
  for (const p of req.kcsanReported) shared.kcsanReported.add(p);
  shared.lockdep.seed(req.lockdep, req.lockdepReported);
  const x = new Explorer(m);
  x.intern.load(req.keys);
  const reversals: ForeignReversal[] = [];
  const strategy = new DporStrategy({
    nthreads: m.spec.threads.length,
    mode: req.mode,
    unit: req.unit,
    onForeign: (r) => reversals.push(r),
  });
  const traces = new Set<string>();
  let lastSchedule: number[] = [];
  const res = x.explore(strategy, {
    budget: { work: req.work, executions: req.executions },
    deterministic: true,
    countTraces: req.countTraces,
    traceSet: traces,
    checkpointEvery: req.checkpointEvery,
    ...(shouldStop ? { shouldStop } : {}),
    onExecution: (rec) => {
      lastSchedule = rec.schedule;
    },
  });
  const complete = strategy.finished && !res.stats.cut;
  const partial =
    !complete && !res.stats.cut && res.stats.executions > 0
      ? { ...strategy.exportPath(), checkpoints: x.checkpointDepths() }
      : undefined;
  return {
    id: req.id,
    complete,
    ...(partial ? { partial } : {}),
    executions: res.stats.executions,
    blocked: res.stats.blocked,
    steps: res.stats.steps,
    states: res.stats.states,
    work: res.stats.work ?? 0,
    traces: [...traces],
    // sites that read the machine become plain data (what a report's JSON holds)
    findings: JSON.parse(JSON.stringify(res.findings)) as Finding[],
    reversals,
    newKeys: x.intern.keys(req.keys.length),
    newPairs: [...shared.kcsanReported].slice(req.kcsanReported.length),
    lockdepAdded: shared.lockdep.edges(req.lockdep.length),
    lockdepReported: shared.lockdep.reportedCycles().slice(req.lockdepReported.length),
    lastSchedule,
    ...(strategy.branchEvent ? { branchEv: strategy.branchEvent } : {}),
  };
}

/** What identifies a unit's input: its node, schedule, wakeup subtree and sleep set (equal inputs, equal exploration). */
export function unitSignature(u: DporUnit): string {
  const parts: string[] = [`${u.depth}|${u.prefix.join(',')}|`];
  const sleep = [...u.sleep].sort((a, b) => a[0] - b[0]);
  for (const [q, e] of sleep) parts.push(`${q}:${eventText(e)};`);
  parts.push('|');
  branchText(u.branch, parts);
  return parts.join('');
}

function eventText(e: Event): string {
  const f = (e.acqTry ? 1 : 0) | (e.acqShared ? 2 : 0) | (e.noRace ? 4 : 0) | (e.global ? 8 : 0);
  return `${e.tid}r${e.reads.join('.')}w${e.writes.join('.')}a${e.adds.join('.')}l${e.acq}o${e.leavesOne}f${f}`;
}

function branchText(w: WNode, out: string[]): void {
  out.push(`(${eventText(w.ev)}`);
  if (w.tail) for (let k = w.at; k < w.tail.length; k++) out.push(`>${eventText(w.tail[k]!)}`);
  for (const c of w.children) branchText(c, out);
  out.push(')');
}

/**
 * Executions a node's wakeup tree must have gone unchanged before one of its
 * children is handed out: a node whose tree keeps changing is likely to hang
 * more under that child before it is taken, and the unit would be wasted.
 */
const QUIET = 32;

/** Executions between two scans for units to hand out when the last found none. */
const RESCAN = 8;

/** A unit handed out and not settled yet. */
interface Pending {
  id: number;
  /** Its child (the key of `byChild`), and the child's insertion count then (WNode.rev). */
  child: WNode;
  rev: number;
  signature: string;
  /** The controller's interned keys and lockdep dependencies when it was handed out. */
  keys: number;
  lockdep: number;
  result: UnitResult | null;
}

/** Counts of what happened to the units (for tests and benchmarks; never in a report). */
export interface SplitCounts {
  started: number;
  adopted: number;
  /** Settled but explored by the controller: changed inputs, or a result that could not stand for its run. */
  rejected: number;
  /** Why, by reason: `inputs` (the signature changed), `incomplete`, `lockdep`, `keys`, `budget`. */
  why: Record<string, number>;
  /** Adoptions that waited for a running unit. */
  waited: number;
  /** Units adopted part-way (the controller went on from where they stopped). */
  partial: number;
  /** Executions the adopted units stood for. */
  executions: number;
}

/**
 * The controller's side ({@link SplitHook}): hands pending children of its
 * DPOR path to idle workers, in the order it will take them (the soonest
 * first: a unit far ahead is more likely to be changed before it is reached,
 * and, under a budget, never to be reached), and adopts a unit when
 * its exploration reaches that child with the inputs the unit was given.
 */
export class SplitController implements SplitHook {
  private nextId = 1;
  private readonly byChild = new Map<WNode, Pending>();
  private readonly byId = new Map<number, Pending>();
  /** Children whose units were dropped for changed inputs: not handed out again (their nodes keep changing). */
  private readonly dropped = new WeakSet<WNode>();
  /** The executions count before which handOut does not scan again. */
  private nextScan = 0;
  readonly counts: SplitCounts = { started: 0, adopted: 0, rejected: 0, why: {}, waited: 0, partial: 0, executions: 0 };

  constructor(
    private readonly runner: UnitRunner,
    private readonly countTraces = true,
  ) {}

  beforeExecution(p: SplitPoint): AdoptedUnit | null {
    const t = splitTarget(p.strategy);
    if (!t) {
      // the portfolio has left DPOR: nothing handed out will be adopted
      if (this.byId.size) this.end();
      return null;
    }
    const dpor = t.dpor;
    this.collect(this.runner.poll());
    const f = dpor.frontier();
    const pending = f ? this.byChild.get(f.child) : undefined;
    if (f && pending) {
      this.byChild.delete(f.child);
      this.byId.delete(pending.id);
      const adopted = this.settle(dpor, f.depth, f.child, pending, p, t.room);
      this.runner.settled?.(pending.id, adopted !== null, this.counts);
      if (adopted) {
        if (p.strategy instanceof PortfolioStrategy) p.strategy.adoptedExecutions(adopted.executions);
        return adopted;
      }
      this.counts.rejected++;
    }
    this.dropChanged();
    this.handOut(dpor, p, t.room);
    return null;
  }

  /**
   * Cancel the units whose inputs changed since they were handed out (their
   * children got more of the wakeup tree hung under them): they can no
   * longer be adopted, and their workers are better used on another.
   */
  private dropChanged(): void {
    for (const u of this.byId.values()) {
      if ((u.child.rev ?? 0) === u.rev) continue;
      this.byId.delete(u.id);
      this.byChild.delete(u.child);
      this.dropped.add(u.child);
      if (!u.result) this.runner.cancel(u.id);
      this.counts.rejected++;
      this.counts.why.inputs = (this.counts.why.inputs ?? 0) + 1;
    }
  }

  end(): void {
    for (const id of this.byId.keys()) this.runner.cancel(id);
    this.byId.clear();
    this.byChild.clear();
  }

  private collect(results: readonly UnitResult[]): void {
    for (const r of results) {
      const p = this.byId.get(r.id);
      if (p) p.result = r;
    }
  }

  private handOut(dpor: DporStrategy, p: SplitPoint, room: number): void {
    let idle = this.runner.idle();
    // a scan that found nothing to hand out is not repeated for a few executions (it walks the whole path)
    if (idle <= 0 || p.executions < this.nextScan) return;
    const quiet = this.runner.handOut?.quiet ?? QUIET;
    this.nextScan = p.executions + (this.runner.handOut?.rescan ?? RESCAN);
    const shared = p.explorer.machine.shared;
    const work = p.meter.limit - p.meter.used;
    if (!(work > 0)) return;
    for (const c of dpor.pendingChildren()) {
      if (this.byChild.has(c.child) || c.quiet < quiet || this.dropped.has(c.child)) continue;
      const unit = dpor.unitFor(c.depth, c.child);
      const id = this.nextId++;
      const pending: Pending = {
        id,
        child: c.child,
        rev: c.child.rev ?? 0,
        signature: unitSignature(unit),
        keys: p.explorer.intern.size,
        lockdep: shared.lockdep.size,
        result: null,
      };
      this.byChild.set(c.child, pending);
      this.byId.set(id, pending);
      this.counts.started++;
      this.runner.start({
        id,
        unit,
        mode: dpor.name === 'dpor' ? 'optimal' : 'source',
        keys: p.explorer.intern.keys(),
        kcsanReported: [...shared.kcsanReported],
        lockdep: shared.lockdep.edges(),
        lockdepReported: shared.lockdep.reportedCycles(),
        work,
        executions: Math.min(room, (p.budget.executions ?? Number.POSITIVE_INFINITY) - p.executions),
        checkpointEvery: p.explorer.checkpointEvery,
        countTraces: this.countTraces,
      });
      this.nextScan = 0;
      if (--idle <= 0) return;
    }
  }

  /** Adopt the unit for `child` at `depth` if it stands for what this explorer would run there; else null. */
  private settle(
    dpor: DporStrategy,
    depth: number,
    child: WNode,
    u: Pending,
    p: SplitPoint,
    room: number,
  ): AdoptedUnit | null {
    const no = (why: string) => {
      this.counts.why[why] = (this.counts.why[why] ?? 0) + 1;
      return null;
    };
    if (unitSignature(dpor.unitFor(depth, child)) !== u.signature) {
      if (!u.result) this.runner.cancel(u.id);
      return no('inputs');
    }
    if (!u.result) {
      this.counts.waited++;
      for (const r of this.runner.wait(u.id)) {
        if (r.id === u.id) u.result = r;
        else this.collect([r]);
      }
    }
    const r = u.result;
    if (!r || (!r.complete && !r.partial)) return no('incomplete');
    const x = p.explorer;
    // lockdep's graph: unchanged since the hand-out, this explorer would have added the unit's dependencies and
    // reported its cycles, as the unit did; grown, the unit's new dependencies must all be in it already (then
    // none is added there, and no cycle reported: lockdep reports one only as it adds a dependency)
    const graph = x.machine.shared.lockdep;
    let lockOrder = false;
    if (r.lockdepAdded.length && graph.size !== u.lockdep) {
      const has = new Set(graph.pairs().map(([a, b]) => `${a}\0${b}`));
      if (r.lockdepAdded.some((e) => !has.has(`${e.from}\0${e.to}`))) return no('lockdep');
      lockOrder = true;
    }
    if (r.newKeys.length && x.intern.size !== u.keys) return no('keys');
    // every budget check of the subtree's executions would have passed: the loop's before each, the replay's
    // inside each and at its checkpoint (each at most the work charged so far plus the execution's)
    const steps = r.steps - x.restoredDepth(depth, p.meter);
    const b = p.budget;
    if (
      r.executions > room ||
      p.meter.exhausted(r.work) ||
      (b.executions !== undefined && p.executions + r.executions > b.executions) ||
      (b.steps !== undefined && p.steps + steps >= b.steps) ||
      (!p.deterministic && b.ms !== undefined && p.now() - p.t0 >= b.ms) ||
      p.shouldStop?.()
    )
      return no('budget');

    x.intern.load(r.newKeys);
    if (!lockOrder) graph.add(r.lockdepAdded, r.lockdepReported);
    const reported = x.machine.shared.kcsanReported;
    const dropped = new Set<string>();
    for (const pair of r.newPairs) {
      if (reported.has(pair)) dropped.add(findingKey('data-race', [pair]));
      else reported.add(pair);
    }
    const findings =
      dropped.size || lockOrder
        ? r.findings.filter((f) => !dropped.has(f.key) && !(lockOrder && f.kind === 'lock-order'))
        : r.findings;
    if (r.complete) dpor.adoptUnit(r.reversals, r.executions - r.blocked, r.blocked, r.branchEv);
    else {
      // the unit stopped part-way: go on from its path (and hand out what hangs from it)
      const path = r.partial!;
      dpor.adoptPartial(depth, r.reversals, r.executions - r.blocked, r.blocked, path, r.branchEv);
      x.adoptPath(depth, r.lastSchedule, path.checkpoints);
      this.counts.partial++;
    }
    p.meter.charge(r.work);
    this.counts.adopted++;
    this.counts.executions += r.executions;
    return {
      executions: r.executions,
      blocked: r.blocked,
      steps,
      // the first execution shares the node's prefix with the previous one
      states: r.states - depth,
      traces: r.traces,
      findings,
      lastSchedule: r.lastSchedule,
    };
  }
}

/** The DPOR strategy a split works for, and how many executions it may still run (the next included), or null. */
function splitTarget(s: Strategy): { dpor: DporStrategy; room: number } | null {
  if (s instanceof DporStrategy) return { dpor: s, room: Number.POSITIVE_INFINITY };
  if (s instanceof PortfolioStrategy) return s.dporPhase();
  return null;
}

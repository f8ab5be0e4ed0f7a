/**
 * Dynamic partial-order reduction with sleep sets.
 *
 * Optimal DPOR: P. Abdulla, S. Aronis, B. Jonsson, K. Sagonas, "Source Sets:
 * A Foundation for Optimal Dynamic Partial Order Reduction", JACM 64(4),
 * 2017 (first POPL 2014), Algorithm 2 with wakeup trees. Guarantee: every
 * Mazurkiewicz trace of the program (with respect to the dependency relation
 * of ./events.ts) is explored, and with wakeup trees each exactly once, with
 * no sleep-set blocked executions, except where a fatal finding stopped an
 * execution, a shared acquisition (rwlock_t's read_lock) made a reversal
 * infeasible, or the end of a spin-wait was reversed before the write that
 * enabled it (docs/scheduler.md, "Dependencies").
 *
 * `mode: 'source'` gives Source-DPOR (Algorithm 1 of the same paper): the
 * same race detection, but a reversal only adds one initial thread to the
 * backtrack set; it is complete too and may explore some redundant,
 * sleep-set blocked executions.
 *
 * The exploration is stateless: every execution replays its prefix from the
 * initial state and diverges at the deepest node with an unexplored wakeup
 * sequence. Races are detected on each maximal execution:
 *   e ⋖ e'  iff  e and e' are dependent, of different threads, e happens
 *   before e', and no other event lies between them in happens-before;
 * for a lock acquisition e' the race is with the previous acquisition of the
 * same lock (the unlock in between is what blocked e'), for an exclusive one
 * also with every shared acquisition since (LastAccesses.acquisitions) and
 * the reads of the lock since it was freed; a woken return races as an
 * acquisition of its task's state (never with the wake-up that woke it);
 * timeouts at quiescence are never reversed, since they could not have run
 * earlier, but the threads blocked when one fires race as if run before it
 * (./races.ts). The end of a spin-wait is reversed (a later write can
 * disable it again), and a reversal that finds it disabled must hide no
 * other: in a wakeup sequence it is an event dependent with everything
 * (reverse).
 */
import { type Event, HbScratch, hbClocks, wakes } from './events.js';
import { counterKinds } from './counter-kinds.js';
import { findRaces } from './races.js';
import { LastAccesses } from './last-accesses.js';
import { SCRATCH_V, SeqHb, type WNode, insert, kids, wnode } from './wakeup-tree.js';
import { type DporUnit, type ExportedPath, type ForeignReversal, copyBranch } from './dpor-unit.js';

export { type DporUnit, type ExportedPath, type ForeignReversal, copyBranch } from './dpor-unit.js';
import { type VClock, covers } from '../state/vclock.js';
import type { Digest } from '../state/hash.js';
import type { LiveEntries } from '../detect/kcsan-digest.js';
import { ProjectedStates, copyLive } from './projection.js';
import type { Coverage, ExecutionEnd, SchedContext, Strategy } from './strategy.js';
import { DEFAULT_STATE_CACHE_BYTES, DEFAULT_STATE_CACHE_EVERY, statefulCoverage } from './state-cache.js';
import { type Narrowed, addNarrowed, summaryBacktrack, visitRaces } from './summary-races.js';
import {
  SUMMARY_MAX_THREADS,
  type PackedSummary,
  Summary,
  addEvent,
  lastBefore,
  eventPositions,
  mergePacked,
  unionSummaries,
} from './summary.js';

/** A new node's child before next() picks one (shared: never written). */
const UNTAKEN: WNode = wnode(-1, null as unknown as Event);
Object.freeze(UNTAKEN.children);

/** The empty sleep set of the nodes that inherit nothing (shared: never written). */
const NO_SLEEP: Map<number, Event> = new Map();

/** A node on the current exploration path (the prefix of `depth` events). */
interface PathNode {
  /** The wakeup tree wut(E): sequences still to explore from here (ordered). */
  wut: WNode[];
  /** sleep(E): threads whose next event need not be explored here, with that event. */
  sleep: Map<number, Event>;
  /** The child being explored. */
  taken: WNode;
  /** With the state cache: the node's program digest and KCSAN entries (absent when not computed: the root). */
  digest?: Digest;
  live?: LiveEntries;
  /** With the state cache: the sleep set the node was entered with (thread mask). */
  sleep0: number;
  /** With the state cache: the threads enabled at the node. */
  enabled: readonly number[];
  /** With the state cache: what the node's explored future touches (./summary.ts), at the root and kept states only. */
  summary: Summary | null;
  /** With the state cache: the depth of the nearest node at or above this one with a summary (which takes its future). */
  owner: number;
  /** Executions ended when a reversal last changed the wakeup tree (for ./split.ts: quiet nodes are handed out). */
  touched: number;
}

/** Options of DporStrategy. */
export interface DporOptions {
  /** Optimal DPOR (default) or source-DPOR; with `stateCache`, source-DPOR's reversals either way. */
  mode?: 'optimal' | 'source';
  /** Number of threads (for vector clocks). */
  nthreads: number;
  /**
   * Stateful DPOR (./state-cache.ts): the explorer reports each new state's
   * digest (visitState) and an execution stops at a state explored before with
   * a covered sleep set. Coverage is then of states, not of traces.
   */
  stateCache?: boolean;
  /** With `stateCache`: the most memory its summaries take, in bytes, at least 256 or Infinity (default {@link DEFAULT_STATE_CACHE_BYTES}). */
  stateCacheBytes?: number;
  /** With `stateCache`: the explorer's ExploreOptions.stateCacheEvery (default 2), said on the coverage line. */
  stateCacheEvery?: number;
  /** With `stateCache`: a summary at every node, not only where a state is kept (tests: the same exploration). */
  summaryEveryNode?: boolean;
  /**
   * Explore only this subtree, for another explorer that owns the nodes
   * above it (./split.ts): replay `unit.prefix`, explore below the child
   * `unit.branch` of the node at `unit.depth` with the sleep set `unit.sleep`,
   * and hand the reversals of races at that node and above to `onForeign`
   * (in the order they are found) instead of inserting them.
   */
  unit?: DporUnit;
  onForeign?: (r: ForeignReversal) => void;
}

/**
 * Optimal DPOR with wakeup trees, or source-DPOR (Abdulla et al., JACM 2017,
 * Algorithms 2 and 1): every Mazurkiewicz trace of the scenario, optimal
 * DPOR each exactly once.
 */
export class DporStrategy implements Strategy {
  readonly name: string;
  private path: PathNode[] = [];
  private started = false;
  private done = false;
  private blocked = 0;
  private complete = 0;
  /** Executions stopped at a visited state (stateful DPOR). */
  private pruned = 0;
  private readonly optimal: boolean;
  private readonly n: number;
  /** Storage for the happens-before of the sequences `reverse` builds (one at a time). */
  private readonly scratch = new HbScratch();
  /** The last accesses of the current execution's events (race detection), kept for the prefix the next one shares. */
  private readonly last: LastAccesses;

  /** Explored states (with `stateCache`). */
  private readonly cache: ProjectedStates | null;
  /** The bound on the cache's summaries, bytes. */
  private readonly cacheBytes: number;
  /** With the state cache: the explorer keeps the states at the depths this divides (DporOptions.stateCacheEvery). */
  readonly stateCacheEvery: number | undefined;
  private readonly summaryEveryNode: boolean;
  /** The state visitState was given for the node at depth `pendingDepth`, not yet created. */
  private pendingDigest: Digest | undefined;
  private pendingLive: LiveEntries | undefined;
  private pendingDepth = -1;
  /** The cached state the current execution stopped at. */
  private hit: PackedSummary | null = null;
  /** The nodes (depths) the races of the prefix with that state's future go to (./summary-races.ts summaryBacktrack). */
  private readonly hitRaces: number[] = [];
  /** The children those races give nodes whose reversal has nothing in the prefix (./summary-races.ts visitRaces). */
  private readonly narrowed: Narrowed = { at: [], ev: [] };
  /** The children made so (Coverage.narrowed). */
  private narrowedChildren = 0;
  /** Visits to a cached state explored again rather than have a race with its future fully expand a node (not narrowed). */
  private reopened = 0;
  /** A visit of this execution cut `last` back to the divergence node (it holds this execution's events since). */
  private visitRecorded = false;

  constructor(opts: DporOptions) {
    this.name = (opts.mode ?? 'optimal') === 'optimal' ? 'dpor' : 'source-dpor';
    // with a state cache, source-DPOR's reversals: optimal DPOR's sleep-set test is unsound beside the source-DPOR
    // cover of races with a cached future (docs/scheduler.md, "Stateful DPOR")
    this.optimal = this.name === 'dpor' && !opts.stateCache;
    this.n = opts.nthreads;
    this.last = new LastAccesses(opts.nthreads);
    if (opts.stateCache && opts.nthreads > SUMMARY_MAX_THREADS) {
      throw new Error(`teardown: stateful DPOR handles at most ${SUMMARY_MAX_THREADS} threads`);
    }
    this.cacheBytes = opts.stateCacheBytes ?? DEFAULT_STATE_CACHE_BYTES;
    this.stateCacheEvery = opts.stateCache ? (opts.stateCacheEvery ?? DEFAULT_STATE_CACHE_EVERY) : undefined;
    this.summaryEveryNode = opts.summaryEveryNode === true;
    this.cache = opts.stateCache ? new ProjectedStates(opts.nthreads, this.cacheBytes) : null;
    const u = opts.unit;
    if (u) {
      if (opts.stateCache) throw new Error('teardown: a DPOR unit is stateless');
      // the nodes above the unit's are another explorer's: replayed, never backtracked to
      for (let i = 0; i < u.depth; i++) this.path.push(this.pathNode([], NO_SLEEP, wnode(u.prefix[i]!, UNTAKEN.ev)));
      const root = copyBranch(u.branch);
      this.unitRoot = root;
      this.path.push(this.pathNode([root], new Map(u.sleep), root));
      this.rootDepth = u.depth;
      this.fresh = u.depth;
      this.onForeign = opts.onForeign ?? null;
    }
  }

  /** A unit's branch at its node, whose event `next` replaces as the explorer it splits from would. */
  private unitRoot: WNode | null = null;

  /**
   * The event a unit's branch ran with (after its first execution): where it
   * is a reference count's operation, the one its thread has at the node
   * (`next`), which the explorer that adopts the unit puts in the node's
   * sleep set as it would have, had it explored the branch itself.
   */
  get branchEvent(): Event | undefined {
    return this.unitRoot?.ev;
  }

  /** Nodes at depths up to this are another explorer's (a unit's prefix and node); 0 otherwise. */
  private readonly rootDepth: number = 0;
  /** Where a unit hands the reversals at its node and above. */
  private readonly onForeign: ((r: ForeignReversal) => void) | null = null;

  private pathNode(wut: WNode[], sleep: Map<number, Event>, taken: WNode): PathNode {
    return { wut, sleep, taken, sleep0: 0, enabled: [], summary: null, owner: 0, touched: this.ended() };
  }

  /** Executions ended so far (the clock of PathNode.touched). */
  private ended(): number {
    return this.complete + this.blocked + this.pruned;
  }

  /**
   * The node the next execution starts a new subtree at, and the child it
   * takes there (after an execution's backtracking: every next execution
   * starts one); null before the first and after the last (./split.ts).
   */
  frontier(): { depth: number; child: WNode } | null {
    if (this.done || !this.started || this.path.length === 0) return null;
    return { depth: this.fresh, child: this.path[this.fresh]!.taken };
  }

  /**
   * The children of path nodes not taken yet, in the order this strategy
   * will take them (deepest node first, each node's in order), with the
   * executions since a reversal last changed the node's wakeup tree
   * (`quiet`: a child of a node that changes often is likely to get more
   * hung under it before it is taken) (./split.ts).
   */
  *pendingChildren(): Generator<{ depth: number; child: WNode; quiet: number }> {
    const now = this.ended();
    for (let d = this.path.length - 1; d >= this.rootDepth; d--) {
      const node = this.path[d]!;
      for (let k = 1; k < node.wut.length; k++) yield { depth: d, child: node.wut[k]!, quiet: now - node.touched };
    }
  }

  /** The unit that explores `child` of the path node at `depth` (copies: the unit's explorer may change them). */
  unitFor(depth: number, child: WNode): DporUnit {
    const node = this.path[depth]!;
    const sleep: [number, Event][] = [...node.sleep];
    for (const w of node.wut) {
      if (w === child) break;
      sleep.push([w.tid, w.ev]);
    }
    const prefix: number[] = [];
    for (let i = 0; i < depth; i++) prefix.push(this.path[i]!.taken.tid);
    return { depth, prefix, branch: copyBranch(child), sleep };
  }

  /** Every execution is explored (a unit: its subtree). */
  get finished(): boolean {
    return this.done;
  }

  /** A unit's path below its node as plain data, for the explorer that adopts it part-way (./split.ts). */
  exportPath(): ExportedPath {
    const nodes: ExportedPath['nodes'] = [];
    for (let d = this.rootDepth + 1; d < this.path.length; d++) {
      const node = this.path[d]!;
      nodes.push({ wut: node.wut.map(copyBranch), sleep: [...node.sleep] });
    }
    return { fresh: this.fresh, nodes };
  }

  /**
   * Take the first executions of a unit's subtree of the child the next
   * execution would start ({@link frontier}, at `depth`) as done, and go on
   * from where the unit stopped: apply its foreign reversals, count its
   * executions, take the event its branch ran with (`branchEv`: {@link branchEvent}),
   * and make its path below the node this strategy's.
   */
  adoptPartial(
    depth: number,
    reversals: readonly ForeignReversal[],
    complete: number,
    blocked: number,
    p: ExportedPath,
    branchEv: Event | undefined,
  ): void {
    for (const r of reversals) this.applyReversal(this.path[r.depth]!, r.v);
    ranWith(this.path[depth]!.taken, branchEv);
    this.complete += complete;
    this.blocked += blocked;
    this.path.length = depth + 1;
    for (const n of p.nodes)
      this.path.push(this.pathNode(n.wut, n.sleep.length ? new Map(n.sleep) : NO_SLEEP, n.wut[0]!));
    this.fresh = p.fresh;
    // the recorded accesses past the node were another path's
    this.last.truncate(depth);
  }

  /**
   * Take a unit's exploration of the child the next execution would start
   * ({@link frontier}) as done: apply its foreign reversals in order, count
   * its executions, take the event its branch ran with (`branchEv`:
   * {@link branchEvent}), and backtrack as at the end of that subtree.
   */
  adoptUnit(
    reversals: readonly ForeignReversal[],
    complete: number,
    blocked: number,
    branchEv: Event | undefined,
  ): void {
    for (const r of reversals) this.applyReversal(this.path[r.depth]!, r.v);
    ranWith(this.path[this.path.length - 1]!.taken, branchEv);
    this.complete += complete;
    this.blocked += blocked;
    this.backtrack();
  }

  /** The steps the next execution repeats: up to the node whose explored child changed. */
  replayDepth(): number {
    return this.fresh;
  }

  /**
   * The sleep set a node created at depth `d` inherits from its parent on the
   * path ({@link NO_SLEEP}, shared, when it is empty: most are, and backtrack
   * gives a node its own map before adding to it).
   */
  private inheritedSleep(d: number): Map<number, Event> {
    const parent = this.path[d - 1];
    if (!parent || parent.sleep.size === 0) return NO_SLEEP;
    const pe = parent.taken.ev;
    let sleep = NO_SLEEP;
    for (const [q, qe] of parent.sleep) {
      if (wakes(pe, qe)) continue;
      if (sleep === NO_SLEEP) sleep = new Map();
      sleep.set(q, qe);
    }
    return sleep;
  }

  /**
   * Stateful DPOR: the state after `ctx.step` steps (not a replayed one) has
   * program digest `digest` and KCSAN entries `live`. True when the execution
   * is to stop there: a state explored before had that program digest and,
   * of those entries, the ones its future meets, with a sleep set this
   * visit's covers (./projection.ts, ./state-cache.ts).
   */
  visitState(digest: Digest, ctx: SchedContext, live: LiveEntries): boolean {
    if (!this.cache) return false;
    const d = ctx.step;
    let mask = 0;
    for (const q of this.inheritedSleep(d).keys()) mask |= 1 << q;
    const c = this.cache.visit(digest, live, mask, d);
    if (c && this.coveredRaces(ctx, c.summary)) {
      this.hit = c.summary;
      return true;
    }
    if (c) this.reopened++;
    this.pendingDigest = digest;
    this.pendingLive = copyLive(live);
    this.pendingDepth = d;
    return false;
  }

  /**
   * Stopping at a cached state with summary `summary` after the prefix
   * `ctx.events`: the nodes its races with the state's future go to, into
   * `hitRaces` and `narrowed` (./summary-races.ts visitRaces), and true,
   * unless one of those races would fully expand its node and cannot be
   * narrowed: then false, and the state is explored again below this prefix
   * as a new one would be, where those races are found exactly
   * (docs/scheduler.md, "Stateful DPOR", "Explored again rather than fully
   * expanded").
   */
  private coveredRaces(ctx: SchedContext, summary: PackedSummary): boolean {
    const events = ctx.events;
    // the last accesses of the prefix: cut back to the divergence node at the execution's first visit, then only
    // grown (race detection at the end records them again from the divergence node)
    if (!this.visitRecorded) this.last.truncate(Math.min(this.fresh, this.last.length));
    for (let j = this.last.length; j < events.length; j++) this.last.record(j, events[j]!);
    this.visitRecorded = true;
    return visitRaces(this.path, ctx, this.n, summary, this.last, this.hitRaces, this.narrowed);
  }

  visitedStates(): number | undefined {
    return this.cache?.size;
  }

  newExecution(): boolean {
    this.pendingDepth = -1;
    this.visitRecorded = false;
    if (!this.started) {
      this.started = true;
      return true;
    }
    return !this.done;
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    const d = ctx.step;
    if (d < this.path.length) {
      const taken = this.path[d]!.taken;
      const t = taken.tid;
      if (!enabled.includes(t)) return -1;
      // the node backtracking chose a new branch at: its event was recorded where a reversal found it, and a
      // reference count's operation may have run there with another kind (a put finding another count:
      // ./counter-kinds.ts cannot always follow the count), which the sleep sets below and this node's, once
      // explored, need as it runs here. Other recorded events are kept: where they differ they are the more
      // dependent (a spin-wait's end made global in `reverse`, a wake-up of sleepers that have since woken), and
      // an independent review found traces lost under --timeouts anytime when they were replaced too
      if (d === this.path.length - 1) ranWith(taken, ctx.pending(t));
      return t;
    }
    const parent = this.path[d - 1];
    const wut: WNode[] = parent ? kids(parent.taken) : [];
    const sleep = this.inheritedSleep(d);
    // every field, set below or not: one shape for every node
    const node: PathNode = {
      wut,
      sleep,
      taken: UNTAKEN,
      digest: undefined,
      live: undefined,
      sleep0: 0,
      enabled,
      summary: null,
      owner: d,
      touched: this.ended(),
    };
    if (this.cache) {
      for (const q of sleep.keys()) node.sleep0 |= 1 << q;
      node.enabled = enabled.slice();
      // a summary where the state is kept (it is stored when the node closes) and at the root; the events of
      // the nodes between go straight into the nearest one above, which a merge at each close would give too
      if (this.pendingDepth === d) {
        node.digest = this.pendingDigest;
        node.live = this.pendingLive;
      }
      if (node.digest !== undefined || !parent || this.summaryEveryNode) node.summary = new Summary(this.n);
      else node.owner = parent.owner;
      this.pendingDepth = -1;
    }
    this.path.push(node);
    let child: WNode | undefined = wut[0];
    if (!child) {
      // the current thread if it may run here (no preemption), else the lowest enabled thread not asleep
      const cur = ctx.current;
      let p = cur >= 0 && enabled.includes(cur) && !sleep.has(cur) ? cur : -1;
      for (let k = 0; p < 0 && k < enabled.length; k++) if (!sleep.has(enabled[k]!)) p = enabled[k]!;
      if (p < 0) return -1;
      child = wnode(p, ctx.pending(p));
      wut.push(child);
    } else if (!enabled.includes(child.tid)) {
      // a timer firing a reversal put here may not be due yet (--timeouts anytime: a sleeper with an earlier
      // deadline is pending); what could let it fire is that sleeper's step, which no event of the execution
      // the reversal came from shows: its branch is tried here first (docs/scheduler.md, "Timeouts")
      const p = ctx.enabler?.(child.tid) ?? -1;
      if (p >= 0 && enabled.includes(p) && !sleep.has(p) && !wut.some((w) => w.tid === p)) {
        child = wnode(p, ctx.pending(p));
        wut.unshift(child);
        node.taken = child;
        return p;
      }
      node.taken = child;
      return -1;
    } else {
      child.ev = ctx.pending(child.tid);
    }
    node.taken = child;
    return child.tid;
  }

  endExecution(events: readonly Event[], info: ExecutionEnd): void {
    if (info.pruned) this.pruned++;
    else if (info.abandoned) this.blocked++;
    else this.complete++;
    // Races of the executed prefix count even when the execution was sleep-set
    // blocked (Algorithm 1 detects them step by step as the execution grows).
    // Races whose later event lies in the prefix shared with the previous
    // execution were handled then: only events from the divergence point on
    // are looked at. The next events of blocked (or never run) threads race
    // too, as if run at the end (of an abandoned execution, its disabled
    // threads'), and those of the threads blocked at a timer firing at
    // quiescence as if run just before it (./races.ts).
    const vc = info.clocks ?? hbClocks(events, this.n);
    findRaces(
      this.last,
      events,
      vc,
      this.fresh,
      // of an execution that ended, and of the disabled threads of an abandoned one; none of a pruned one
      info.pending,
      info.fatal,
      info.quiescent ?? [],
      (ej, idx, i, j, end) => this.reverse(events, ej, vc, idx, i, j, end),
    );
    if (this.cache) this.summarise(events, info);
    this.backtrack();
  }

  /**
   * Stateful DPOR's bookkeeping at the end of an execution: its new events go
   * into the summaries of the nodes they were taken at (their owners'), its pending
   * events and a pruned execution's cached summary into the last node's owner's;
   * then it backtracks for the races of the prefix with that summary (./summary-races.ts).
   */
  private summarise(events: readonly Event[], info: ExecutionEnd): void {
    const vc = info.clocks ?? hbClocks(events, this.n);
    const pos = eventPositions(events, this.n);
    for (let j = this.fresh; j < events.length; j++) {
      const e = events[j]!;
      // an acquisition's or a global event's entry goes by its thread's previous event (summary.ts addEvent)
      const k = e.acq >= 0 || e.global ? vc[j]![e.tid]! : 0;
      const pred = k >= 2 ? vc[pos[e.tid]![k - 2]!] : undefined;
      addEvent(this.ownerOf(j).summary!, e, vc[j], pred, j, pos);
    }
    const last = events.length > 0 ? this.ownerOf(events.length - 1) : undefined;
    if (last) {
      for (const p of info.pending) {
        const prev = pos[p.tid]![pos[p.tid]!.length - 1];
        const clock = prev === undefined ? undefined : vc[prev];
        addEvent(last.summary!, p, clock, clock, events.length, pos, true);
      }
    }
    // so do the blocked threads' next events at a timer firing at quiescence, into the summary of its node
    for (const { at, pending } of info.quiescent ?? []) {
      if (at < this.fresh) continue;
      for (const p of pending) {
        const ps = pos[p.tid]!;
        let k = ps.length;
        while (k > 0 && ps[k - 1]! >= at) k--;
        const clock = k > 0 ? vc[ps[k - 1]!] : undefined;
        addEvent(this.ownerOf(at).summary!, p, clock, clock, at, pos, true);
      }
    }
    const hit = this.hit;
    this.hit = null;
    if (!info.pruned || !hit) return;
    if (last) {
      // a cached future's largest positions before the state are taken as this path's last steps (summary.ts)
      const fill = new Int32Array(this.n);
      lastBefore(fill, events.length, pos);
      mergePacked(last.summary!, hit, events.length, fill);
    }
    // race detection recorded the whole execution, which ended at the visit that found the races (coveredRaces)
    const idx = this.last.indexes();
    for (const at of this.hitRaces) summaryBacktrack(this.path[at]!, at, events, vc, idx);
    this.narrowedChildren += addNarrowed(this.path, this.narrowed);
  }

  /**
   * With `traces` (the explorer's count of distinct traces among the
   * complete executions) below the complete executions, the line says how
   * many repeated a trace: optimal DPOR is optimal for a dependency relation
   * fixed per event, and a put that commutes only while it leaves a
   * reference (kernel/counts.ts) changes kind when a reversal moves it past
   * the last put (docs/scheduler.md, "Puts that commute").
   */
  coverage(traces?: number): Coverage {
    const kind = this.optimal ? 'optimal DPOR' : 'source-DPOR';
    if (this.cache) {
      return statefulCoverage(this.done, this.cache.states, this.complete + this.blocked + this.pruned, this.pruned, {
        kind,
        bytes: this.cacheBytes,
        every: this.stateCacheEvery!,
        reopened: this.reopened,
        narrowed: this.narrowedChildren,
      });
    }
    const distinct = traces !== undefined && traces < this.complete ? traces : this.complete;
    const repeated = this.complete - distinct;
    const notes = `${kind}${repeated ? `, ${repeated} executions repeating a trace` : ''}${this.blocked ? `, ${this.blocked} sleep-set blocked executions` : ''}`;
    if (this.done) {
      return {
        kind: 'exhaustive',
        text: `exhaustive: all ${distinct} Mazurkiewicz traces (${notes})`,
        traces: distinct,
      };
    }
    return {
      kind: 'partial',
      text: `partial: ${distinct} Mazurkiewicz traces explored (${notes}) before the budget ran out`,
      traces: distinct,
    };
  }

  /** Close the explored child of the deepest node; move to the next unexplored wakeup sequence. */
  private backtrack(): void {
    while (this.path.length > this.rootDepth) {
      const d = this.path.length - 1;
      const node = this.path[d]!;
      const i = node.wut.indexOf(node.taken);
      if (i >= 0) node.wut.splice(i, 1);
      const nextChild = node.wut[0];
      if (nextChild) {
        // the branch explored sleeps in the ones after it (a node closed is popped: its sleep set is never read)
        if (node.taken.tid >= 0)
          (node.sleep === NO_SLEEP ? (node.sleep = new Map()) : node.sleep).set(node.taken.tid, node.taken.ev);
        node.taken = nextChild;
        this.fresh = d;
        return;
      }
      this.path.pop();
      if (this.cache && node.summary) {
        // closed: everything below it explored
        if (node.digest !== undefined) this.cache.close(node.digest, node.live!, node.sleep0, node.summary, d);
        if (d > 0) {
          const up = this.ownerOf(d - 1);
          up.summary = unionSummaries(up.summary!, node.summary);
        }
      }
    }
    this.done = true;
  }

  /** With the state cache: the node whose summary takes what the node at depth `d` explores (itself or the nearest above with one). */
  private ownerOf(d: number): PathNode {
    return this.path[this.path[d]!.owner]!;
  }

  /** Index of the first event of the current execution that differs from the previous one. */
  private fresh = 0;

  /**
   * Insert v = notdep(e, E).e' into wut(pre(E, e)) unless it is already
   * covered. `events` is the executed sequence E; `ej` is e' (events[j], or
   * a pending event at index j = E.length, or at a quiescent step j = `end`,
   * E being cut there); `vc` holds the clocks of E's events.
   */
  private reverse(
    events: readonly Event[],
    ej: Event,
    vc: readonly VClock[],
    idx: Int32Array,
    i: number,
    j: number,
    end = events.length,
  ): void {
    const node = this.path[i];
    if (!node) return;
    const ti = events[i]!.tid;
    const ii = idx[i]!;
    // the events after e that do not happen after it, then e' (an array of its exact size: it may be kept as a
    // wakeup-tree tail, one per race of a long execution)
    const keep = this.scratch.get(SCRATCH_V, events.length);
    let m = 0;
    for (let k = i + 1; k < end; k++) if (k !== j && !covers(vc[k]!, ti, ii)) keep[m++] = k;
    const v: Event[] = new Array(m + 1);
    for (let x = 0; x < m; x++) v[x] = events[keep[x]!]!;
    // the end of a spin-wait reversed before the write that enabled it is disabled there: as an event dependent
    // with everything, the branch cannot stand for another sequence the wakeup tree would take it to cover, nor
    // keep another out of a sleep set (an independent review's counterexample lost a final state without this);
    // next() puts the real event in when the branch is taken
    v[m] = ej.resume ? { ...ej, global: true } : ej;
    // its puts as they will run here, not as they ran (./counter-kinds.ts)
    counterKinds(v, events, i);
    if (i <= this.rootDepth && this.onForeign) this.onForeign({ depth: i, v });
    else this.applyReversal(node, v);
  }

  /** Insert the reversal `v` into the node's wakeup tree (source-DPOR: one initial into its backtrack set) unless covered. */
  private applyReversal(node: PathNode, v: Event[]): void {
    // happens-before inside the sequence v itself (not E's: paths through events left out of v do not count)
    const hv = new SeqHb(v, this.n, this.scratch);

    if (!this.optimal) {
      // Source-DPOR: add one initial of v unless the backtrack set already has one
      const initials = hv.initials();
      const backtrack = new Set([...node.wut.map((w) => w.tid), ...node.sleep.keys()]);
      if (initials.some((p) => backtrack.has(p))) return;
      const p = initials[0]!;
      const first = v.find((e) => e.tid === p)!;
      node.wut.push(wnode(p, first));
      node.touched = this.ended();
      return;
    }

    // sleep(E') ∩ WI(v) = ∅ ?
    for (const [q, qe] of node.sleep) if (hv.weakInitial(q, qe)) return;
    const n = node.wut.length;
    if (insert(node.wut, hv) || node.wut.length !== n) node.touched = this.ended();
  }
}

/**
 * Branch `w` of a node runs with event `pe` (its thread's there): where
 * either is a reference count's operation, or `w`'s event was read
 * elsewhere (`WNode.guess`), `pe` replaces the recorded event
 * (`DporStrategy.next`; a unit's branch when its explorer is adopted).
 */
function ranWith(w: WNode, pe: Event | undefined): void {
  if (!pe) return;
  if (w.guess) {
    w.ev = pe;
    w.guess = false;
  } else if (pe.ctr >= 0 || w.ev.ctr >= 0) w.ev = pe;
}

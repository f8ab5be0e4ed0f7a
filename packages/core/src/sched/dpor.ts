/**
 * Dynamic partial-order reduction with sleep sets.
 *
 * Optimal DPOR: P. Abdulla, S. Aronis, B. Jonsson, K. Sagonas, "Source Sets:
 * A Foundation for Optimal Dynamic Partial Order Reduction", JACM 64(4),
 * 2017 (first POPL 2014), Algorithm 2 with wakeup trees. Guarantee: every
 * Mazurkiewicz trace of the program (with respect to the dependency relation
 * of ./events.ts) is explored, and with wakeup trees each exactly once, with
 * no sleep-set blocked executions.
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
 * same lock (the unlock in between is what blocked e'); blocking returns
 * (a wake-up's effect, a spin ending) and timeouts are never reversed, since
 * they could not have run earlier.
 */
import { type Event, dependent, hbClocks } from './events.js';
import { type VClock, covers, leqExcept, newClock } from '../state/vclock.js';
import { type Coverage, type ExecutionEnd, type SchedContext, type Strategy, nonPreemptive } from './strategy.js';

/** A node of a wakeup tree: a thread, the event it runs there, and what follows. */
interface WNode {
  tid: number;
  ev: Event;
  children: WNode[];
}

/** A node on the current exploration path (the prefix of `depth` events). */
interface PathNode {
  /** The wakeup tree wut(E): sequences still to explore from here (ordered). */
  wut: WNode[];
  /** sleep(E): threads whose next event need not be explored here, with that event. */
  sleep: Map<number, Event>;
  /** The child being explored. */
  taken: WNode;
}

/** Options of DporStrategy. */
export interface DporOptions {
  mode?: 'optimal' | 'source';
  /** Number of threads (for vector clocks). */
  nthreads: number;
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
  private readonly optimal: boolean;
  private readonly n: number;

  constructor(opts: DporOptions) {
    this.optimal = (opts.mode ?? 'optimal') === 'optimal';
    this.name = this.optimal ? 'dpor' : 'source-dpor';
    this.n = opts.nthreads;
  }

  newExecution(): boolean {
    if (!this.started) {
      this.started = true;
      return true;
    }
    return !this.done;
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    const d = ctx.step;
    if (d < this.path.length) {
      const t = this.path[d]!.taken.tid;
      return enabled.includes(t) ? t : -1;
    }
    const parent = this.path[d - 1];
    const wut: WNode[] = parent ? parent.taken.children : [];
    const sleep = new Map<number, Event>();
    if (parent) {
      const pe = parent.taken.ev;
      for (const [q, qe] of parent.sleep) if (!dependent(pe, qe)) sleep.set(q, qe);
    }
    let child: WNode | undefined = wut[0];
    if (!child) {
      const candidates = enabled.filter((t) => !sleep.has(t));
      if (!candidates.length) {
        this.path.push({ wut, sleep, taken: { tid: -1, ev: null as unknown as Event, children: [] } });
        return -1;
      }
      const p = nonPreemptive(candidates, ctx.current);
      child = { tid: p, ev: ctx.pending(p), children: [] };
      wut.push(child);
    } else if (!enabled.includes(child.tid)) {
      this.path.push({ wut, sleep, taken: child });
      return -1;
    } else {
      child.ev = ctx.pending(child.tid);
    }
    this.path.push({ wut, sleep, taken: child });
    return child.tid;
  }

  endExecution(events: readonly Event[], info: ExecutionEnd): void {
    if (info.abandoned) this.blocked++;
    else this.complete++;
    // Races of the executed prefix count even when the execution was sleep-set
    // blocked (Algorithm 1 detects them step by step as the execution grows).
    // Races whose later event lies in the prefix shared with the previous
    // execution were handled then: only events from the divergence point on
    // are looked at. The next events of blocked (or never run) threads race
    // too, as if run at the end.
    this.detectRaces(
      events,
      info.clocks ?? hbClocks(events, this.n),
      this.fresh,
      info.abandoned ? [] : info.pending,
      info.fatal,
    );
    this.backtrack();
  }

  coverage(): Coverage {
    const kind = this.optimal ? 'optimal DPOR' : 'source-DPOR';
    if (this.done) {
      return {
        kind: 'exhaustive',
        text: `exhaustive: all ${this.complete} Mazurkiewicz traces (${kind}${this.blocked ? `, ${this.blocked} sleep-set blocked executions` : ''})`,
        traces: this.complete,
      };
    }
    return {
      kind: 'partial',
      text: `partial: ${this.complete} Mazurkiewicz traces explored (${kind}) before the budget ran out`,
      traces: this.complete,
    };
  }

  /** Close the explored child of the deepest node; move to the next unexplored wakeup sequence. */
  private backtrack(): void {
    while (this.path.length) {
      const d = this.path.length - 1;
      const node = this.path[d]!;
      const i = node.wut.indexOf(node.taken);
      if (i >= 0) node.wut.splice(i, 1);
      if (node.taken.tid >= 0) node.sleep.set(node.taken.tid, node.taken.ev);
      const nextChild = node.wut[0];
      if (nextChild) {
        node.taken = nextChild;
        this.fresh = d;
        return;
      }
      this.path.pop();
    }
    this.done = true;
  }

  /** Index of the first event of the current execution that differs from the previous one. */
  private fresh = 0;

  /**
   * Find the races of an execution and insert their reversals into wakeup
   * trees: the races whose later event is one of `events[from..]`, and those
   * of the `pending` next events of unfinished threads.
   */
  private detectRaces(
    events: readonly Event[],
    vc: readonly VClock[],
    from: number,
    pending: readonly Event[],
    fatal: boolean,
  ): void {
    const n = this.n;
    const idx = new Int32Array(events.length + 1);
    const count = new Int32Array(n);
    const prev = new Int32Array(events.length + 1);
    const lastOf = new Int32Array(n).fill(-1);
    for (let i = 0; i < events.length; i++) {
      const t = events[i]!.tid;
      idx[i] = ++count[t]!;
      prev[i] = lastOf[t]!;
      lastOf[t] = i;
    }
    const lastWrite = new Map<number, number>();
    const readsSince = new Map<number, number[]>();
    const lastAcq = new Map<number, number>();
    let global = -1;
    const races: [number, number][] = [];

    /** Races of event e (with program-order predecessor pj). */
    const racesOf = (e: Event, pj: number, out: number[]) => {
      out.length = 0;
      if (e.noRace || e.global) return;
      const cands = new Set<number>();
      const lockLoc = e.acq >= 0 && !e.acqTry ? e.acq : -1;
      for (const r of e.reads) {
        if (r === lockLoc) continue;
        const w = lastWrite.get(r);
        if (w !== undefined) cands.add(w);
      }
      for (const w of e.writes) {
        if (w === lockLoc) continue;
        const lw = lastWrite.get(w);
        if (lw !== undefined) cands.add(lw);
        for (const r of readsSince.get(w) ?? []) cands.add(r);
      }
      // c must not happen before e's program-order predecessor
      const ok = (c: number) =>
        events[c]!.tid !== e.tid &&
        c > global &&
        !events[c]!.global &&
        !(pj >= 0 && covers(vc[pj]!, events[c]!.tid, idx[c]!));
      const list: number[] = [];
      for (const c of cands) if (ok(c)) list.push(c);
      for (const c of list) {
        // immediate: c must not happen before another direct predecessor of e
        let imm = true;
        for (const c2 of list)
          if (c2 !== c && covers(vc[c2]!, events[c]!.tid, idx[c]!)) {
            imm = false;
            break;
          }
        if (imm) out.push(c);
      }
      if (e.acq >= 0) {
        const a = lastAcq.get(e.acq);
        if (a !== undefined && ok(a) && !cands.has(a)) out.push(a);
      }
    };

    const found: number[] = [];
    for (let j = 0; j < events.length; j++) {
      const e = events[j]!;
      if (j >= from) {
        racesOf(e, prev[j]!, found);
        for (const c of found) races.push([c, j]);
      }
      for (const r of e.reads) {
        const l = readsSince.get(r);
        if (l) l.push(j);
        else readsSince.set(r, [j]);
      }
      for (const w of e.writes) {
        lastWrite.set(w, j);
        readsSince.set(w, []);
      }
      if (e.acq >= 0) lastAcq.set(e.acq, j);
      if (e.global) global = j;
    }
    for (const [i, j] of races) this.reverse(events, events[j]!, vc, idx, i, j);

    // pending events, each as if it ran right after the execution
    const J = events.length;
    for (const p of pending) {
      const pp = lastOf[p.tid]!;
      racesOf(p, pp, found);
      idx[J] = count[p.tid]! + 1;
      // A fatal finding stopped the execution: what the unfinished threads would have done after
      // their next event is unknown, and it may touch what the fatal step touched (another thread's
      // use of memory the dying thread freed). So the next event also races with the fatal step:
      // running it first reveals the rest, whose races are then found as usual.
      // (Marked dependent with everything, as the unknown rest is: the wakeup tree must not take it
      // for a reordering of independent steps that is already explored.)
      for (const c of found) this.reverse(events, p, vc, idx, c, J);
      const f = J - 1;
      if (fatal && f > global && events[f]!.tid !== p.tid && !events[f]!.global && !found.includes(f)) {
        if (!(pp >= 0 && covers(vc[pp]!, events[f]!.tid, idx[f]!)))
          this.reverse(events, { ...p, global: true }, vc, idx, f, J);
      }
    }
  }

  /**
   * Insert v = notdep(e, E).e' into wut(pre(E, e)) unless it is already
   * covered. `events` is the executed sequence E; `ej` is e' (events[j], or
   * a pending event at index j = E.length); `vc` holds the clocks of E's events.
   */
  private reverse(
    events: readonly Event[],
    ej: Event,
    vc: readonly VClock[],
    idx: Int32Array,
    i: number,
    j: number,
  ): void {
    const node = this.path[i];
    if (!node) return;
    const ti = events[i]!.tid;
    const v: Event[] = [];
    const ii = idx[i]!;
    for (let k = i + 1; k < events.length; k++) {
      if (k === j) continue;
      if (covers(vc[k]!, ti, ii)) continue; // happens after e
      v.push(events[k]!);
    }
    v.push(ej);
    // happens-before inside the sequence v itself (not E's: paths through events left out of v do not count)
    const hv = new SeqHb(v, this.n);

    if (!this.optimal) {
      // Source-DPOR: add one initial of v unless the backtrack set already has one
      const initials = hv.initials();
      const backtrack = new Set([...node.wut.map((w) => w.tid), ...node.sleep.keys()]);
      if (initials.some((p) => backtrack.has(p))) return;
      const p = initials[0]!;
      const first = v.find((e) => e.tid === p)!;
      node.wut.push({ tid: p, ev: first, children: [] });
      return;
    }

    // sleep(E') ∩ WI(v) = ∅ ?
    for (const [q, qe] of node.sleep) if (hv.weakInitial(q, qe)) return;
    insert(node.wut, hv);
  }
}

/**
 * Happens-before inside a sequence v, with events removed from the front of
 * their thread as a wakeup-tree walk consumes them. Removed events are always
 * a thread's first remaining ones, and an initial event has no predecessor,
 * so "no remaining predecessor" is a counting test on v's vector clocks.
 */
class SeqHb {
  readonly vc: VClock[];
  /** Per thread, the positions of its events in v. */
  readonly byThread: number[][];
  /** Per thread, how many of its first events were removed (a clock: the removed events are a prefix per thread). */
  readonly removed: VClock;
  left: number;

  constructor(
    readonly v: readonly Event[],
    readonly n: number,
  ) {
    this.vc = hbClocks(v, n);
    this.byThread = Array.from({ length: n }, () => []);
    v.forEach((e, k) => {
      this.byThread[e.tid]!.push(k);
    });
    this.removed = newClock(n);
    this.left = v.length;
  }

  /** Position of p's first remaining event, or -1. */
  first(p: number): number {
    return this.byThread[p]![this.removed[p]!] ?? -1;
  }

  /** p's first remaining event has no remaining predecessor in v. */
  isInitial(p: number): boolean {
    const b = this.first(p);
    if (b < 0) return false;
    return leqExcept(this.vc[b]!, this.removed, p);
  }

  /** p ∈ WI(v): an initial, or absent from v with `pe` independent of all that is left. */
  weakInitial(p: number, pe: Event): boolean {
    if (this.first(p) >= 0) return this.isInitial(p);
    for (let u = 0; u < this.n; u++) {
      const list = this.byThread[u]!;
      for (let k = this.removed[u]!; k < list.length; k++) if (dependent(pe, this.v[list[k]!]!)) return false;
    }
    return true;
  }

  initials(): number[] {
    const out: number[] = [];
    const seen = new Set<number>();
    for (const e of this.v) {
      if (seen.has(e.tid)) continue;
      seen.add(e.tid);
      if (this.isInitial(e.tid)) out.push(e.tid);
    }
    return out;
  }

  /** Remove p's first remaining event (p must be initial). */
  take(p: number): void {
    this.removed[p]!++;
    this.left--;
  }

  /** The remaining events in v's order. */
  rest(): Event[] {
    const out: { k: number; e: Event }[] = [];
    for (let u = 0; u < this.n; u++) {
      const list = this.byThread[u]!;
      for (let k = this.removed[u]!; k < list.length; k++) out.push({ k: list[k]!, e: this.v[list[k]!]! });
    }
    return out.sort((a, b) => a.k - b.k).map((x) => x.e);
  }
}

/**
 * insert[E](v, wut): walk the tree along children that are weak initials of
 * what is left of v (removing their event from it); if the walk reaches a
 * leaf, v is covered; otherwise hang the rest of v under the last node
 * reached, after its existing children.
 */
function insert(root: WNode[], hv: SeqHb): void {
  let children = root;
  let atRoot = true;
  for (;;) {
    if (!atRoot && children.length === 0) return;
    let moved = false;
    for (const ch of children) {
      if (!hv.weakInitial(ch.tid, ch.ev)) continue;
      if (hv.first(ch.tid) >= 0) hv.take(ch.tid);
      children = ch.children;
      atRoot = false;
      moved = true;
      break;
    }
    if (!moved) break;
    if (hv.left === 0) return;
  }
  let list = children;
  for (const e of hv.rest()) {
    const w: WNode = { tid: e.tid, ev: e, children: [] };
    list.push(w);
    list = w.children;
  }
}

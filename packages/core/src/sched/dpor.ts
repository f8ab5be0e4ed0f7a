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

export interface DporOptions {
  mode?: 'optimal' | 'source';
  /** Number of threads (for vector clocks). */
  nthreads: number;
}

export class DporStrategy implements Strategy {
  readonly name: string;
  private path: PathNode[] = [];
  private started = false;
  private done = false;
  private executions = 0;
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
    if (!this.started) { this.started = true; return true; }
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
    this.executions++;
    if (info.abandoned) this.blocked++;
    else this.complete++;
    // races of the executed prefix count even when the execution was sleep-set
    // blocked (Algorithm 1 detects them step by step as the execution grows)
    this.detectRaces(events);
    // the next events of blocked (or never run) threads race too, as if run at the end
    if (!info.abandoned) for (const p of info.pending) this.detectRaces([...events, p], events.length);
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
    return { kind: 'partial', text: `partial: ${this.complete} Mazurkiewicz traces explored (${kind}) before the budget ran out`, traces: this.complete };
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
        return;
      }
      this.path.pop();
    }
    this.done = true;
  }

  /**
   * Find the races of a maximal execution and insert their reversals into
   * wakeup trees. With `only`, consider only races whose later event is
   * `events[only]` (a pending event appended to the execution).
   */
  private detectRaces(events: readonly Event[], only = -1): void {
    const n = this.n;
    const vc = hbClocks(events, n);
    // per-thread index (1-based) of each event
    const idx = new Int32Array(events.length);
    const count = new Int32Array(n);
    const prev = new Int32Array(events.length);
    const lastOf = new Int32Array(n).fill(-1);
    for (let i = 0; i < events.length; i++) {
      const t = events[i]!.tid;
      idx[i] = ++count[t]!;
      prev[i] = lastOf[t]!;
      lastOf[t] = i;
    }
    const hb = (i: number, j: number) => vc[j]![events[i]!.tid]! >= idx[i]!;
    /** Is event i happens-before-or-equal to the program-order predecessor of j? */
    const beforePred = (i: number, j: number) => {
      const p = prev[j]!;
      return p >= 0 && vc[p]![events[i]!.tid]! >= idx[i]!;
    };
    const lastWrite = new Map<number, number>();
    const readsSince = new Map<number, number[]>();
    const lastAcq = new Map<number, number>();
    let global = -1;
    const races: [number, number][] = [];
    for (let j = 0; j < events.length; j++) {
      const e = events[j]!;
      if (!e.noRace && !e.global && (only < 0 || j === only)) {
        // direct dependency predecessors; a lock's own location races with the previous acquisition instead
        const cands = new Set<number>();
        const lockLoc = e.acq >= 0 && !e.acqTry ? e.acq : -1;
        for (const r of e.reads) { if (r === lockLoc) continue; const w = lastWrite.get(r); if (w !== undefined) cands.add(w); }
        for (const w of e.writes) {
          if (w === lockLoc) continue;
          const lw = lastWrite.get(w);
          if (lw !== undefined) cands.add(lw);
          for (const r of readsSince.get(w) ?? []) cands.add(r);
        }
        const ok = (c: number) => events[c]!.tid !== e.tid && c > global && !events[c]!.global && !beforePred(c, j);
        const list = [...cands].filter(ok);
        for (const c of list) {
          // immediate: c must not happen before another direct predecessor of e
          if (list.some((c2) => c2 !== c && hb(c, c2))) continue;
          races.push([c, j]);
        }
        if (e.acq >= 0) {
          const a = lastAcq.get(e.acq);
          if (a !== undefined && ok(a) && !cands.has(a)) races.push([a, j]);
        }
      }
      for (const r of e.reads) { const l = readsSince.get(r); if (l) l.push(j); else readsSince.set(r, [j]); }
      for (const w of e.writes) { lastWrite.set(w, j); readsSince.set(w, []); }
      if (e.acq >= 0) lastAcq.set(e.acq, j);
      if (e.global) global = j;
    }
    for (const [i, j] of races) this.reverse(only < 0 ? events : events.slice(0, only), events[j]!, vc, idx, i, j);
  }

  /**
   * Insert v = notdep(e, E).e' into wut(pre(E, e)) unless it is already
   * covered. `events` is the executed sequence E; `ej` is e' (events[j], or
   * a pending event at index j = E.length); `vc` covers both.
   */
  private reverse(events: readonly Event[], ej: Event, vc: Int32Array[], idx: Int32Array, i: number, j: number): void {
    const node = this.path[i];
    if (!node) return;
    const ti = events[i]!.tid;
    const v: Event[] = [];
    for (let k = i + 1; k < events.length; k++) {
      if (k === j) continue;
      if (vc[k]![ti]! >= idx[i]!) continue; // happens after e
      v.push(events[k]!);
    }
    v.push(ej);
    // happens-before inside the sequence v itself (not E's: paths through events left out of v do not count)
    const vcv = hbClocks(v, this.n);
    const idxv = new Int32Array(v.length);
    const cnt = new Int32Array(this.n);
    v.forEach((e, k) => { idxv[k] = ++cnt[e.tid]!; });
    const hbIn = (a: number, b: number) => vcv[b]![v[a]!.tid]! >= idxv[a]!;

    if (!this.optimal) {
      // Source-DPOR: add one initial of v unless the backtrack set already has one
      const initials = initialsOf(v, hbIn);
      const backtrack = new Set([...node.wut.map((w) => w.tid), ...node.sleep.keys()]);
      if (initials.some((p) => backtrack.has(p))) return;
      const p = initials[0]!;
      const first = v.find((e) => e.tid === p)!;
      node.wut.push({ tid: p, ev: first, children: [] });
      return;
    }

    // sleep(E') ∩ WI(v) = ∅ ?
    for (const [q, qe] of node.sleep) if (weakInitial(q, qe, v, hbIn)) return;
    insert(node.wut, v, hbIn);
  }
}

/** Threads whose first event in v has no happens-before predecessor in v. */
function initialsOf(v: readonly Event[], hbIn: (a: number, b: number) => boolean): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (let b = 0; b < v.length; b++) {
    const t = v[b]!.tid;
    if (seen.has(t)) continue;
    seen.add(t);
    let ok = true;
    for (let a = 0; a < b && ok; a++) if (hbIn(a, b)) ok = false;
    if (ok) out.push(t);
  }
  return out;
}

/**
 * p ∈ WI(v): p's first event in v has no predecessor in v, or p has no event
 * in v and its next event `pe` is independent of all of v.
 */
function weakInitial(p: number, pe: Event, v: readonly Event[], hbIn: (a: number, b: number) => boolean): boolean {
  for (let b = 0; b < v.length; b++) {
    if (v[b]!.tid !== p) continue;
    for (let a = 0; a < b; a++) if (hbIn(a, b)) return false;
    return true;
  }
  for (const e of v) if (dependent(pe, e)) return false;
  return true;
}

/**
 * insert[E](v, wut): walk the tree along children that are weak initials of
 * what is left of v (removing their event from it); if the walk reaches a
 * leaf, v is covered; otherwise hang the rest of v under the last node
 * reached, after its existing children.
 */
function insert(root: WNode[], v0: readonly Event[], hbIn0: (a: number, b: number) => boolean): void {
  // keep original indexes so that happens-before inside v stays answerable
  let rest: number[] = v0.map((_, k) => k);
  let children = root;
  let atRoot = true;
  for (;;) {
    if (!atRoot && children.length === 0) return;
    let moved = false;
    for (const ch of children) {
      const sub = rest.map((k) => v0[k]!);
      const hbIn = (a: number, b: number) => hbIn0(rest[a]!, rest[b]!);
      if (!weakInitial(ch.tid, ch.ev, sub, hbIn)) continue;
      const k = rest.findIndex((x) => v0[x]!.tid === ch.tid);
      if (k >= 0) rest = rest.filter((_, q) => q !== k);
      children = ch.children;
      atRoot = false;
      moved = true;
      break;
    }
    if (!moved) break;
    if (rest.length === 0) return;
  }
  let list = children;
  for (const k of rest) {
    const w: WNode = { tid: v0[k]!.tid, ev: v0[k]!, children: [] };
    list.push(w);
    list = w.children;
  }
}

/**
 * Wakeup trees of optimal DPOR (Abdulla, Aronis, Jonsson and Sagonas,
 * "Source Sets: A Foundation for Optimal Dynamic Partial Order Reduction",
 * JACM 64(4), 2017, section 6): their nodes, happens-before inside a
 * sequence being inserted (SeqHb: its initials and weak initials as a walk
 * consumes it), and insert[E](v, wut). Used by ./dpor.ts.
 */
import { type Event, HB_SCRATCH_SLOTS, HbClocks, type HbScratch, wakes } from './events.js';
import { type VClock, newClock } from '../state/vclock.js';

/**
 * A node of a wakeup tree: a thread, the event it runs there, and what
 * follows. A sequence hung in the tree is one node whose `tail` holds the
 * events after it, made into nodes one at a time as they are reached
 * ({@link kids}): a long execution has a sequence per race, most never
 * walked. Read `children` only through {@link kids}.
 */
export interface WNode {
  tid: number;
  ev: Event;
  children: WNode[];
  /** Events still to become this node's only child, its child's, ... (from index `at`), or null. */
  tail: readonly Event[] | null;
  at: number;
  /**
   * How many insertions hung something below this node, when it is a root
   * child that counts them ({@link insert}). Every node is made with all its
   * fields (0 and false here), so that the nodes have one shape.
   */
  rev?: number;
  /**
   * `ev` was read elsewhere than at this node (a child a visit narrowed to:
   * ./summary-races.ts addNarrowed): ./dpor.ts replaces it with the event
   * the thread runs here, when it first does.
   */
  guess?: boolean;
}

/** A wakeup-tree node with no pending chain. */
export function wnode(tid: number, ev: Event): WNode {
  return { tid, ev, children: [], tail: null, at: 0, rev: 0, guess: false };
}

/** The children of a wakeup-tree node, the next node of its pending chain made first. */
export function kids(w: WNode): WNode[] {
  const tail = w.tail;
  if (tail) {
    const e = tail[w.at]!;
    // a node with a pending chain has no other child (nothing reaches its children but through here)
    w.children = [
      {
        tid: e.tid,
        ev: e,
        children: [],
        tail: w.at + 1 < tail.length ? tail : null,
        at: w.at + 1,
        rev: 0,
        guess: false,
      },
    ];
    w.tail = null;
  }
  return w.children;
}

/** The scratch slots of SeqHb's positions and of reverse's event indexes (after HbClocks's). */
const SCRATCH_ORDER = HB_SCRATCH_SLOTS;
export const SCRATCH_V = HB_SCRATCH_SLOTS + 1;

/**
 * Happens-before inside a sequence v, with events removed from the front of
 * their thread as a wakeup-tree walk consumes them. Removed events are always
 * a thread's first remaining ones, and an initial event has no predecessor,
 * so "no remaining predecessor" is a counting test on v's vector clocks.
 * The clocks are computed lazily, up to the furthest event a test asks
 * about: most sequences are hung in a wakeup tree without any (one long
 * execution has a sequence per race, each up to its length).
 */
export class SeqHb {
  readonly vc: HbClocks;
  /** The positions of v's events grouped by thread: thread t's are `order[start[t] .. start[t + 1])`. */
  private readonly order: Int32Array;
  private readonly start: Int32Array;
  /** Per thread, how many of its first events were removed (a clock: the removed events are a prefix per thread). */
  readonly removed: VClock;
  left: number;

  constructor(
    readonly v: readonly Event[],
    readonly n: number,
    scratch?: HbScratch,
  ) {
    this.vc = new HbClocks(v, n, scratch);
    const start = new Int32Array(n + 1);
    for (const e of v) start[e.tid + 1]!++;
    for (let t = 0; t < n; t++) start[t + 1]! += start[t]!;
    const fill = start.slice(0, n);
    const order = scratch ? scratch.get(SCRATCH_ORDER, v.length) : new Int32Array(v.length);
    for (let k = 0; k < v.length; k++) order[fill[v[k]!.tid]!++] = k;
    this.order = order;
    this.start = start;
    this.removed = newClock(n);
    this.left = v.length;
  }

  /** Position of p's first remaining event, or -1. */
  first(p: number): number {
    const i = this.start[p]! + this.removed[p]!;
    return i < this.start[p + 1]! ? this.order[i]! : -1;
  }

  /** p's first remaining event has no remaining predecessor in v. */
  isInitial(p: number): boolean {
    const b = this.first(p);
    if (b < 0) return false;
    return this.vc.leqExcept(b, this.removed, p);
  }

  /**
   * p ∈ WI(v): an initial, or absent from v with `pe` (its sleeping event,
   * computed in an earlier state) independent of all that is left and woken
   * by none of it (./events.ts `wakes`).
   */
  weakInitial(p: number, pe: Event): boolean {
    if (this.first(p) >= 0) return this.isInitial(p);
    const seen = newClock(this.n);
    for (const e of this.v) if (seen[e.tid]!++ >= this.removed[e.tid]! && wakes(e, pe)) return false;
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

  /** The remaining events in v's order (each thread's first `removed` events left out). */
  rest(): readonly Event[] {
    if (this.left === this.v.length) return this.v;
    const seen = newClock(this.n);
    const out: Event[] = [];
    for (const e of this.v) if (seen[e.tid]!++ >= this.removed[e.tid]!) out.push(e);
    return out;
  }
}

/**
 * insert[E](v, wut): walk the tree along children that are weak initials of
 * what is left of v (removing their event from it); if the walk reaches a
 * leaf, v is covered; otherwise hang the rest of v under the last node
 * reached, after its existing children. Returns the child of the root the
 * walk went into, when something was hung below it (counted in its `rev`).
 */
export function insert(root: WNode[], hv: SeqHb): WNode | null {
  // the walk is at `node` (null: the root), or `d` events down its pending chain (not made into nodes)
  let node: WNode | null = null;
  let top: WNode | null = null;
  let d = 0;
  for (;;) {
    const tail = node?.tail;
    if (node && tail) {
      const k = node.at + d;
      if (k >= tail.length) return null; // the end of the chain: a leaf, v is covered
      const e = tail[k]!;
      if (!hv.weakInitial(e.tid, e)) break;
      if (hv.first(e.tid) >= 0) hv.take(e.tid);
      d++;
    } else {
      const children: WNode[] = node ? node.children : root;
      if (node && children.length === 0) return null;
      let moved = false;
      for (const ch of children) {
        if (!hv.weakInitial(ch.tid, ch.ev)) continue;
        if (hv.first(ch.tid) >= 0) hv.take(ch.tid);
        top ??= ch;
        node = ch;
        d = 0;
        moved = true;
        break;
      }
      if (!moved) break;
    }
    if (hv.left === 0) return null;
  }
  // hang the rest of v under the node reached (made into nodes down to it): its first node, the
  // others made as the tree is walked (kids)
  let at = node;
  if (at) for (let k = 0; k < d; k++) at = kids(at)[0]!;
  const children = at ? kids(at) : root;
  const rest = hv.rest();
  const e = rest[0];
  if (e)
    children.push({
      tid: e.tid,
      ev: e,
      children: [],
      tail: rest.length > 1 ? rest : null,
      at: 1,
      rev: 0,
      guess: false,
    });
  if (top) top.rev = (top.rev ?? 0) + 1;
  return top;
}

/**
 * Stateful DPOR's races of an execution prefix with the explored future of
 * the cached state it stopped at (./state-cache.ts), found from that state's
 * summary (./summary.ts), and what each becomes at its node: source-DPOR's
 * reaction (an initial of the known part of the reversal joins the node's
 * backtrack set) or, when nothing of the reversal is in the prefix, the
 * threads that can begin it as children ({@link reversalInitials}), or the
 * state explored again where that cannot be told (docs/scheduler.md,
 * "Stateful DPOR", "Narrowed rather than explored again").
 */
import type { Event } from './events.js';
import type { SchedContext } from './strategy.js';
import { ADD, PLAIN, type PackedSummary, READ, TAKE, TAKE_SHARED, summaryWidth } from './summary.js';
import type { LastAccesses } from './last-accesses.js';
import { type VClock, covers } from '../state/vclock.js';
import { type WNode, wnode } from './wakeup-tree.js';

/**
 * The races of an execution prefix `events` (clocks `vc`), stopped at a
 * cached state, with that state's future: for every access of thread p in
 * the summary, the prefix events it would race with if it ran right after
 * the prefix, found as ./dpor.ts finds a pending event's (the last write of
 * the location and: for a read the additions since it, for an addition the
 * reads since it, for a write both; for a lock acquisition the previous
 * exclusive one and, if it is exclusive, the shared ones since), kept when
 * of another thread, after the last global event, not known to happen before the access (through a thread
 * whose step after the state happens before it, see Summary) and, but for
 * lock acquisitions, immediate (not happening before another candidate). A future access whose real
 * partner lies between the state and it races with that partner instead,
 * which is in the summary too; so every race a stateless exploration of the
 * future would find with the prefix is among these. `last` has recorded
 * exactly `events`. `summary`: the state's, packed (./summary.ts PackedSummary). Calls `race(i, p, o)`
 * for the prefix event at `i` and the entry at `summary[o]` (of thread p).
 */
export function summaryRaces(
  events: readonly Event[],
  vc: readonly Int32Array[],
  n: number,
  summary: PackedSummary,
  last: LastAccesses,
  race: (i: number, p: number, o: number) => void,
): void {
  const d = events.length;
  if (last.length !== d) throw new Error(`teardown: summaryRaces over ${d} events with ${last.length} recorded`);
  const global = last.global;
  const w = summaryWidth(n);
  // (no closures, arrays or array truncations per entry: this runs for every entry of every summary a pruned
  // execution meets; each entry's candidates are cands[from..], its kept ones ok[from2..])
  const cands = candScratch;
  const ok = okScratch;
  for (let o = 0; o < summary.length; o += w) {
    const k = summary[o]!;
    const loc = Math.floor(k / 128);
    const p = (k % 128) >> 3;
    const kind = k & 7;
    // (a plain access's mark: its read or write has an entry of its own)
    if (kind === PLAIN) continue;
    const from = cands.length;
    if (kind === TAKE || kind === TAKE_SHARED) {
      last.acquisitions(loc, kind === TAKE_SHARED, cands);
      // and an exclusive one with the reads of the lock since its last write, but for a reader's release (races.ts)
      if (kind === TAKE) {
        const s0 = cands.length;
        last.readsSince(loc, cands);
        let m = s0;
        for (let i = s0; i < cands.length; i++) {
          const r = events[cands[i]!]!;
          if (!r.release && r.acq !== loc) cands[m++] = cands[i]!;
        }
        cands.length = m;
      }
    } else {
      const lw = last.lastWrite(loc);
      if (lw >= 0) cands.push(lw);
      if (kind !== READ) last.readsSince(loc, cands);
      if (kind !== ADD) last.addsSince(loc, cands);
    }
    const from2 = ok.length;
    for (let i = from; i < cands.length; i++) {
      const c = cands[i]!;
      const ec = events[c]!;
      if (ec.tid !== p && c > global && !ec.global && !orderedBefore(events, vc, n, d, last, c, summary, o + 1))
        ok.push(c);
    }
    // acquisitions race with every candidate (see dpor.ts: a reader before another may still hold the lock)
    const acquisition = kind === TAKE || kind === TAKE_SHARED;
    for (let i = from2; i < ok.length; i++) {
      const c = ok[i]!;
      let immediate = true;
      if (!acquisition)
        for (let m = from2; m < ok.length; m++) {
          const c2 = ok[m]!;
          if (c2 !== c && covers(vc[c2]!, events[c]!.tid, last.idx(c))) {
            immediate = false;
            break;
          }
        }
      if (immediate) race(c, p, o);
    }
  }
  cands.length = 0;
  ok.length = 0;
}

/** summaryRaces' candidates and kept candidates (it is not re-entered). */
const candScratch: number[] = [];
const okScratch: number[] = [];

/**
 * Does prefix event `c` happen before every access of the summary entry
 * whose positions start at `summary[at]`: through a thread with a step after
 * the state (position `d` or later) that happens before it, that is `c`'s own
 * thread or one whose last prefix step `c` happens before?
 */
function orderedBefore(
  events: readonly Event[],
  vc: readonly Int32Array[],
  n: number,
  d: number,
  last: LastAccesses,
  c: number,
  summary: PackedSummary,
  at: number,
): boolean {
  const tc = events[c]!.tid;
  for (let r = 0; r < n; r++) {
    if (summary[at + r]! < d) continue;
    if (r === tc) return true;
    const lr = last.lastOf(r);
    if (lr >= 0 && covers(vc[lr]!, tc, last.idx(c))) return true;
  }
  return false;
}

/**
 * Would {@link summaryBacktrack} fully expand node `i` for a race of its
 * prefix event: nothing of the reversal in the prefix (every later prefix
 * event happens after it), and a thread enabled at the node neither asleep
 * there nor already a child? ({@link visitRaces} then narrows the race to
 * the threads that can begin its reversal, or explores the state again.)
 */
export function fullExpansion(
  node: { wut: WNode[]; sleep: Map<number, Event>; enabled: readonly number[] },
  i: number,
  events: readonly Event[],
  vc: readonly VClock[],
  idx: Int32Array,
): boolean {
  const tc = events[i]!.tid;
  const ic = idx[i]!;
  for (let k = i + 1; k < events.length; k++) if (!covers(vc[k]!, tc, ic)) return false;
  for (const q of node.enabled) if (!node.sleep.has(q) && !node.wut.some((w) => w.tid === q)) return true;
  return false;
}

/**
 * For a race that {@link fullExpansion} says would fully expand node `i`
 * (nothing of the reversal v in the prefix), of the prefix event e there
 * with an access a of the summary entry at `summary[o]` (of thread p, which
 * is enabled at the node), after the cached state at depth `d`: the threads
 * that can begin v, enabled at the node and neither asleep there nor already
 * a child, as a mask: ./dpor.ts makes them children there (none: the race
 * is covered).
 *
 * Which threads can begin v: p, and the threads with a step after the state
 * that happens before some access of the entry (its max half, ./summary.ts).
 * Why: let u be a and the events after the state that happen before it.
 * None of u happens after e (then e would happen before a: no race), so u
 * is within v; and whatever happens before an event of u happens before a,
 * so it is in u. So an event of u with no predecessor in u (one exists: u
 * is finite and holds a) has none in v: it is an initial of v, and its
 * thread is p or has a step after the state that happens before a. If one
 * of these threads is already a child or asleep at the node, the race may be
 * covered, as in source-DPOR (Abdulla et al., JACM 2017, Algorithm 1), or
 * may not (that thread need not be an initial of v); adding every one that
 * is neither adds an initial of v whenever no initial is covered, and more
 * children than source-DPOR's one are sound. An initial of v is enabled at
 * the node: it can be moved to the front of v, and the node followed by v
 * is an execution (its thread takes no step between the node and the state,
 * which would happen after e, and whatever enabled it there would be a
 * dependency of its step after e); the full expansion this replaces added
 * the enabled threads only too. It needs the summary's max half: the min
 * half keeps, per thread, what happens before every access of the entry,
 * and an access whose reversal begins with another thread's step may share
 * the entry with one whose does not.
 */
export function reversalInitials(
  node: { wut: WNode[]; sleep: Map<number, Event>; enabled: readonly number[] },
  summary: PackedSummary,
  o: number,
  p: number,
  n: number,
  d: number,
): number {
  let add = 0;
  for (let r = 0; r < n; r++) {
    if (r !== p && summary[o + 1 + n + r]! < d) continue;
    if (node.enabled.includes(r) && !node.sleep.has(r) && !node.wut.some((w) => w.tid === r)) add |= 1 << r;
  }
  return add;
}

/**
 * Stateful DPOR (./dpor.ts): a race of the prefix event at node `i` with a later access after a
 * cached state. The reversal would be v = notdep(e, E).w.e′,
 * with w and e′ in the state's future, unknown; its known part
 * notdep(e, E) gives initials of v for sure (a first event there with no
 * predecessor there has none in v). As in source-DPOR (Abdulla et al.,
 * Algorithm 1): when one of them is asleep at the node or already a child,
 * the race is covered; otherwise one of them becomes a child. When
 * notdep(e, E) is empty, every initial of v is still enabled at the node,
 * so every enabled thread not asleep there would become a child: such races
 * never reach here ({@link visitRaces} narrows them or explores the state
 * again), so it throws if one is missing.
 */
export function summaryBacktrack(
  node: { wut: WNode[]; sleep: Map<number, Event>; enabled: readonly number[] },
  i: number,
  events: readonly Event[],
  vc: readonly VClock[],
  idx: Int32Array,
): void {
  const tc = events[i]!.tid;
  const ic = idx[i]!;
  // the first event of each thread in notdep(e, E) that has no predecessor there
  const firsts: number[] = [];
  const seen = new Set<number>();
  for (let k = i + 1; k < events.length; k++) {
    if (covers(vc[k]!, tc, ic)) continue;
    const t = events[k]!.tid;
    if (seen.has(t)) continue;
    seen.add(t);
    // initial: no earlier event of notdep(e, E) happens before it
    let initial = true;
    for (let g = i + 1; g < k && initial; g++) {
      if (!covers(vc[g]!, tc, ic) && covers(vc[k]!, events[g]!.tid, idx[g]!)) initial = false;
    }
    if (initial) firsts.push(k);
  }
  const has = (q: number) => node.sleep.has(q) || node.wut.some((w) => w.tid === q);
  if (firsts.length) {
    for (const f of firsts) if (has(events[f]!.tid)) return;
    const f = firsts[0]!;
    node.wut.push(wnode(events[f]!.tid, events[f]!));
    return;
  }
  // notdep(e, E) is empty: v's initials are in the unknown future part, each enabled at the node, so every
  // enabled thread not asleep there would have to become a child (a fully expanded node). visitRaces sends such a
  // race here only when it would add none (fullExpansion false), and a node's children only grow between that
  // visit and this call: here there is none to add.
  for (const q of node.enabled)
    if (!has(q)) throw new Error(`teardown: a race with a cached future would fully expand node ${i}`);
}

/** A path node as stateful DPOR's visit reads and changes it. */
interface VisitNode {
  wut: WNode[];
  sleep: Map<number, Event>;
  enabled: readonly number[];
}

/** Children a visit gives nodes for races whose reversal has nothing in the prefix: depths and events there. */
export interface Narrowed {
  at: number[];
  ev: Event[];
}

/**
 * Stateful DPOR (./dpor.ts coveredRaces), a visit that found a cached state
 * with summary `summary` after the prefix `ctx.events` (`last` has recorded
 * them): the races of the prefix with the state's future, each as
 * {@link summaryRaces} finds it. A race that adds no full expansion goes to
 * its node in `at` ({@link summaryBacktrack} at the execution's end);
 * one whose reversal has nothing in the prefix ({@link fullExpansion}) gives
 * the threads that can begin it ({@link reversalInitials}) to `narrowed`,
 * with their next events at the node ({@link addNarrowed} at the end).
 * False when such a race cannot be narrowed (p blocked at its racing event,
 * so the race moved up to where p is enabled, and the argument of
 * reversalInitials does not hold there): the state is then explored again.
 * Clears `at` and `narrowed` first.
 */
export function visitRaces(
  path: readonly VisitNode[],
  ctx: SchedContext,
  n: number,
  summary: PackedSummary,
  last: LastAccesses,
  at: number[],
  narrowed: Narrowed,
): boolean {
  const events = ctx.events;
  const vc = ctx.clocks();
  const idx = last.indexes();
  at.length = 0;
  narrowed.at.length = 0;
  narrowed.ev.length = 0;
  let full = false;
  // a thread blocked at the racing node can come before its event only by coming before what blocked it:
  // the race goes to the nearest node above where the thread is enabled (as a stateless wakeup sequence that
  // finds it blocked ends with its blocked event racing further up)
  summaryRaces(events, vc, n, summary, last, (i, p, o) => {
    if (full) return;
    let node = i;
    for (let j = i; j >= 0; j--)
      if (path[j]!.enabled.includes(p)) {
        node = j;
        break;
      }
    if (at.includes(node)) return;
    if (!fullExpansion(path[node]!, node, events, vc, idx)) {
      at.push(node);
      return;
    }
    const add = node === i ? reversalInitials(path[node]!, summary, o, p, n, events.length) : -1;
    if (add < 0) full = true;
    for (let r = 0; add > 0 && r < n; r++) {
      if (!((add >> r) & 1)) continue;
      // r's next event at the node: its first one after the node in the prefix, else the one pending now
      let ev: Event | undefined;
      for (let j = node + 1; j < events.length && !ev; j++) if (events[j]!.tid === r) ev = events[j];
      narrowed.at.push(node);
      narrowed.ev.push(ev ?? ctx.pending(r));
    }
  });
  return !full;
}

/**
 * The children {@link visitRaces} gave, each made a child of its node
 * unless it is one already or asleep there. Returns how many it made.
 */
export function addNarrowed(path: readonly VisitNode[], narrowed: Narrowed): number {
  let made = 0;
  for (let k = 0; k < narrowed.at.length; k++) {
    const node = path[narrowed.at[k]!]!;
    const ev = narrowed.ev[k]!;
    if (node.sleep.has(ev.tid) || node.wut.some((w) => w.tid === ev.tid)) continue;
    // the thread's event at a later point of the prefix, or at the state: the same step of the thread, but what
    // it touches may differ at the node (a wake-up's sleepers), so it is replaced when the child runs
    const w = wnode(ev.tid, ev);
    w.guess = true;
    node.wut.push(w);
    made++;
  }
  return made;
}

/**
 * State caching for DPOR (stateful DPOR): an execution that reaches a state
 * already explored, with a sleep set that covers the one it was explored
 * with, stops there; the races between its prefix and what can happen after
 * that state are found from a summary of the state's explored future.
 *
 * Follows Y. Yang, X. Chen, G. Gopalakrishnan, R. M. Kirby, "Efficient
 * Stateful Dynamic Partial Order Reduction", SPIN 2008: a stateless DPOR
 * misses the races of a pruned prefix with the transitions after the state it
 * matched, so the pruned state's future must be summarised (their "visible
 * operation dependency graph"). The summary here is coarser than theirs:
 * per location, thread and kind of access anywhere in the state's explored
 * future, which threads' steps are known to happen before it (Summary). The
 * reaction to a race found with it is source-DPOR's (an initial of the known
 * part of the reversal, ./dpor.ts backtrackFor), or, when nothing of the
 * reversal is known, a fully expanded node: every enabled thread not in the
 * node's sleep set becomes a wakeup-tree child. Sleep sets
 * and state matching: P. Godefroid, "Partial-Order Methods for the
 * Verification of Concurrent Systems", LNCS 1032, 1996, ch. 6: a state first
 * explored with sleep set Z_old is pruned when revisited with Z_new only if
 * Z_old ⊆ Z_new (every thread not explored then is not to be explored now).
 *
 * The cycle proviso is not needed: a state's digest includes every thread's
 * step count (state/hash.ts), so no state is reachable from itself, and the
 * depth-first search never meets a state that is still on its stack.
 * docs/scheduler.md ("Stateful DPOR") gives the argument per detector.
 */
import { type Event, NO_ADDS } from './events.js';
import type { LastAccesses } from './last-accesses.js';
import { type VClock, covers } from '../state/vclock.js';
import { type WNode, wnode } from './wakeup-tree.js';
import type { Digest } from '../state/hash.js';

/** At most this many threads fit a summary key (thread and access kind packed with the location). */
export const SUMMARY_MAX_THREADS = 10;

/** Access kinds of a summary key. */
const READ = 0;
const WRITE = 1;
const TAKE = 2;
const ADD = 3;
const TAKE_SHARED = 4;

/** The summary key of thread `p`'s access of kind `kind` to location `loc` (p < 16, kind < 8). */
function key(loc: number, p: number, kind: number): number {
  return loc * 128 + p * 8 + kind;
}

/**
 * What a state's explored future does, per location, thread and kind of
 * access (read, addition, write, exclusive or shared lock acquisition), as the race detection of ./dpor.ts
 * sees an event as the later event of a race: a (non-try) lock acquisition
 * races with the previous acquisition, not through the lock's location;
 * blocking returns and timeouts are never the later event. The value says
 * which threads' steps are known to happen before every such access: for
 * each thread q, the smallest over the accesses of the position (depth in
 * the execution) of q's last step that happens before it, -1 when none does
 * for some access. Positions are depths from the initial state, and a state
 * has one depth (the digest includes every thread's step count), so an entry
 * means the same wherever the state is reached: a thread q with a position
 * at or after the state's depth has a step after the state that happens
 * before the access, and everything q did before the state happens before it.
 *
 * Kept as one typed array of entries sorted by key, so that the union of two
 * summaries (a closed node's into its parent's, once per node of the
 * exploration) is a linear merge of two arrays; packing for the cache hands
 * out the array itself and freezes it (the next change copies it first).
 */
export class Summary {
  /** The entries, packed as {@link PackedSummary} and sorted by key: `[key, pos_0 .. pos_{n-1}]` each, `len` of them. */
  private data: Int32Array;
  private len: number;
  /** `data` is shared (handed out by pack, or taken from a packed summary): copy before changing it. */
  private frozen: boolean;

  /** A summary of `n` threads: empty, or the `count` entries of `data` (shared: never changed in place). */
  constructor(
    readonly n: number,
    data: Int32Array = EMPTY,
    count = 0,
  ) {
    this.data = data;
    this.len = count;
    this.frozen = count > 0;
  }

  /** A summary of the packed entries `p` (shared, not copied). */
  static of(p: PackedSummary, n: number): Summary {
    return new Summary(n, p, p.length / (n + 1));
  }

  /** Entries. */
  get size(): number {
    return this.len;
  }

  /** The index of the first entry whose key is at least `k`. */
  private find(k: number): number {
    const w = this.n + 1;
    const d = this.data;
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (d[mid * w]! < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Own `data` with room for `entries` entries (copying a shared or full one). */
  private own(entries: number): void {
    const w = this.n + 1;
    if (!this.frozen && entries * w <= this.data.length) return;
    const data = new Int32Array(Math.max(8, entries, 2 * this.len) * w);
    const d = this.data;
    for (let i = 0, end = this.len * w; i < end; i++) data[i] = d[i]!;
    this.data = data;
    this.frozen = false;
  }

  /** Add key `k`'s access with positions `pos[from .. from+n-1]` (positions: the smaller). */
  add(k: number, pos: ArrayLike<number>, from = 0): void {
    const n = this.n;
    const w = n + 1;
    const i = this.find(k);
    let o = i * w;
    if (i < this.len && this.data[o] === k) {
      let q = 0;
      while (q < n && pos[from + q]! >= this.data[o + 1 + q]!) q++;
      if (q === n) return;
      this.own(this.len);
      const d = this.data;
      for (; q < n; q++) {
        const x = pos[from + q]!;
        if (x < d[o + 1 + q]!) d[o + 1 + q] = x;
      }
      return;
    }
    this.own(this.len + 1);
    const d = this.data;
    d.copyWithin(o + w, o, this.len * w);
    d[o++] = k;
    for (let q = 0; q < n; q++) d[o + q] = pos[from + q]!;
    this.len++;
  }

  /** this := this ∪ `from` (a summary of as many threads). */
  addAll(from: Summary): void {
    this.merge(from.data, from.len, 0);
  }

  /**
   * this := this ∪ the `count` entries of `b`, a packed summary of as many
   * threads whose positions before `depth` read as -1 (see {@link reachedAt}).
   */
  merge(b: Int32Array, count: number, depth: number): void {
    if (count === 0) return;
    const n = this.n;
    const w = n + 1;
    const a = this.data;
    const na = this.len * w;
    const nb = count * w;
    const out = new Int32Array(na + nb);
    let i = 0;
    let j = 0;
    let o = 0;
    while (i < na || j < nb) {
      const ka = i < na ? a[i]! : 0x7fffffff;
      const kb = j < nb ? b[j]! : 0x7fffffff;
      if (ka < kb) {
        for (let q = 0; q < w; q++) out[o + q] = a[i + q]!;
        i += w;
      } else {
        out[o] = kb;
        for (let q = 1; q <= n; q++) {
          const x = b[j + q]!;
          const y = x >= depth ? x : -1;
          out[o + q] = ka === kb && a[i + q]! < y ? a[i + q]! : y;
        }
        if (ka === kb) i += w;
        j += w;
      }
      o += w;
    }
    this.data = out;
    this.len = o / w;
    this.frozen = false;
  }

  /** The entries packed (shared with this summary, which copies before its next change). */
  pack(): PackedSummary {
    const used = this.len * (this.n + 1);
    if (this.data.length !== used) this.data = this.data.slice(0, used);
    this.frozen = true;
    return this.data;
  }

  *[Symbol.iterator](): Generator<[number, Int32Array]> {
    const n = this.n;
    const end = this.len * (n + 1);
    for (let o = 0; o < end; o += n + 1) yield [this.data[o]!, this.data.subarray(o + 1, o + 1 + n)];
  }
}

const EMPTY = new Int32Array(0);

/** The clock of each event as positions: `pos[q][k]` is the index of thread q's (k+1)-th event. */
export function eventPositions(events: readonly Event[], n: number): number[][] {
  const pos: number[][] = Array.from({ length: n }, () => []);
  for (let j = 0; j < events.length; j++) pos[events[j]!.tid]!.push(j);
  return pos;
}

/** addEvent's positions of one event (Summary.add copies them). */
let scratch = new Int32Array(0);

/**
 * Add one event's accesses to a summary. `clock` is the event's
 * happens-before clock (for a pending event, its thread's previous event's),
 * `self` its position, `pos` the execution's eventPositions.
 */
export function addEvent(s: Summary, e: Event, clock: Int32Array | undefined, self: number, pos: number[][]): void {
  if (e.noRace || e.global) return;
  const n = pos.length;
  // Summary.add copies what it keeps: one array serves every event
  if (scratch.length !== n) scratch = new Int32Array(n);
  const at = scratch;
  at.fill(-1);
  if (clock) for (let q = 0; q < n; q++) at[q] = clock[q]! > 0 ? pos[q]![clock[q]! - 1]! : -1;
  at[e.tid] = self;
  const lockLoc = e.acq >= 0 && !e.acqTry ? e.acq : -1;
  for (const l of e.reads) if (l !== lockLoc) s.add(key(l, e.tid, READ), at);
  for (const l of e.adds) if (l !== lockLoc) s.add(key(l, e.tid, ADD), at);
  for (const l of e.writes) if (l !== lockLoc) s.add(key(l, e.tid, WRITE), at);
  if (e.acq >= 0) s.add(key(e.acq, e.tid, e.acqShared ? TAKE_SHARED : TAKE), at);
}

/**
 * A summary packed for keeping: `[key, pos_0 .. pos_{n-1}]` per entry, one
 * typed array (a closed state keeps its summary for the whole exploration;
 * a Map of small arrays costs several times as much memory).
 */
export type PackedSummary = Int32Array;

/** Pack a summary (Summary.pack). */
export function pack(s: Summary): PackedSummary {
  return s.pack();
}

/** The entries of a packed summary of `n` threads. */
export function* entries(p: PackedSummary, n: number): Generator<[number, Int32Array]> {
  for (let o = 0; o < p.length; o += n + 1) yield [p[o]!, p.subarray(o + 1, o + 1 + n)];
}

/**
 * The entries of a cached state's summary as seen from a path that reached
 * it at depth `depth`: positions before the state are the first path's, not
 * this one's, and mean nothing to this path's nodes (-1).
 */
export function* reachedAt(p: PackedSummary, n: number, depth: number): Generator<[number, Int32Array]> {
  const at = new Int32Array(n);
  for (const [k, pos] of entries(p, n)) {
    for (let q = 0; q < n; q++) at[q] = pos[q]! >= depth ? pos[q]! : -1;
    yield [k, at];
  }
}

/**
 * into := into ∪ p, p a packed summary of as many threads, as seen from a
 * path that reached its state at depth `depth` (see {@link reachedAt}; 0: as
 * it is).
 */
export function mergePacked(into: Summary, p: PackedSummary, depth = 0): void {
  into.merge(p, p.length / (into.n + 1), depth);
}

/**
 * into ∪ from, `from` given up (the result may be it). The entries are in
 * key order (the order in which summaryRaces meets races, so the order of
 * the exploration, depends on it).
 */
export function unionSummaries(into: Summary, from: Summary): Summary {
  if (into.size === 0) return from;
  into.addAll(from);
  return into;
}

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
 * exactly `events`. Calls `race(i, p)`.
 */
export function summaryRaces(
  events: readonly Event[],
  vc: readonly Int32Array[],
  n: number,
  summary: Iterable<[number, Int32Array]>,
  last: LastAccesses,
  race: (i: number, p: number) => void,
): void {
  const d = events.length;
  if (last.length !== d) throw new Error(`teardown: summaryRaces over ${d} events with ${last.length} recorded`);
  const global = last.global;
  const before = (c: number, j: number) => covers(vc[j]!, events[c]!.tid, last.idx(c));
  // does prefix event c happen before every such access? through a thread with a step after the state
  // that happens before it: c's own thread, or one whose last prefix step c happens before
  const ordered = (c: number, at: Int32Array) => {
    for (let r = 0; r < n; r++) {
      if (at[r]! < d) continue;
      if (r === events[c]!.tid) return true;
      const lr = last.lastOf(r);
      if (lr >= 0 && before(c, lr)) return true;
    }
    return false;
  };
  const cands: number[] = [];
  for (const [k, at] of summary) {
    const loc = Math.floor(k / 128);
    const p = (k % 128) >> 3;
    const kind = k & 7;
    cands.length = 0;
    if (kind === TAKE || kind === TAKE_SHARED) last.acquisitions(loc, kind === TAKE_SHARED, cands);
    else {
      const lw = last.lastWrite(loc);
      if (lw >= 0) cands.push(lw);
      if (kind !== READ) last.readsSince(loc, cands);
      if (kind !== ADD) last.addsSince(loc, cands);
    }
    if (!cands.length) continue;
    const ok = cands.filter((c) => events[c]!.tid !== p && c > global && !events[c]!.global && !ordered(c, at));
    // acquisitions race with every candidate (see dpor.ts: a reader before another may still hold the lock)
    const acquisition = kind === TAKE || kind === TAKE_SHARED;
    for (const c of ok) if (acquisition || !ok.some((c2) => c2 !== c && before(c, c2))) race(c, p);
  }
}

/** A fully explored state: the sleep set it was explored with (thread mask) and its future's summary. */
export interface CachedState {
  sleep: number;
  summary: PackedSummary;
}

/** A cache entry: its digest's second lane, and the next entry whose first lane is the same. */
interface Entry extends CachedState {
  h2: number;
  next: Entry | null;
}

/**
 * The explored states of one exploration, by digest. A state enters when
 * its node of the exploration tree is closed (everything below it explored).
 */
export class StateCache {
  /** Entries by the digest's first lane (a chain of those that share it). */
  private readonly states = new Map<number, Entry>();
  private count = 0;

  /** A cache for explorations of `n` threads. */
  constructor(private readonly n: number) {}
  get size(): number {
    return this.count;
  }

  private get(d: Digest): Entry | undefined {
    let e = this.states.get(d.h1);
    while (e && e.h2 !== d.h2) e = e.next ?? undefined;
    return e;
  }

  /** The entry that covers a visit with sleep set `sleep` (thread mask), if any. */
  covering(digest: Digest, sleep: number): CachedState | undefined {
    const c = this.get(digest);
    return c && (c.sleep & ~sleep) === 0 ? c : undefined;
  }

  /**
   * Record a closed state. A state closed twice (revisited with a sleep set
   * that did not cover the first) keeps the smaller sleep set when one
   * contains the other, else the first (each exploration covers the futures
   * its own sleep set allows; two together do not cover what neither alone
   * does, so the intersection would be unsound), and the union of the
   * summaries (futures of both).
   */
  close(digest: Digest, sleep: number, summary: Summary): void {
    const c = this.get(digest);
    if (!c) {
      const e: Entry = {
        sleep,
        summary: summary.pack(),
        h2: digest.h2,
        next: this.states.get(digest.h1) ?? null,
      };
      this.states.set(digest.h1, e);
      this.count++;
      return;
    }
    if ((sleep & ~c.sleep) === 0) c.sleep = sleep;
    const merged = Summary.of(c.summary, this.n);
    merged.addAll(summary);
    c.summary = merged.pack();
  }
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
 * so every enabled thread not asleep there becomes a child.
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
  // notdep(e, E) is empty: v's initials are in the unknown future part, but each is enabled at the node, so
  // every enabled thread not asleep there becomes a child (a fully expanded node)
  for (const q of node.enabled) {
    if (has(q)) continue;
    // its event there is unknown until it runs (next() sets it): dependent with everything meanwhile,
    // so no later insertion takes this child for a weak initial it is not
    node.wut.push(
      wnode(q, {
        tid: q,
        reads: [],
        writes: [],
        adds: NO_ADDS,
        acq: -1,
        acqTry: false,
        acqShared: false,
        noRace: false,
        global: true,
      }),
    );
  }
}

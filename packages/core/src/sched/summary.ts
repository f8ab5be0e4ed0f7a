/**
 * Stateful DPOR's summaries (./state-cache.ts): what a state's explored
 * future does, per location, thread and kind of access, with which threads'
 * steps are known to happen before it; the per-node upkeep (an execution's
 * events into the nodes they were taken at, a closed node's summary into
 * its parent's) and the packed form a cached state keeps.
 *
 * After the "visible operation dependency graph" of Y. Yang, X. Chen,
 * G. Gopalakrishnan, R. M. Kirby, "Efficient Stateful Dynamic Partial Order
 * Reduction", SPIN 2008, coarser (docs/scheduler.md, "Stateful DPOR").
 */
import type { Event } from './events.js';

/** At most this many threads fit a summary key (thread and access kind packed with the location). */
export const SUMMARY_MAX_THREADS = 10;

/** Access kinds of a summary key. */
export const READ = 0;
export const WRITE = 1;
export const TAKE = 2;
export const ADD = 3;
export const TAKE_SHARED = 4;
/**
 * Not an access of its own: the thread's read or write of the location
 * (an entry of its own too) was plain, which stateful DPOR's key asks
 * (./projection.ts); races are not looked for through it.
 */
export const PLAIN = 5;

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
 * which threads' steps happen before such accesses (before an acquisition's
 * previous step of its thread, for an acquisition), twice: for each thread
 * q, the smallest over the accesses of the position (depth in the
 * execution) of q's last step that happens before it, -1 when none does for
 * some access (the `min` half: what is known to happen before every such
 * access, for ./summary-races.ts orderedBefore); then, for each thread q,
 * the largest of those positions, -1 when none does for any access (the
 * `max` half: which threads may have a step after the state that happens
 * before some such access, for ./summary-races.ts reversalInitials; it errs
 * towards more, see {@link addEvent} and {@link mergePacked}). Positions are
 * depths from the initial state, and a state has one depth (the digest
 * includes every thread's step count), so an entry means the same wherever
 * the state is reached: a thread q with a position at or after the state's
 * depth has a step after the state that happens before the access (every
 * such access, in the min half; one, in the max half), and everything q did
 * before the state happens before it.
 *
 * Kept as one typed array of entries sorted by key, so that the union of two
 * summaries (a closed node's into its parent's, once per node of the
 * exploration) is a linear merge of two arrays, made in place from the end
 * when the array has room (it is made with room for half as many again). `pack` hands out the array
 * itself and a summary made from a packed one (`Summary.of`) shares it: both
 * freeze it, and the next change copies it first. The state cache copies what
 * it keeps (./state-cache.ts, compact).
 */
export class Summary {
  /** The entries, packed as {@link PackedSummary} and sorted by key: `[key, min_0 .. min_{n-1}, max_0 .. max_{n-1}]` each, `len` of them. */
  private data: Int32Array;
  private len: number;
  /** `data` is shared (handed out by pack, or taken from a packed summary): copy before changing it. */
  private frozen: boolean;
  /** Ints per entry: {@link summaryWidth}. */
  private readonly w: number;

  /** A summary of `n` threads: empty, or the `count` entries of `data` (shared: never changed in place). */
  constructor(
    readonly n: number,
    data: Int32Array = EMPTY,
    count = 0,
  ) {
    this.data = data;
    this.len = count;
    this.w = summaryWidth(n);
    // the caller's array is never written, whatever part of it holds entries
    this.frozen = data.length > 0;
  }

  /** A summary of the packed entries `p` (shared, not copied). */
  static of(p: PackedSummary, n: number): Summary {
    return new Summary(n, p, p.length / summaryWidth(n));
  }

  /** Entries. */
  get size(): number {
    return this.len;
  }

  /** The index of the first entry whose key is at least `k`. */
  private find(k: number): number {
    const w = this.w;
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
    const w = this.w;
    if (!this.frozen && entries * w <= this.data.length) return;
    const data = new Int32Array(Math.max(8, entries, 2 * this.len) * w);
    const d = this.data;
    for (let i = 0, end = this.len * w; i < end; i++) data[i] = d[i]!;
    this.data = data;
    this.frozen = false;
  }

  /** Add key `k`'s access with positions `pos[from .. from+n-1]` (one access: both halves). */
  add(k: number, pos: ArrayLike<number>, from = 0): void {
    this.addRange(k, pos, from, pos, from);
  }

  /**
   * Add key `k`'s entry of another summary: smallest positions
   * `min[minFrom ..]`, largest `max[maxFrom ..]` (n each). Each half keeps
   * the smaller, the larger, per thread.
   */
  addRange(k: number, min: ArrayLike<number>, minFrom: number, max: ArrayLike<number>, maxFrom: number): void {
    const n = this.n;
    const w = this.w;
    const i = this.find(k);
    let o = i * w;
    if (i < this.len && this.data[o] === k) {
      let q = 0;
      while (q < n && min[minFrom + q]! >= this.data[o + 1 + q]! && max[maxFrom + q]! <= this.data[o + 1 + n + q]!) q++;
      if (q === n) return;
      this.own(this.len);
      const d = this.data;
      for (; q < n; q++) {
        const x = min[minFrom + q]!;
        if (x < d[o + 1 + q]!) d[o + 1 + q] = x;
        const y = max[maxFrom + q]!;
        if (y > d[o + 1 + n + q]!) d[o + 1 + n + q] = y;
      }
      return;
    }
    this.own(this.len + 1);
    const d = this.data;
    d.copyWithin(o + w, o, this.len * w);
    d[o++] = k;
    for (let q = 0; q < n; q++) {
      d[o + q] = min[minFrom + q]!;
      d[o + n + q] = max[maxFrom + q]!;
    }
    this.len++;
  }

  /** this := this ∪ `from` (a summary of as many threads). */
  addAll(from: Summary): void {
    this.merge(from.data, from.len, 0);
  }

  /**
   * this := this ∪ the `count` entries of `b`, a packed summary of as many
   * threads whose positions before `depth` read as -1 (see {@link reachedAt}),
   * but for the largest positions, which read as `fill[q]` there when given
   * (see {@link mergePacked}).
   */
  merge(b: Int32Array, count: number, depth: number, fill?: ArrayLike<number>): void {
    if (count === 0) return;
    const nb = count * this.w;
    const extra = this.newKeys(b, nb, depth, fill);
    // a merge that adds nothing (a future met again) leaves the entries as they are: no array made
    if (extra < 0) return;
    const w = this.w;
    const entries = this.len + extra;
    const need = entries * w;
    if (this.frozen || need > this.data.length) {
      // room for the merges still to come into this summary (a parent's takes each child's in turn)
      const data = new Int32Array((entries + (entries >> 1)) * w);
      data.set(this.data.subarray(0, this.len * w));
      this.data = data;
      this.frozen = false;
    }
    this.mergeBack(b, nb, need, depth, fill);
    this.len = need / w;
  }

  /**
   * How many of the keys of the first `nb` ints of `b` are not here, or -1
   * when merging them (as {@link merge} reads them at `depth`) would leave
   * this summary as it is: every key of b here, with no smallest position
   * larger than b's and no largest one smaller.
   */
  private newKeys(b: Int32Array, nb: number, depth: number, fill?: ArrayLike<number>): number {
    const n = this.n;
    const w = this.w;
    const a = this.data;
    const na = this.len * w;
    let extra = 0;
    let changed = false;
    let i = 0;
    for (let j = 0; j < nb; j += w) {
      const kb = b[j]!;
      while (i < na && a[i]! < kb) i += w;
      if (i >= na || a[i] !== kb) {
        extra++;
        continue;
      }
      for (let q = 1; !changed && q <= n; q++)
        changed =
          a[i + q]! > fromDepth(b[j + q]!, depth) || a[i + n + q]! < upFromDepth(b[j + n + q]!, depth, fill, q - 1);
      i += w;
    }
    return extra > 0 || changed ? extra : -1;
  }

  /**
   * The merge itself, in place from the last entry down: this summary's
   * entries (owned, with room for `need` ints) and b's end at `need`. An
   * entry is written at or after where it was read, so nothing is overwritten
   * before it is read.
   */
  private mergeBack(b: Int32Array, nb: number, need: number, depth: number, fill?: ArrayLike<number>): void {
    const n = this.n;
    const w = this.w;
    const d = this.data;
    let i = this.len * w - w;
    let j = nb - w;
    let o = need - w;
    while (j >= 0) {
      const kb = b[j]!;
      if (i >= 0 && d[i]! > kb) {
        // (o - i is w times the keys of b still to place: 0, or at least a whole entry)
        if (o !== i) for (let q = 0; q < w; q++) d[o + q] = d[i + q]!;
        i -= w;
      } else {
        const both = i >= 0 && d[i] === kb;
        d[o] = kb;
        for (let q = 1; q <= n; q++) {
          const y = fromDepth(b[j + q]!, depth);
          d[o + q] = both && d[i + q]! < y ? d[i + q]! : y;
          const z = upFromDepth(b[j + n + q]!, depth, fill, q - 1);
          d[o + n + q] = both && d[i + n + q]! > z ? d[i + n + q]! : z;
        }
        if (both) i -= w;
        j -= w;
      }
      o -= w;
    }
  }

  /** The entries as they are (the first {@link size} of them; not a copy: read them before the next change). */
  raw(): Int32Array {
    return this.data;
  }

  /** The entries packed (shared with this summary, which copies before its next change). */
  pack(): PackedSummary {
    const used = this.len * this.w;
    if (this.data.length !== used) this.data = this.data.slice(0, used);
    this.frozen = true;
    return this.data;
  }

  /** Each entry's key and positions (its min half, then its max half: 2n). */
  *[Symbol.iterator](): Generator<[number, Int32Array]> {
    const w = this.w;
    const end = this.len * w;
    for (let o = 0; o < end; o += w) yield [this.data[o]!, this.data.subarray(o + 1, o + w)];
  }
}

/** Ints per entry of a summary of `n` threads: the key, then n smallest and n largest positions. */
export function summaryWidth(n: number): number {
  return 2 * n + 1;
}

const EMPTY = new Int32Array(0);

/** Position `x` as a path that reached the state at depth `depth` reads it: one before the state is none (-1). */
function fromDepth(x: number, depth: number): number {
  return x >= 0 && x < depth ? -1 : x;
}

/** A largest position `x` of thread `q` so read, but at least `fill[q]` when given (Summary.merge). */
function upFromDepth(x: number, depth: number, fill: ArrayLike<number> | undefined, q: number): number {
  const y = fromDepth(x, depth);
  return fill && fill[q]! > y ? fill[q]! : y;
}

/** The clock of each event as positions: `pos[q][k]` is the index of thread q's (k+1)-th event. */
export function eventPositions(events: readonly Event[], n: number): number[][] {
  const pos: number[][] = Array.from({ length: n }, () => []);
  for (let j = 0; j < events.length; j++) pos[events[j]!.tid]!.push(j);
  return pos;
}

/** addEvent's positions of one event, smallest and largest (Summary.addRange copies them). */
let scratch = new Int32Array(0);
let scratchMax = new Int32Array(0);

/**
 * Add one event's accesses to a summary. `clock` is the event's
 * happens-before clock (for a pending event, its thread's previous event's),
 * `pred` the clock of its thread's previous event (undefined: none), `self`
 * its position, `pos` the execution's eventPositions; `pending`: the event
 * did not run (a blocked or never-run thread's next event).
 *
 * The smallest positions (what is known to happen before the access): a
 * lock acquisition's entry takes them from `pred`: it races with the
 * previous acquisition whatever released the lock in between (./dpor.ts
 * racesOf asks whether that acquisition happens before the thread's
 * previous event), and the acquisition's own clock runs through that
 * release, which would make every earlier holder's acquisition look ordered
 * before it. So do all of a global event's entries (a timer firing at
 * quiescence): its clock joins every thread's, which would make every
 * earlier access look ordered before it.
 *
 * The largest positions (what may happen before the access, for
 * ./summary-races.ts reversalInitials) err the other way: an event's own
 * clock, whatever its kind (a reversal's events are ordered by what they
 * depend on among themselves, which the execution's clocks include); a
 * pending event has no clock of its own (what it would depend on when it
 * runs is not known), so every thread's last event before `self`.
 */
export function addEvent(
  s: Summary,
  e: Event,
  clock: Int32Array | undefined,
  pred: Int32Array | undefined,
  self: number,
  pos: number[][],
  pending = false,
): void {
  if (e.noRace) return;
  const n = pos.length;
  // Summary.addRange copies what it keeps: one pair of arrays serves every event
  if (scratch.length !== n) {
    scratch = new Int32Array(n);
    scratchMax = new Int32Array(n);
  }
  const at = scratch;
  const up = scratchMax;
  if (pending) lastBefore(up, self, pos);
  else positions(up, clock, pos);
  up[e.tid] = self;
  positions(at, e.global ? pred : clock, pos);
  at[e.tid] = self;
  const lockLoc = e.acq >= 0 && !e.acqTry ? e.acq : -1;
  for (const l of e.reads) if (l !== lockLoc) s.addRange(key(l, e.tid, READ), at, 0, up, 0);
  for (const l of e.adds) if (l !== lockLoc) s.addRange(key(l, e.tid, ADD), at, 0, up, 0);
  for (const l of e.writes) if (l !== lockLoc) s.addRange(key(l, e.tid, WRITE), at, 0, up, 0);
  for (const l of e.plain) s.addRange(key(l, e.tid, PLAIN), at, 0, up, 0);
  if (e.acq >= 0) {
    if (pred !== clock) {
      positions(at, pred, pos);
      at[e.tid] = self;
    }
    s.addRange(key(e.acq, e.tid, e.acqShared ? TAKE_SHARED : TAKE), at, 0, up, 0);
  }
}

/** `at[q]`: the position of thread q's last event before position `self`, -1 when none. */
export function lastBefore(at: Int32Array, self: number, pos: number[][]): void {
  for (let q = 0; q < at.length; q++) {
    const ps = pos[q]!;
    let k = ps.length;
    while (k > 0 && ps[k - 1]! >= self) k--;
    at[q] = k > 0 ? ps[k - 1]! : -1;
  }
}

/** `at[q]`: the position of thread q's last event that happens before or at a clock's event, -1 when none. */
function positions(at: Int32Array, clock: Int32Array | undefined, pos: number[][]): void {
  at.fill(-1);
  if (clock) for (let q = 0; q < at.length; q++) at[q] = clock[q]! > 0 ? pos[q]![clock[q]! - 1]! : -1;
}

/**
 * A summary packed for keeping: `[key, min_0 .. min_{n-1}, max_0 ..
 * max_{n-1}]` per entry ({@link summaryWidth} ints), one typed array (a
 * closed state keeps its summary for the whole exploration; a Map of small
 * arrays costs several times as much memory).
 */
export type PackedSummary = Int32Array;

/** Pack a summary (Summary.pack). */
export function pack(s: Summary): PackedSummary {
  return s.pack();
}

/**
 * The entries of a cached state's summary as seen from a path that reached
 * it at depth `depth`: positions before the state are the first path's, not
 * this one's, and mean nothing to this path's nodes (-1). Each: the key and
 * its 2n positions (min half, max half).
 */
export function* reachedAt(p: PackedSummary, n: number, depth: number): Generator<[number, Int32Array]> {
  const w = summaryWidth(n);
  const at = new Int32Array(w - 1);
  for (let o = 0; o < p.length; o += w) {
    for (let q = 0; q < w - 1; q++) at[q] = p[o + 1 + q]! >= depth ? p[o + 1 + q]! : -1;
    yield [p[o]!, at];
  }
}

/**
 * into := into ∪ p, p a packed summary of as many threads, as seen from a
 * path that reached its state at depth `depth` (see {@link reachedAt}; 0: as
 * it is). `fill`, per thread, the position of its last step on that path
 * before the state (-1: none): a largest position before the state was the
 * first path's, and which of this path's steps before the state happen
 * before the access is not known, so each thread's last one may (a largest
 * position errs that way: {@link addEvent}).
 */
export function mergePacked(into: Summary, p: PackedSummary, depth = 0, fill?: ArrayLike<number>): void {
  into.merge(p, p.length / summaryWidth(into.n), depth, fill);
}

/**
 * into ∪ from, `from` given up (the result may be it). The entries are in
 * key order (the order in which summaryRaces meets races, so the order of
 * the exploration, depends on it).
 */
export function unionSummaries(into: Summary, from: Summary): Summary {
  if (into.size === 0) return from;
  // the union is the same either way: the smaller goes into the larger, which may have room for it
  if (from.size > into.size) {
    from.addAll(into);
    return from;
  }
  into.addAll(from);
  return into;
}

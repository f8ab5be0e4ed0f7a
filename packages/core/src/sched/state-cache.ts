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
 * future, which threads' steps are known to happen before it (Summary); the
 * races found with it, and what they become, are ./summary-races.ts's. Sleep sets
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
import { type PackedSummary, Summary, summaryWidth } from './summary.js';
import { type Digest, fmix } from '../state/hash.js';
import { DigestTable } from '../state/digest-table.js';
import type { Coverage } from './strategy.js';

/**
 * A stateful search keeps the states at every second depth (ExploreOptions.stateCacheEvery): any subset of
 * the states may be kept, and this one halves the digests, lookups and stored summaries for a few more
 * steps and executions (docs/scheduler.md, "Which states are kept").
 */
export const DEFAULT_STATE_CACHE_EVERY = 2;

/** The default bound on a state cache's summaries (512 MB). */
export const DEFAULT_STATE_CACHE_BYTES = 512 * 2 ** 20;

/** `512 MB`, `4 KB`, `256 bytes`: a memory bound for the coverage line. */
function byteSize(b: number): string {
  if (b === Number.POSITIVE_INFINITY) return 'no';
  if (b >= 2 ** 20) return `${Math.round(b / 2 ** 20)} MB`;
  if (b >= 1024) return `${Math.round(b / 1024)} KB`;
  return `${b} bytes`;
}

/** `2nd`, `3rd`, `4th`: the states kept, on the coverage line. */
export function ordinal(k: number): string {
  const t = k % 100;
  const suffix = t >= 11 && t <= 13 ? 'th' : k % 10 === 1 ? 'st' : k % 10 === 2 ? 'nd' : k % 10 === 3 ? 'rd' : 'th';
  return `${k}${suffix}`;
}

/**
 * Stateful DPOR's coverage line: `exhaustive: all reachable states, 9068 states, 538 executions (stateful
 * source-DPOR, states kept at every 2nd depth, 357 stopped at a visited state, 40 explored again, 81 summaries
 * dropped under the 2 MB bound)` when `done`, else `partial: ...`. `executions`: every execution, stopped or not;
 * `how.kind`: the DPOR mode (`source-DPOR` with a cache: ./dpor.ts); `how.bytes`: the summaries' bound;
 * `how.every`: the depths whose states are kept; `how.reopened`: the visits to a state explored before that
 * explored it again (./dpor.ts coveredRaces); `how.narrowed`: the children made for races whose reversal lies
 * in a cached future (./summary-races.ts visitRaces), as the Coverage's `narrowed` (not on the line).
 */
export function statefulCoverage(
  done: boolean,
  cache: StateCache,
  executions: number,
  pruned: number,
  how: { kind: string; bytes: number; every: number; reopened?: number; narrowed?: number },
): Coverage {
  const states = cache.size;
  const forgot = cache.dropped;
  const kept = how.every > 1 ? `, states kept at every ${ordinal(how.every)} depth` : '';
  const dropped = forgot ? `, ${forgot} summaries dropped under the ${byteSize(how.bytes)} bound` : '';
  const again = how.reopened ? `, ${how.reopened} explored again` : '';
  const what = `stateful ${how.kind}${kept}, ${pruned} stopped at a visited state${again}${dropped}`;
  return done
    ? {
        kind: 'exhaustive',
        text: `exhaustive: all reachable states, ${states} states, ${executions} executions (${what})`,
        states,
        executions,
        pruned,
        dropped: forgot,
        narrowed: how.narrowed ?? 0,
      }
    : {
        kind: 'partial',
        text: `partial: ${states} states, ${executions} executions (${what}) before the budget ran out`,
        states,
        executions,
        pruned,
        dropped: forgot,
        narrowed: how.narrowed ?? 0,
      };
}

/** A fully explored state: the sleep set it was explored with (thread mask) and its future's summary. */
export interface CachedState {
  sleep: number;
  summary: PackedSummary;
}

/** A state's arena before it has a summary (StateCache.chunkOf): no arena. */
const NO_SUMMARY = -1;

/** Ints per arena chunk of the state cache (16 MB): a stored summary never spans two. */
const CHUNK = 1 << 22;

/**
 * A state cache for `n` threads whose summaries take at most `bytes` of
 * memory (at least MIN_STATE_CACHE_BYTES, or Infinity: unbounded; arenas
 * of a sixteenth of that up to 16 MB, so that dropping the oldest loses
 * little at a time). Throws on a smaller or non-numeric bound.
 */
export function boundedStateCache(n: number, bytes: number): StateCache {
  if (bytes === Number.POSITIVE_INFINITY) return new StateCache(n);
  if (!(bytes >= MIN_STATE_CACHE_BYTES))
    throw new Error(`teardown: a state cache bound of ${bytes} bytes (at least ${MIN_STATE_CACHE_BYTES})`);
  const ints = Math.floor(bytes / 4);
  // (a division, not a shift: a bound of a terabyte is 2^38 ints)
  return new StateCache(n, 4096, Math.min(CHUNK, Math.max(16, Math.floor(ints / 16))), ints);
}

/** The smallest bound boundedStateCache takes (bytes). */
export const MIN_STATE_CACHE_BYTES = 256;

/** In StateCache's maps of stored summaries: a summary's offset times this, plus its entries' count and format. */
const ENTRIES_SCALE = 2 ** 31;

/**
 * A hash of the first `need` ints of `enc`, an encoded summary, and of its
 * count and format `entries`: a small integer, for a Map key (StateCache's
 * summaries met again are compared int by int, so a collision only costs
 * a summary stored twice).
 */
function encodedHash(enc: Int32Array, need: number, entries: number): number {
  let a = Math.imul(entries, 0x9e3779b1) ^ need;
  for (let k = 0; k < need; k++) a = Math.imul(a ^ enc[k]!, 0x01000193);
  return fmix(a) & 0x3fffffff;
}

/**
 * The format of a stored summary's positions (StateCache.entriesOf's low two bits): one bit each, set for a
 * position at or after the state (the only format since the fourteenth session; 8, 16 and 32-bit distances
 * before).
 */
const BITS = 0;

/**
 * The states of one exploration, by digest. A state enters when it is
 * first visited ({@link StateCache.visit}), and gets its summary when its
 * node of the exploration tree is closed (everything below it explored).
 *
 * Kept for memory (on four threads of the model the states number
 * millions): the digests in a {@link DigestTable}, the sleep sets and
 * where each summary lies in typed arrays indexed by the digest's number,
 * and the summaries themselves in 16 MB arenas, compact: an entry is its
 * key and one int of bits, one per position (2n of them, n ≤ 10), set when
 * the position is at or after the state: a later visit reaches the state at
 * the same depth and reads a position before it as none, and nothing that
 * reads a summary kept for a state asks more of a position than whether it
 * is at or after that state's depth (./summary-races.ts orderedBefore and
 * reversalInitials; ./summary.ts merges, which move it only to shallower
 * nodes), so a set bit comes back as the state's depth. 2 ints an entry,
 * where the packed form takes 2n + 1. The arenas start at a 64th of
 * their full size (16 MB, or a sixteenth of a smaller bound) and double.
 * A summary stored so that equals one in the newest arena or the one before
 * is stored once: the states share it (hash-consing; on the model's
 * benchmarks two stored summaries in three were stored before).
 * A visit that matches gets the summary back packed
 * ({@link PackedSummary}), a copy, its positions from its depth on.
 *
 * Bounded: the arenas together hold at most `budget` ints (the newest one
 * whatever its size; copies left behind by a merge or a move count until
 * their arena goes). When a new arena would pass that, the oldest ones are
 * dropped, and with them the summaries in them: those of the states closed
 * longest ago and not met since, as once the arenas hold half the budget
 * a state that covers a visit moves to the newest arena (a state closes
 * after everything below it, so without visits the oldest are the deepest
 * states of the branches explored first). A state whose summary is gone is
 * still counted (its digest stays) but no longer covers a visit, so its
 * future is explored again when it is met, and closing it then keeps only
 * that exploration's sleep set and summary: state-space caching with
 * replacement (P. Godefroid, G. J. Holzmann, D. Pirottin, "State-Space
 * Caching Revisited", CAV 1992), sound because an entry stands for any one
 * exploration of the state's future, and a visit not stopped explores it.
 * The per-state arrays and the digest table (30 to 50 bytes a state) are
 * not bounded.
 */
export class StateCache {
  private readonly digests: DigestTable;
  /** Per state (the digest's index): the sleep set (thread mask). */
  private sleeps: Int32Array;
  /** Per state: its summary's arena chunk and offset in it. */
  private chunkOf: Int32Array;
  private offsetOf: Int32Array;
  /** Per state: its summary's entries, times four, + its positions' format (BITS). */
  private entriesOf: Int32Array;
  /** The arenas, oldest first; null once dropped for the budget. */
  private readonly chunks: (Int32Array | null)[] = [];
  /** Per arena: the summaries stored in it. */
  private readonly stored: number[] = [];
  /** Ints used in the last chunk. */
  private fill = 0;
  /** Ints in the arenas not dropped. */
  private held = 0;
  /** The oldest arena not dropped. */
  private oldest = 0;
  /** Summaries dropped for the budget (their states no longer cover a visit until closed again). */
  dropped = 0;
  /**
   * The summaries stored in the newest arena and in the one before, by a
   * hash of their encoded ints ({@link encodedHash}): where each starts and its
   * count and format, `offset * ENTRIES_SCALE + entries`. A later equal one
   * is not stored again. Two arenas' worth, so that this costs no more than
   * a fraction of the arenas it indexes.
   */
  private sameNewest = new Map<number, number>();
  private sameBefore = new Map<number, number>();
  /** Where {@link summaryOf} decodes a summary a visit or a close reads and lets go. */
  private decoded = new Int32Array(256);
  /** Where {@link store} encodes a summary before it knows whether it is new. */
  private scratch = new Int32Array(64);

  /**
   * A cache for explorations of `n` threads, with room for `capacity`
   * states before its arrays grow, arena chunks of `chunk` ints, and at
   * most `budget` ints of arenas (tests make them small; the last arena
   * is kept whatever its size).
   */
  constructor(
    private readonly n: number,
    capacity = 4096,
    private readonly chunk = CHUNK,
    private readonly budget = Number.POSITIVE_INFINITY,
  ) {
    this.digests = new DigestTable(capacity);
    this.sleeps = new Int32Array(capacity);
    this.chunkOf = new Int32Array(capacity);
    this.offsetOf = new Int32Array(capacity);
    this.entriesOf = new Int32Array(capacity);
  }

  /** Arenas allocated so far, dropped ones included. */
  get arenas(): number {
    return this.chunks.length;
  }

  /** States in the cache: visited ({@link visit}) or closed ({@link close}). */
  get size(): number {
    return this.digests.size;
  }

  /**
   * A visit of a state with sleep set `sleep` (thread mask): the entry that
   * covers it, if any (its summary a view valid until the next visit or
   * close: read it, do not keep it); otherwise the state is known from now
   * on (counted in {@link size}), with no summary until it is closed.
   */
  visit(digest: Digest, sleep: number, depth: number): CachedState | undefined {
    const known = this.digests.size;
    const i = this.digests.add(digest);
    if (i === known) {
      if (i === this.sleeps.length) this.growStates();
      this.chunkOf[i] = NO_SUMMARY;
      return undefined;
    }
    if ((this.sleeps[i]! & ~sleep) !== 0 || !this.chunks[this.chunkOf[i]!]) return undefined;
    const summary = this.summaryOf(i, depth, false);
    if (2 * this.held >= this.budget && this.chunkOf[i]! < this.chunks.length - 1) {
      // near the bound, a state that covers a visit moves to the newest arena (least recently used goes first)
      this.stored[this.chunkOf[i]!]!--;
      this.store(i, summary, summary.length / summaryWidth(this.n), depth, true);
    }
    return { sleep: this.sleeps[i]!, summary };
  }

  /**
   * The entry that covers a visit with sleep set `sleep` (thread mask), if
   * any; its summary a copy, or with `copy` false a view as {@link visit}'s.
   */
  covering(digest: Digest, sleep: number, depth: number, copy = true): CachedState | undefined {
    if (!this.covers(digest, sleep)) return undefined;
    const i = this.digests.get(digest);
    return { sleep: this.sleeps[i]!, summary: this.summaryOf(i, depth, copy) };
  }

  /** Is there an entry that covers a visit with sleep set `sleep` (its summary not read)? */
  covers(digest: Digest, sleep: number): boolean {
    const i = this.digests.get(digest);
    return i >= 0 && (this.sleeps[i]! & ~sleep) === 0 && this.chunks[this.chunkOf[i]!] != null;
  }

  /**
   * Record a closed state. A state closed twice (revisited with a sleep set
   * that did not cover the first) keeps the smaller sleep set when one
   * contains the other, else the first (each exploration covers the futures
   * its own sleep set allows; two together do not cover what neither alone
   * does, so the intersection would be unsound), and the union of the
   * summaries (futures of both), stored anew. A state with no summary
   * (only visited so far, or its summary dropped for the budget) takes this
   * exploration's sleep set and summary.
   */
  close(digest: Digest, sleep: number, summary: Summary, depth: number): void {
    const known = this.digests.size;
    const i = this.digests.add(digest);
    if (i === known) {
      if (i === this.sleeps.length) this.growStates();
      this.sleeps[i] = sleep;
      this.store(i, summary.raw(), summary.size, depth);
      return;
    }
    if (!this.chunks[this.chunkOf[i]!]) {
      // visited, not closed before, or its summary was dropped: the state is as good as new
      this.sleeps[i] = sleep;
      this.store(i, summary.raw(), summary.size, depth);
      return;
    }
    if ((sleep & ~this.sleeps[i]!) === 0) this.sleeps[i] = sleep;
    const kept = this.summaryOf(i, depth, false);
    const merged = Summary.of(kept, this.n);
    merged.addAll(summary);
    // nothing new (the merge kept the array it was made from): the stored summary stands, moved to the newest
    // arena near the bound as a visit that matches moves it (least recently used goes first)
    const same = merged.raw() === kept;
    if (same && !(2 * this.held >= this.budget && this.chunkOf[i]! < this.chunks.length - 1)) return;
    // stored anew: its old place no longer counts
    this.stored[this.chunkOf[i]!]!--;
    this.store(i, merged.raw(), merged.size, depth, same);
  }

  /**
   * State `i`'s summary, packed, for a visit at depth `depth` (the state's:
   * its digest counts every thread's steps): a copy, or with `copy` false a
   * view of a buffer the next call without a copy overwrites (a visit that
   * matches stops its execution, whose end reads the summary before any
   * other visit or close; a close reads its own before it returns; so no
   * view outlives its use, and no summary-sized array is made per visit).
   */
  private summaryOf(i: number, depth: number, copy = true): PackedSummary {
    // positions per entry (the min and the max half: ./summary.ts)
    const n = summaryWidth(this.n) - 1;
    const w = n + 1;
    const count = this.entriesOf[i]! >> 2;
    const c = this.chunks[this.chunkOf[i]!]!;
    const o = this.offsetOf[i]!;
    let out: Int32Array;
    if (copy) out = new Int32Array(count * w);
    else {
      if (this.decoded.length < count * w) this.decoded = new Int32Array(Math.max(2 * this.decoded.length, count * w));
      out = this.decoded.subarray(0, count * w);
    }
    for (let e = 0; e < count; e++) {
      const from = o + 2 * e;
      const to = e * w;
      out[to] = c[from]!;
      const bits = c[from + 1]!;
      for (let q = 0; q < n; q++) out[to + 1 + q] = (bits >> q) & 1 ? depth : -1;
    }
    return out;
  }

  /**
   * Store `count` packed entries of `data` as state `i`'s summary, the
   * state at depth `depth`: each entry as its key and a bit per position,
   * set for one at or after the state (see the class). A summary equal, so
   * encoded, to one already in the newest arena or the one before is not
   * stored again: the state points at that one (`newestOnly`: only the
   * newest arena's, for a move there). States of one exploration often have
   * equal summaries: on the model's 3- and 4-thread benchmarks a stored
   * summary has been stored before about two times out of three, nearly
   * always within the last 16 MB (docs/scheduler.md, "Stateful DPOR").
   */
  private store(i: number, data: Int32Array, count: number, depth: number, newestOnly = false): void {
    // positions per entry (the min and the max half: ./summary.ts)
    const n = summaryWidth(this.n) - 1;
    const w = n + 1;
    const need = 2 * count;
    const enc = this.encoded(need);
    for (let e = 0; e < count; e++) {
      const from = e * w;
      enc[2 * e] = data[from]!;
      let bits = 0;
      for (let q = 0; q < n; q++) if (data[from + 1 + q]! >= depth) bits |= 1 << q;
      enc[2 * e + 1] = bits;
    }
    const entries = 4 * count + BITS;
    const h = encodedHash(enc, need, entries);
    if (this.reuse(i, h, this.sameNewest, this.chunks.length - 1, enc, need, entries)) return;
    if (!newestOnly && this.reuse(i, h, this.sameBefore, this.chunks.length - 2, enc, need, entries)) return;
    if (this.chunks.length === 0 || this.fill + need > this.chunks[this.chunks.length - 1]!.length) {
      // small explorations stay small: arenas double from a 64th of their full size (16 MB, or a sixteenth of a
      // smaller bound) up to it
      const size = Math.max(1, this.chunk >> Math.max(0, 6 - this.chunks.length), need);
      // over the budget: drop the oldest arenas (the last one stays, whatever the budget)
      while (this.held + size > this.budget && this.oldest < this.chunks.length) {
        this.held -= this.chunks[this.oldest]!.length;
        this.dropped += this.stored[this.oldest]!;
        this.chunks[this.oldest++] = null;
      }
      this.chunks.push(new Int32Array(size));
      this.stored.push(0);
      this.held += size;
      this.fill = 0;
      // the summaries of the arena before are still found (the newest arena starts empty)
      this.sameBefore = this.sameNewest;
      this.sameNewest = new Map();
    }
    this.stored[this.chunks.length - 1]!++;
    const c = this.chunks[this.chunks.length - 1]!;
    const o = this.fill;
    this.fill += need;
    this.chunkOf[i] = this.chunks.length - 1;
    this.offsetOf[i] = o;
    this.entriesOf[i] = entries;
    for (let k = 0; k < need; k++) c[o + k] = enc[k]!;
    this.sameNewest.set(h, o * ENTRIES_SCALE + entries);
  }

  /**
   * Point state `i` at a stored summary equal to the `need` encoded ints of
   * `enc` (`entries`: count and format) found by hash `h` in `same`, the
   * summaries of arena `chunk`; false when there is none (or the arena was
   * dropped).
   */
  private reuse(
    i: number,
    h: number,
    same: Map<number, number>,
    chunk: number,
    enc: Int32Array,
    need: number,
    entries: number,
  ): boolean {
    const at = same.get(h);
    if (at === undefined || at % ENTRIES_SCALE !== entries) return false;
    // dropped (null), or no such arena yet (a negative index)
    const c = this.chunks[chunk];
    if (!c) return false;
    const o = Math.floor(at / ENTRIES_SCALE);
    for (let k = 0; k < need; k++) if (c[o + k] !== enc[k]) return false;
    this.stored[chunk]!++;
    this.chunkOf[i] = chunk;
    this.offsetOf[i] = o;
    this.entriesOf[i] = entries;
    return true;
  }

  /** Scratch room for `need` encoded ints. */
  private encoded(need: number): Int32Array {
    if (this.scratch.length < need) this.scratch = new Int32Array(Math.max(need, 2 * this.scratch.length));
    return this.scratch;
  }

  /** Twice the room per state. */
  private growStates(): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(2 * a.length);
      b.set(a);
      return b;
    };
    this.sleeps = grow(this.sleeps);
    this.chunkOf = grow(this.chunkOf);
    this.offsetOf = grow(this.offsetOf);
    this.entriesOf = grow(this.entriesOf);
  }
}

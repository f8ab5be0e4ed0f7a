/**
 * Stateful DPOR's states keyed by what their future can tell apart: the
 * program state (vm/machine.ts programDigest: heap, threads, locks, the
 * other detectors) and, of KCSAN's happens-before knowledge, only the live
 * shadow entries that an access in the state's explored future could race
 * with: an entry of task t on location l counts when the future's summary
 * (./summary.ts) has an access to l by a thread other than t, a plain one for
 * a marked entry (two marked accesses never race). Every other entry is as
 * good as absent there: no later access can race with it.
 *
 * Why it is sound (docs/scheduler.md, "Stateful DPOR", data races). Two
 * executions that reach one program state differ in their futures only by
 * the races KCSAN reports between a prefix access and a future one (two
 * future accesses are ordered or not by the future's own synchronisation).
 * Such a race needs an entry of the prefix and a conflicting access to its
 * location by another task after the state; every KCSAN access of a step is
 * on one of the step's dependency keys, a plain one among its plain keys
 * (Deps.plain; a test checks it on random programs and every exercise), so
 * that access is in the summary of any explored future it occurs in.
 * Whether the access's clock covers the entry then depends only on which
 * clocks cover it at the state (detect/kcsan.ts liveEntries: its hash says
 * which). So a visit whose relevant entries hash alike to those of a state
 * explored before, with a sleep set covering that exploration's, meets the
 * same findings in the pruned future as were met there, and stopping it is
 * as sound as stateful DPOR's stop on equal digests (./state-cache.ts).
 *
 * The relevant entries depend on the future, known only once the state is
 * closed, so a key is made at the close (the summary then known) and a visit
 * tries, per state explored before with its program state, that state's
 * summary's projection of the visit's entries against its key. On the
 * model's 4-thread benchmark this keeps 897,770 states where all of KCSAN's
 * knowledge kept 2,541,815 (docs/performance-log.md, sixth session).
 */
import { LIVE_MARKED, type LiveEntries } from '../detect/kcsan-digest.js';
import { DigestTable } from '../state/digest-table.js';
import { type Digest, fmix } from '../state/hash.js';
import { type CachedState, type StateCache, boundedStateCache } from './state-cache.js';
import { PLAIN, type Summary, summaryWidth } from './summary.js';

/**
 * Per scheduler location id: the threads of the summary's accesses to it, and
 * of its plain ones (valid where `stamp` is `gen`).
 */
let stamp = new Int32Array(256);
let masks = new Int32Array(256);
let plainMasks = new Int32Array(256);
let gen = 0;

/**
 * Take the `count` entries of `width` ints in `summary` (packed:
 * `[key, positions...]`, sorted by key, ./summary.ts) as the future that
 * {@link project} projects onto: per location, the threads that access it,
 * and those that access it plainly (PLAIN entries). Returns a hash of those
 * (location, thread, plain) triples, which two summaries share when they
 * project alike (a summary and its union with one of the same triples,
 * whatever their other kinds and positions, among them).
 */
export function relevance(summary: ArrayLike<number>, count: number, width: number): number {
  if (++gen === 0x7fffffff) {
    stamp.fill(0);
    gen = 1;
  }
  let r = 0x5be0cd19;
  let prev = -1;
  for (let e = 0; e < count; e++) {
    const k = summary[e * width]!;
    const loc = Math.floor(k / 128);
    if (loc >= stamp.length) grow(loc);
    if (stamp[loc] !== gen) {
      stamp[loc] = gen;
      masks[loc] = 0;
      plainMasks[loc] = 0;
    }
    const p = (k % 128) >> 3;
    const plain = (k & 7) === PLAIN;
    if (plain) plainMasks[loc]! |= 1 << p;
    else masks[loc]! |= 1 << p;
    // (sorted by key: a (location, thread) pair's kinds are adjacent, PLAIN last)
    const pair = (loc * 16 + p) * 2 + (plain ? 1 : 0);
    if (pair !== prev) r = fmix(r ^ Math.imul(pair + 1, 0x9e3779b1));
    prev = pair;
  }
  return r | 0;
}

/**
 * The key of a state with program digest `program` and KCSAN live entries
 * `live` (locations as the scheduler's interned ids) for the future last
 * given to {@link relevance}: the program digest combined with the sum of
 * the hashes of the entries an access of that future by another thread
 * meets, a plain access for a marked entry (two marked accesses never
 * race). An order-free sum: the entries come in no fixed order. Lanes
 * signed, as the typed arrays that keep keys give them back.
 */
export function project(program: Digest, live: LiveEntries): Digest {
  let a = 0;
  let b = 0;
  const d = live.data;
  for (let i = 0; i < live.count; i++) {
    const loc = d[3 * i]!;
    if (loc >= stamp.length || stamp[loc] !== gen) continue;
    const t = d[3 * i + 1]!;
    const others = t & LIVE_MARKED ? plainMasks[loc]! : masks[loc]!;
    if ((others & ~(1 << (t & 0xffff))) !== 0) {
      const h = d[3 * i + 2]!;
      a = (a + fmix(h)) | 0;
      b = (b + fmix(h ^ 0x68e31da4)) | 0;
    }
  }
  return { h1: fmix(program.h1 ^ fmix(a ^ 0x3c6ef372)) | 0, h2: fmix(program.h2 ^ fmix(b ^ 0xa54ff53a)) | 0 };
}

function grow(loc: number): void {
  const size = Math.max(2 * stamp.length, loc + 1);
  const s = new Int32Array(size);
  s.set(stamp);
  stamp = s;
  const m = new Int32Array(size);
  m.set(masks);
  masks = m;
  const pm = new Int32Array(size);
  pm.set(plainMasks);
  plainMasks = pm;
}

/**
 * The states of a stateful DPOR exploration by projected key: per program
 * digest, the states closed with it (a linked list in typed arrays), each
 * with its key ({@link project}) and the hash of the (location, thread,
 * plain) set of its summary ({@link relevance}), which a visit tries in turn; their
 * sleep sets and summaries in a {@link StateCache}. A close with a key and a
 * set some state of its program digest has is merged into that state (the
 * union of the summaries has the same set, so the key stands); otherwise it
 * is a state of its own, under a StateCache key of its own.
 */
export class ProjectedStates {
  /** The closed states, by projected key (their sleep sets and summaries; the memory bound). */
  readonly states: StateCache;
  private readonly programs = new DigestTable(4096);
  /** Per program digest (its index): its newest state's link + 1, 0 for none. */
  private head = new Int32Array(4096);
  /** Per link (state): its key, its summary's (location, thread, plain) set's hash, and its program's next older link + 1. */
  private keyH1 = new Int32Array(4096);
  private keyH2 = new Int32Array(4096);
  private rel = new Int32Array(4096);
  private next = new Int32Array(4096);
  private links = 0;
  /** A key being tried (one object for every try). */
  private readonly key = { h1: 0, h2: 0 };
  /** One visit's projections by relevance hash (the few sets of one program digest's states). */
  private readonly triedRel: number[] = [];
  private readonly triedKey: Digest[] = [];

  /** For `n` threads, summaries of at most `bytes` (./state-cache.ts boundedStateCache). */
  constructor(
    private readonly n: number,
    bytes: number,
  ) {
    this.states = boundedStateCache(n, bytes);
  }

  /** States closed. */
  get size(): number {
    return this.links;
  }

  /**
   * A visit of a state (program digest, live entries) with sleep set `sleep`
   * (thread mask) at depth `depth`: the closed state that covers it, if any
   * (as StateCache.visit: its summary a view to read at once).
   */
  visit(program: Digest, live: LiveEntries, sleep: number, depth: number): CachedState | undefined {
    const g = this.programs.get(program);
    if (g < 0) return undefined;
    const w = summaryWidth(this.n);
    this.triedRel.length = 0;
    this.triedKey.length = 0;
    for (let l = this.head[g]! - 1; l >= 0; l = this.next[l]! - 1) {
      if (!this.states.covers(this.entryKey(l), sleep)) continue;
      // the visit's key for this state's (location, thread) set: made once per set
      let t = this.triedRel.indexOf(this.rel[l]!);
      if (t < 0) {
        const c = this.states.covering(this.entryKey(l), sleep, depth, false)!;
        relevance(c.summary, c.summary.length / w, w);
        t = this.triedRel.push(this.rel[l]!) - 1;
        this.triedKey.push(project(program, live));
      }
      const d = this.triedKey[t]!;
      // (visit decodes the summary again, and near the memory bound moves it to the newest arena)
      if (d.h1 === this.keyH1[l] && d.h2 === this.keyH2[l]) return this.states.visit(this.entryKey(l), sleep, depth);
    }
    return undefined;
  }

  /** A state closed with sleep set `sleep` and its explored future's `summary` (StateCache.close). */
  close(program: Digest, live: LiveEntries, sleep: number, summary: Summary, depth: number): void {
    const r = relevance(summary.raw(), summary.size, summaryWidth(this.n));
    const key = project(program, live);
    const known = this.programs.size;
    const g = this.programs.add(program);
    if (g === known && g === this.head.length) this.head = grown(this.head);
    for (let l = this.head[g]! - 1; l >= 0; l = this.next[l]! - 1) {
      if (this.rel[l] === r && this.keyH1[l] === key.h1 && this.keyH2[l] === key.h2) {
        this.states.close(this.entryKey(l), sleep, summary, depth);
        return;
      }
    }
    if (this.links === this.next.length) {
      this.keyH1 = grown(this.keyH1);
      this.keyH2 = grown(this.keyH2);
      this.rel = grown(this.rel);
      this.next = grown(this.next);
    }
    const l = this.links++;
    this.keyH1[l] = key.h1;
    this.keyH2[l] = key.h2;
    this.rel[l] = r;
    this.next[l] = this.head[g]!;
    this.head[g] = l + 1;
    this.states.close(this.entryKey(l), sleep, summary, depth);
  }

  /** The StateCache key of link `l`'s state: its key and its number (in one object for every call). */
  private entryKey(l: number): Digest {
    this.key.h1 = this.keyH1[l]! ^ Math.imul(l + 1, 0x9e3779b1);
    this.key.h2 = fmix(this.keyH2[l]! + l);
    return this.key;
  }
}

/** Twice the room. */
function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(2 * a.length);
  b.set(a);
  return b;
}

/** A copy of `live`'s entries (a path node keeps its state's until it closes). */
export function copyLive(live: LiveEntries): LiveEntries {
  return { data: live.data.slice(0, 3 * live.count), count: live.count };
}

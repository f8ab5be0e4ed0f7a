/**
 * KCSAN-style data-race detection by happens-before (vector clocks, as in
 * DJIT+/FastTrack: Flanagan and Freund, PLDI 2009; plain vector clocks suffice
 * for a handful of threads).
 *
 * A data race is two conflicting accesses to one location (at least one a
 * write) from different tasks, not ordered by happens-before, and not both
 * marked (READ_ONCE/WRITE_ONCE, atomics, refcount_t). This is the strict
 * LKMM definition: CONFIG_KCSAN_ASSUME_PLAIN_WRITES_ATOMIC is not assumed, so
 * a plain write racing a READ_ONCE is reported (it needs WRITE_ONCE).
 *
 * Happens-before comes from lock release/acquire, atomics and refcount
 * operations (release/acquire on the counter), xarray operations, wake-ups
 * (waker before the woken task's return from schedule), completions, and the
 * scenario's fork (setup before the threads) and join (threads before check).
 */
import type { Site } from '../state/state.js';
import { type Hash64, fmix, siteHash } from '../state/hash.js';
import type { Value } from '../state/values.js';
import { type VClock, copyClock, covers, increment, join, leqExcept, newClock } from '../state/vclock.js';
import { newGeneration } from '../state/state.js';
import type { ReportCtx } from './ctx.js';
import { type ChargeCtx, type Finding, finding, findingKey } from './finding.js';
import {
  clockRanks,
  coverScratch,
  endedScratch,
  insertSorted,
  rankOf,
  thresholdLengths,
  thresholdScratch,
  type KcsanIndex,
  KeyIds,
  LIVE_MARKED,
  type LiveEntries,
  pushLive,
} from './kcsan-digest.js';

/** A read since the last write of a location: task, its clock component, marked?, site. Never changed (but for its cached hash). */
interface ReadEntry {
  readonly tid: number;
  readonly c: number;
  readonly marked: boolean;
  readonly site: Site;
  readonly what: string;
  /** The digest's hash of the entry but for its epoch's rank (tid, marked, site), computed on first use; -1 until then (an entry whose hash is -1 computes it at each use). */
  hb: number;
}

/** An atomic addition since the last write (marked, commutative): task, its clock component, site. Never changed (but for its cached hash). */
interface AddEntry {
  readonly tid: number;
  readonly c: number;
  readonly site: Site;
  readonly what: string;
  /** As {@link ReadEntry.hb}. */
  hb: number;
}

/** The last write of a location: task, its clock component, marked?, site, value written. Never changed (but for its cached hash). */
interface WriteEntry {
  readonly tid: number;
  readonly c: number;
  readonly marked: boolean;
  readonly site: Site;
  readonly what: string;
  readonly value: Value;
  /** As {@link ReadEntry.hb}. */
  hb: number;
}

/**
 * A location's shadow memory. Copy on write: only the detector whose
 * {@link Kcsan.gen} it carries changes it in place; another one sharing it
 * (a checkpoint's copy) replaces it with a copy first ({@link Kcsan.own}).
 */
interface Shadow {
  /** The location's index in {@link KcsanIndex.locs}. */
  readonly id: number;
  w: WriteEntry | null;
  /** Reads since the last write, at most one per task, in the order the tasks first read (a Map's order). */
  r: ReadEntry[];
  /**
   * Atomic additions (atomic_inc, ...: marked, commutative) since the last
   * write, at most one per task: kept beside the last write rather than
   * replacing it, so that the shadow is the same whichever order two
   * additions ran in (DPOR explores one order of them only).
   */
  a: AddEntry[];
  gen: number;
}

export class Kcsan {
  /** Per task, its clock: changed in place only while `vcOwned[t]` (else copied first: clones share them). */
  private vc: VClock[];
  private vcOwned: boolean[];
  /** Ids of locations and sync objects, shared with clones. */
  private readonly index: KcsanIndex;
  /**
   * Per sync object (lock, counter, queue) by id, its clock (undefined: no
   * release yet). Never changed in place (a release replaces it): shared by clones.
   */
  private sync: (VClock | undefined)[];
  /** Shadow memory by location id (undefined: no access yet); the entries are copy on write ({@link Shadow.gen}). */
  private shadow: (Shadow | undefined)[];
  /** This detector's copy-on-write generation: the shadow entries it may change in place carry it. */
  private gen = newGeneration();
  /**
   * Ids of the locations whose shadow may hold a live entry (one some
   * scenario thread's clock does not cover yet), each once (`isActive`):
   * every access adds its location, and a digest drops those it finds
   * without one (clocks only grow and the set of returned threads only
   * grows, so such a shadow stays dead until the next access). Each
   * detector has its own (a clone copies them).
   */
  private active: number[];
  private isActive: boolean[];

  /**
   * `show` renders a value for the "value changed" line; it runs only when
   * a race is reported, so accesses stay cheap.
   */
  constructor(
    private readonly nthreads: number,
    private readonly reported: Set<string>,
    private readonly show: (v: Value) => string = String,
    from?: Kcsan,
    index?: KcsanIndex,
  ) {
    if (from) {
      this.index = from.index;
      this.vc = from.vc.slice();
      this.vcOwned = new Array<boolean>(nthreads).fill(false);
      this.sync = from.sync.slice();
      this.shadow = from.shadow.slice();
      this.active = from.active.slice();
      this.isActive = from.isActive.slice();
      return;
    }
    this.index = index ?? { locs: new KeyIds(), syncs: new KeyIds() };
    this.sync = [];
    this.shadow = [];
    this.active = [];
    this.isActive = [];
    this.vc = Array.from({ length: nthreads }, (_, t) => {
      const v = newClock(nthreads);
      increment(v, t);
      return v;
    });
    this.vcOwned = new Array<boolean>(nthreads).fill(true);
  }

  /**
   * A detector in the initial state (every clock its own), with this one's
   * ids of locations and sync objects, so that an id names one key for a
   * whole exploration (../sched/projection.ts keeps them).
   */
  fresh(): Kcsan {
    return new Kcsan(this.nthreads, this.reported, this.show, undefined, this.index);
  }

  /**
   * A copy with the same clocks and shadow memory, sharing the reported set
   * (the explorer's checkpoints: vm/machine.ts snapshot). Nothing is copied
   * but three short arrays: the clocks and shadow entries are shared, copy on write
   * (both this detector and the copy copy one before changing it), and the
   * entries' reads and writes and the sync objects' clocks are never changed.
   */
  clone(): Kcsan {
    const c = new Kcsan(this.nthreads, this.reported, this.show, this);
    this.vcOwned.fill(false);
    this.gen = newGeneration();
    return c;
  }

  /**
   * The whole detector state as plain data: every task's clock, every sync
   * object's clock by key and every location's shadow by key, each sorted by
   * key (tests: a clone restored after the original went on equals a replay).
   */
  snapshot(): {
    clocks: number[][];
    sync: [string, number[]][];
    shadow: [string, { w: Omit<WriteEntry, 'hb'> | null; r: Omit<ReadEntry, 'hb'>[]; a: Omit<AddEntry, 'hb'>[] }][];
  } {
    const byKey = <T>(a: [string, T][]) => a.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const sync: [string, number[]][] = [];
    this.sync.forEach((c, i) => {
      if (c) sync.push([this.index.syncs.keys[i]!, [...c]]);
    });
    const shadow: [
      string,
      { w: Omit<WriteEntry, 'hb'> | null; r: Omit<ReadEntry, 'hb'>[]; a: Omit<AddEntry, 'hb'>[] },
    ][] = [];
    // without the cached hashes, which depend on whether a digest was taken
    const plain = <T extends { hb: number }>({ hb: _, ...e }: T): Omit<T, 'hb'> => e;
    for (const sh of this.shadow)
      if (sh)
        shadow.push([
          this.index.locs.keys[sh.id]!,
          { w: sh.w && plain(sh.w), r: sh.r.map((e) => plain(e)), a: sh.a.map((e) => plain(e)) },
        ]);
    return { clocks: this.vc.map((c) => [...c]), sync: byKey(sync), shadow: byKey(shadow) };
  }

  /** Task `tid`'s clock, to be changed in place (copied first when a clone shares it). */
  private ownClock(tid: number): VClock {
    if (this.vcOwned[tid]) return this.vc[tid]!;
    const v = copyClock(this.vc[tid]!);
    this.vc[tid] = v;
    this.vcOwned[tid] = true;
    return v;
  }

  /**
   * Add the detector state to a state digest (state/hash.ts), up to what the
   * detector's future depends on, so that paths differing only in
   * happens-before history nobody can observe any more reach one digest.
   *
   * A shadow entry (task u, epoch c) can only race with a later access by a
   * task whose clock does not cover it. Clocks only grow, so an entry that
   * every other scenario thread already covers can never race again: it is
   * left out (the setup/check task, the last clock, runs `check` only after
   * joining every clock, so its own clock is not asked). For the entries
   * left (the live ones), what decides every later race check is, per
   * thread u, which of the live epochs of u each clock covers, and how each
   * relates to u's own current epoch (the epoch of u's next access). So
   * each clock component is replaced by its rank among those thresholds (the
   * number of them it reaches): an order-preserving renaming, which joins,
   * increments and `covers` all respect (a thread's own component is the
   * largest of its component everywhere, and grows past all of them). A
   * sync object whose clock covers no threshold is as good as absent. The
   * entry's site is in too: a race's finding key names it.
   *
   * `threads`: the VM's threads by tid (only `done` is read). A scenario
   * thread that has returned accesses nothing more and reaches `check` only
   * through its join of every clock: it covers nothing, its clock is left
   * out and its own epoch is no threshold (the VM state, in the digest too,
   * says which threads have returned).
   */
  hashInto(h: Hash64, threads: readonly { done: boolean }[]): void {
    const workers = this.nthreads - 1;
    const vc = this.vc;
    // (scratch arrays with counts of their own, written by index: no array is truncated per digest, which V8
    // does in a runtime call; they may keep the last digest's entries until the next)
    const ended = endedScratch;
    for (let u = 0; u < workers; u++) ended[u] = threads[u]!.done;
    // per component u: the thresholds (u's own epoch while u runs, then u's live epochs), kept sorted and unique
    // in th[u][0 .. thLen[u])
    const th = thresholdScratch(workers);
    const thLen = thresholdLengths(workers);
    for (let u = 0; u < workers; u++) {
      if (ended[u]) thLen[u] = 0;
      else {
        th[u]![0] = vc[u]![u]!;
        thLen[u] = 1;
      }
    }
    // an entry (task t, epoch c) can still race when c > cover[t], the least component t of the clocks of the
    // other scenario threads still running (none: 2^31 - 1, nothing is live); worked out once per digest
    const cover = coverScratch(workers);
    for (let t = 0; t < workers; t++) {
      let m = 0x7fffffff;
      for (let u = 0; u < workers; u++) if (u !== t && !ended[u] && vc[u]![t]! < m) m = vc[u]![t]!;
      cover[t] = m;
    }
    // the live entries, each found once: per live shadow its write (or null) and its reads and additions
    // (liveEnd[2i], liveEnd[2i + 1]: the ends of shadow i's reads and additions in liveE)
    const { liveSh, liveW, liveE, liveEnd } = liveScratch;
    let nLive = 0;
    let nE = 0;
    const act = this.active;
    let kept = 0;
    for (let i = 0; i < act.length; i++) {
      const id = act[i]!;
      const sh = this.shadow[id]!;
      let any = false;
      let w = sh.w;
      if (w && w.tid < workers && w.c > cover[w.tid]!) {
        thLen[w.tid] = insertSorted(th[w.tid]!, thLen[w.tid]!, w.c);
        any = true;
      } else w = null;
      const e0 = nE;
      const rs = sh.r;
      for (let k = 0; k < rs.length; k++) {
        const r = rs[k]!;
        if (r.tid < workers && r.c > cover[r.tid]!) {
          thLen[r.tid] = insertSorted(th[r.tid]!, thLen[r.tid]!, r.c);
          liveE[nE++] = r;
        }
      }
      const e1 = nE;
      const as = sh.a;
      for (let k = 0; k < as.length; k++) {
        const e = as[k]!;
        if (e.tid < workers && e.c > cover[e.tid]!) {
          thLen[e.tid] = insertSorted(th[e.tid]!, thLen[e.tid]!, e.c);
          liveE[nE++] = e;
        }
      }
      if (any || nE > e0) {
        liveSh[nLive] = sh;
        liveW[nLive] = w;
        liveEnd[2 * nLive] = e1;
        liveEnd[2 * nLive + 1] = nE;
        nLive++;
        act[kept++] = id;
      } else this.isActive[id] = false;
    }
    if (kept !== act.length) act.length = kept;
    // an ended thread's clock decides nothing any more (it accesses nothing; check joins every clock)
    for (let u = 0; u < workers; u++) h.seq(ended[u] ? 0x6a09e667 : clockRanks(vc[u]!, th, thLen, workers));
    let a = 0;
    let b = 0;
    const sync = this.sync;
    const syncHash = this.index.syncs.hashes;
    const locHash = this.index.locs.hashes;
    for (let i = 0; i < sync.length; i++) {
      const c = sync[i];
      if (!c) continue;
      const ch = clockRanks(c, th, thLen, workers);
      if (ch === 0) continue;
      const x = fmix(syncHash[i]! ^ ch);
      a = (a + x) | 0;
      b = (b + fmix(x ^ 0x1b873593)) | 0;
    }
    h.seq(fmix(a)).seq(fmix(b));
    a = 0;
    b = 0;
    let from = 0;
    for (let i = 0; i < nLive; i++) {
      let x = locHash[liveSh[i]!.id]!;
      const w = liveW[i];
      if (w) {
        x = fmix(x ^ writeHb(w) ^ Math.imul(rankOf(th[w.tid]!, thLen[w.tid]!, w.c) + 7, 0x165667b1));
      } else x = fmix(x ^ 0x2545f491);
      let r = 0;
      const mid = liveEnd[2 * i]!;
      const to = liveEnd[2 * i + 1]!;
      for (let k = from; k < mid; k++) {
        const e = liveE[k] as ReadEntry;
        r = (r + fmix(readHb(e) ^ Math.imul(rankOf(th[e.tid]!, thLen[e.tid]!, e.c) + 3, 0xc2b2ae35))) | 0;
      }
      for (let k = mid; k < to; k++) {
        const e = liveE[k] as AddEntry;
        r = (r + fmix(addHb(e) ^ Math.imul(rankOf(th[e.tid]!, thLen[e.tid]!, e.c) + 5, 0x7feb352d))) | 0;
      }
      from = to;
      x = fmix(x ^ r);
      a = (a + x) | 0;
      b = (b + fmix(x ^ 0x68e31da4)) | 0;
    }
    h.seq(fmix(a)).seq(fmix(b));
  }

  /**
   * KCSAN's knowledge entry by entry, for stateful DPOR's state key, which
   * keeps only the entries a state's future can meet (../sched/projection.ts):
   * each live shadow entry (as {@link hashInto} finds them) as its location's
   * id ({@link locKey}), its task (with LIVE_MARKED for a marked entry,
   * which only a plain access can race with), and a hash of all that every later race
   * check with it depends on: its location, task, kind, marking and site, and
   * which clocks cover it now: the scenario threads still running (a mask)
   * and the sync objects (their keys' hashes, summed). Two states whose entry
   * hashes agree meet it alike in any common future: a clock covers it later
   * exactly when one that covers it now has flowed into it, as clocks change
   * only by joins and by a task's increment of its own component after a
   * release, past every other clock's. ({@link hashInto}'s ranks carry the
   * same coverage per clock, which cannot be split by location.) Writes
   * `out.count` triples `[loc, tid, hash]` into `out.data` (grown when short).
   */
  liveEntries(threads: readonly { done: boolean }[], out: LiveEntries): void {
    const workers = this.nthreads - 1;
    const vc = this.vc;
    let running = 0;
    for (let u = 0; u < workers; u++) if (!threads[u]!.done) running |= 1 << u;
    // as in hashInto: an entry of task t is live when some other running thread's clock does not cover it
    const cover = coverScratch(workers);
    for (let t = 0; t < workers; t++) {
      let m = 0x7fffffff;
      for (let u = 0; u < workers; u++) if (u !== t && (running >> u) & 1 && vc[u]![t]! < m) m = vc[u]![t]!;
      cover[t] = m;
    }
    const syncs = syncScratch;
    let ns = 0;
    for (let i = 0; i < this.sync.length; i++) if (this.sync[i]) syncs[ns++] = i;
    // an epoch's covering hash, memoised per call (the model's 3-thread benchmark: 12 distinct epochs of 33 a call)
    if (++memo.gen === 0x7fffffff) {
      memo.stamp.fill(0);
      memo.gen = 1;
    }
    const covering = (t: number, c: number): number => {
      const slot = (Math.imul(c, 0x9e3779b1) + t) & (MEMO_SLOTS - 1);
      if (memo.stamp[slot] === memo.gen && memo.t[slot] === t && memo.c[slot] === c) return memo.v[slot]!;
      let mask = 0;
      for (let u = 0; u < workers; u++) if (u !== t && (running >> u) & 1 && vc[u]![t]! >= c) mask |= 1 << u;
      let sum = 0;
      for (let k = 0; k < ns; k++) {
        const y = syncs[k]!;
        if (this.sync[y]![t]! >= c) sum = (sum + this.index.syncs.hashes[y]!) | 0;
      }
      const v = fmix(Math.imul(mask + 1, 0x2c1b3c6d) ^ fmix(sum ^ 0x6a09e667));
      memo.stamp[slot] = memo.gen;
      memo.t[slot] = t;
      memo.c[slot] = c;
      memo.v[slot] = v;
      return v;
    };
    out.count = 0;
    const act = this.active;
    const locHash = this.index.locs.hashes;
    let kept = 0;
    for (let i = 0; i < act.length; i++) {
      const id = act[i]!;
      const sh = this.shadow[id]!;
      const from = out.count;
      const x = locHash[id]!;
      const w = sh.w;
      if (w && w.tid < workers && w.c > cover[w.tid]!)
        pushLive(out, id, w.tid | (w.marked ? LIVE_MARKED : 0), fmix(x ^ writeHb(w) ^ covering(w.tid, w.c)));
      for (const e of sh.r)
        if (e.tid < workers && e.c > cover[e.tid]!)
          pushLive(out, id, e.tid | (e.marked ? LIVE_MARKED : 0), fmix(x ^ readHb(e) ^ covering(e.tid, e.c)));
      for (const e of sh.a)
        if (e.tid < workers && e.c > cover[e.tid]!)
          pushLive(out, id, e.tid | LIVE_MARKED, fmix(x ^ addHb(e) ^ covering(e.tid, e.c)));
      // a location with no live entry stays dead until its next access (hashInto)
      if (out.count > from) act[kept++] = id;
      else this.isActive[id] = false;
    }
    if (kept !== act.length) act.length = kept;
  }

  /** The key of the location whose id {@link liveEntries} gave. */
  locKey(id: number): string {
    return this.index.locs.keys[id]!;
  }

  /** Release: publish this task's clock on a sync object (lock, counter, queue). */
  release(tid: number, key: string): void {
    const v = this.vc[tid]!;
    const id = this.syncId(key);
    const s = this.sync[id];
    // a new clock, not the old one joined in place: clones share the old one
    const n = copyClock(v);
    if (s) join(n, s);
    this.sync[id] = n;
    increment(this.ownClock(tid), tid);
  }

  /** Task `tid`'s clock (not a copy: read it, do not keep it). */
  clock(tid: number): VClock {
    return this.vc[tid]!;
  }

  /** Acquire: join a sync object's clock into this task's clock. */
  acquire(tid: number, key: string): void {
    const id = this.index.syncs.get(key);
    if (id === undefined) return;
    const s = this.sync[id];
    if (!s) return;
    if (!this.vcOwned[tid] && leqExcept(s, this.vc[tid]!, -1)) return;
    join(this.ownClock(tid), s);
  }

  /** Acquire and release (an atomic read-modify-write). */
  rmw(tid: number, key: string): void {
    this.acquire(tid, key);
    this.release(tid, key);
  }

  /** Join every thread's clock into `tid` (the check phase runs after all threads). */
  joinAll(tid: number): void {
    const v = this.ownClock(tid);
    for (const o of this.vc) join(v, o);
  }

  /**
   * Check one access; returns the data-race findings of the unordered
   * conflicting accesses it meets (the last write, and for a write the reads
   * since) whose pair of code sites was not reported before in the
   * exploration (undefined when there is none). Every such pair is checked,
   * whatever an earlier one gave, so that a pair is reported at the first
   * access that meets it in any run, a replay of that execution's prefix
   * included.
   */
  access(
    tid: number,
    loc: string,
    write: boolean,
    marked: boolean,
    site: Site,
    what: string,
    value: Value,
    ctx: ChargeCtx & Pick<ReportCtx, 'records'>,
  ): Finding[] | undefined {
    if (tid >= this.nthreads) return undefined;
    let sh = this.shadowOf(loc);
    const v = this.vc[tid]!;
    let found = this.lastWriteRace(sh, tid, v, marked, site, what, write, value, ctx);
    // the additions since the last write are marked writes: they race with plain accesses only
    if (!marked)
      for (const e of sh.a) {
        if (e.tid !== tid && !covers(v, e.tid, e.c)) {
          const f = this.report(ctx, e.site, e.what, true, site, what, write, null);
          if (f) (found ??= []).push(f);
        }
      }
    if (write) {
      found = this.readsRace(sh, tid, v, marked, site, what, ctx, found);
      if (sh.gen === this.gen) {
        sh.r.length = 0;
        sh.a.length = 0;
      } else this.shadow[sh.id] = sh = { id: sh.id, w: null, r: [], a: [], gen: this.gen };
      sh.w = { tid, c: v[tid]!, marked, site, what, value, hb: -1 };
    } else {
      sh = this.own(sh);
      perTask(sh.r, { tid, c: v[tid]!, marked, site, what, hb: -1 });
    }
    return found;
  }

  /**
   * Check an atomic addition that returns nothing (atomic_inc, atomic_add,
   * ...): a marked write that races with unordered plain accesses (the last
   * write, the reads since), recorded beside them rather than replacing them
   * (Shadow.a), as additions commute. Returns the new findings, as
   * {@link access}.
   */
  add(
    tid: number,
    loc: string,
    site: Site,
    what: string,
    value: Value,
    ctx: ChargeCtx & Pick<ReportCtx, 'records'>,
  ): Finding[] | undefined {
    if (tid >= this.nthreads) return undefined;
    let sh = this.shadowOf(loc);
    const v = this.vc[tid]!;
    let found = this.lastWriteRace(sh, tid, v, true, site, what, true, value, ctx);
    found = this.readsRace(sh, tid, v, true, site, what, ctx, found);
    sh = this.own(sh);
    perTask(sh.a, { tid, c: v[tid]!, site, what, hb: -1 });
    return found;
  }

  /** The race of an access by `tid` with the last write, if unordered and not both marked (a new list, or undefined). */
  private lastWriteRace(
    sh: Shadow,
    tid: number,
    v: VClock,
    marked: boolean,
    site: Site,
    what: string,
    write: boolean,
    value: Value,
    ctx: ChargeCtx & Pick<ReportCtx, 'records'>,
  ): Finding[] | undefined {
    const w = sh.w;
    if (!w || w.tid === tid || covers(v, w.tid, w.c) || (w.marked && marked)) return undefined;
    const f = this.report(ctx, w.site, w.what, true, site, what, write, [w.value, value]);
    return f ? [f] : undefined;
  }

  /** The shadow entry of `loc` (a new location's made on first use, with an id shared by every clone). */
  private shadowOf(loc: string): Shadow {
    const id = this.index.locs.id(loc);
    if (!this.isActive[id]) {
      this.isActive[id] = true;
      this.active.push(id);
    }
    let sh = this.shadow[id];
    if (!sh) this.shadow[id] = sh = { id, w: null, r: [], a: [], gen: this.gen };
    return sh;
  }

  /** The races of a write (marked or not) by `tid` with the reads since the last write, appended to `found`. */
  private readsRace(
    sh: Shadow,
    tid: number,
    v: VClock,
    marked: boolean,
    site: Site,
    what: string,
    ctx: ChargeCtx & Pick<ReportCtx, 'records'>,
    found: Finding[] | undefined,
  ): Finding[] | undefined {
    for (const r of sh.r) {
      if (r.tid !== tid && !covers(v, r.tid, r.c) && !(r.marked && marked)) {
        const f = this.report(ctx, r.site, r.what, false, site, what, true, null);
        if (f) (found ??= []).push(f);
      }
    }
    return found;
  }

  /** Shadow entry `sh`, to be changed in place: a copy put in its place when a clone shares it. */
  private own(sh: Shadow): Shadow {
    if (sh.gen === this.gen) return sh;
    const c: Shadow = { id: sh.id, w: sh.w, r: sh.r.slice(), a: sh.a.slice(), gen: this.gen };
    this.shadow[sh.id] = c;
    return c;
  }

  /** The id of sync object `key` (a new one the first time any clone meets it). */
  private syncId(key: string): number {
    return this.index.syncs.id(key);
  }

  /**
   * The finding for a race between access a and access b (with the written
   * value's change, when a is the write before b): undefined when the pair of
   * sites was reported before; null when it is new but the run records no
   * finding with its key (it is not built, and counts as reported).
   */
  private report(
    ctx: ChargeCtx & Pick<ReportCtx, 'records'>,
    a: Site,
    aWhat: string,
    aWrite: boolean,
    b: Site,
    bWhat: string,
    bWrite: boolean,
    change: readonly [from: Value, to: Value] | null,
  ): Finding | null | undefined {
    const fa = a.stack[0];
    const fb = b.stack[0];
    const siteA = fa ? `${fa.file}:${fa.line}:${fa.column}` : '?';
    const siteB = fb ? `${fb.file}:${fb.line}:${fb.column}` : '?';
    const pair = siteA <= siteB ? `${siteA}|${siteB}` : `${siteB}|${siteA}`;
    if (this.reported.has(pair)) return undefined;
    this.reported.add(pair);
    // a run that looks for one finding records no other: build none (the pair counts as reported all the same)
    if (ctx.records && !ctx.records(findingKey('data-race', [pair]))) return null;
    const fnA = fa?.fn ?? '?';
    const fnB = fb?.fn ?? '?';
    const details = [
      '',
      `${aWrite ? 'write' : 'read'} to ${aWhat} by task ${a.task}:`,
      ...a.stack.map((f) => ` ${f.fn}+0x0/0x0 (${f.file}:${f.line})`),
      '',
      `${bWrite ? 'write' : 'read'} to ${bWhat} by task ${b.task}:`,
      ...b.stack.map((f) => ` ${f.fn}+0x0/0x0 (${f.file}:${f.line})`),
    ];
    if (change && aWrite) details.push('', `value changed: ${this.show(change[0])} -> ${this.show(change[1])}`);
    const acc = (what: string, write: boolean) => `${write ? 'write' : 'read'} to ${what}`;
    return finding(ctx, 'data-race', `BUG: KCSAN: data-race in ${fnA} / ${fnB}`, {
      sites: [
        [acc(aWhat, aWrite), a],
        [acc(bWhat, bWrite), b],
      ],
      details,
      key: [pair],
    });
  }
}

/** Put `e` in a list of at most one entry per task: in place of the task's entry, or at the end. */
function perTask<T extends { readonly tid: number }>(list: T[], e: T): void {
  let i = 0;
  while (i < list.length && list[i]!.tid !== e.tid) i++;
  list[i] = e;
}

/** hashInto's live entries (reused by every digest: hashInto runs to completion; counts are its own). */
const liveScratch = {
  liveSh: [] as Shadow[],
  liveW: [] as (WriteEntry | null)[],
  liveE: [] as (ReadEntry | AddEntry)[],
  liveEnd: [] as number[],
};

/** An entry's hash but for its epoch (task, kind, marking, site), cached in the entry. */
function writeHb(w: WriteEntry): number {
  if (w.hb === -1) w.hb = fmix(Math.imul(w.tid + 1, 0x27d4eb2f) ^ (w.marked ? 0x5bd1e995 : 0) ^ siteHash(w.site));
  return w.hb;
}
function readHb(e: ReadEntry): number {
  if (e.hb === -1) e.hb = fmix(Math.imul(e.tid + 1, 0x85ebca6b) ^ (e.marked ? 1 : 0) ^ siteHash(e.site));
  return e.hb;
}
function addHb(e: AddEntry): number {
  if (e.hb === -1) e.hb = fmix(Math.imul(e.tid + 1, 0x9e3779b1) ^ siteHash(e.site));
  return e.hb;
}

/** liveEntries' sync objects with a clock (it runs to completion). */
const syncScratch: number[] = [];

/** liveEntries' memo of covering hashes: per slot (of a power of two; a collision recomputes) an epoch (task `t`,
 * counter `c`) and its hash `v`, valid where `stamp` is `gen`. */
const MEMO_SLOTS = 64;
const memo = {
  gen: 0,
  stamp: new Int32Array(MEMO_SLOTS),
  t: new Int32Array(MEMO_SLOTS),
  c: new Int32Array(MEMO_SLOTS),
  v: new Int32Array(MEMO_SLOTS),
};

/**
 * The last accesses of a sequence of events as it is read event by event
 * (DPOR's race detection, ./dpor.ts; happens-before clocks, ./prefix-clocks.ts;
 * the races with a cached state's future, ./summary-races.ts): per location the
 * last write and the reads and additions since it, per lock the last
 * exclusive acquisition and the shared ones since, per thread its last event,
 * and the last global event.
 *
 * Kept for a sequence that grows and is cut back to a prefix, as DPOR's
 * executions are (each shares a prefix with the one before it): every change
 * to the per-location and per-thread arrays is written on a trail (old value
 * and where), and {@link truncate} undoes the trail back to the mark of the
 * first event it forgets (the trail of a WAM-style backtracking machine:
 * D. H. D. Warren, "An Abstract Prolog Instruction Set", SRI 1983). So an
 * execution costs its new events, not its length.
 *
 * Lists ("the reads since the last write") are linked lists in typed arrays,
 * in the order the events came (a reader sees them oldest first), all in one
 * pool of entries allocated in sequence: the entries of forgotten events are
 * the pool's tail, dropped by resetting its length.
 */
import type { Event } from './events.js';

/** Per-location arrays (ids into {@link LastAccesses}' table `arrs`). */
const LAST_WRITE = 0;
const READ_HEAD = 1;
/** The lists {@link LastAccesses.firstEntry} walks: the reads, or the additions, since the last write. */
export const READS = 1;
export const ADDS = 3;
const READ_TAIL = 2;
const ADD_HEAD = 3;
const ADD_TAIL = 4;
const LAST_ACQ = 5;
const SHARED_HEAD = 6;
const SHARED_TAIL = 7;
const PER_LOC = 8;
/** The pool's `next` links, the per-thread last events, and the scalars (entries used, last global). */
const NEXT = 8;
const LAST_OF = 9;
const SCALARS = 10;
const ARRAYS = 11;
/** Scalars: entries of the pool in use; the last global event. */
const USED = 0;
const GLOBAL = 1;

export class LastAccesses {
  /** The trailed arrays by id (per location, the pool's links, per thread, scalars), grown as needed. */
  private readonly arrs: Int32Array[] = [];
  /** The pool's entries: the event of each (never changed once written: not trailed). */
  private entryEv = new Int32Array(64);
  /** The trail: (array id, index, old value) triples. */
  private trail = new Int32Array(768);
  private top = 0;
  /** Per event j recorded: the trail's top before it (so truncate(j) undoes from there). */
  private mark = new Int32Array(64);
  /** Per event: its 1-based index among its thread's events, and its thread's previous event (-1: none). */
  private idxOf = new Int32Array(64);
  private prevOf = new Int32Array(64);
  private recorded = 0;

  /** Events recorded (a prefix of the sequence). */
  get length(): number {
    return this.recorded;
  }

  /** A record of a sequence of `nthreads` threads' events. */
  constructor(nthreads: number) {
    for (let a = 0; a < ARRAYS; a++) this.arrs.push(new Int32Array(a === NEXT ? 64 : a < PER_LOC ? 16 : 0).fill(-1));
    this.arrs[LAST_OF] = new Int32Array(nthreads).fill(-1);
    this.arrs[SCALARS] = Int32Array.of(0, -1);
  }

  /** The last global event (-1: none). */
  get global(): number {
    return this.arrs[SCALARS]![GLOBAL]!;
  }

  /** The last write of location `loc` (-1: none). */
  lastWrite(loc: number): number {
    return this.atLoc(LAST_WRITE, loc);
  }

  /** Thread `t`'s last event (-1: none). */
  lastOf(t: number): number {
    return this.arrs[LAST_OF]![t]!;
  }

  /** Event `j`'s 1-based index among its thread's events (j recorded). */
  idx(j: number): number {
    return this.idxOf[j]!;
  }

  /** Event `j`'s program-order predecessor (-1: its thread's first). */
  prev(j: number): number {
    return this.prevOf[j]!;
  }

  /** The per-thread indexes of the events recorded, as an array (valid until the next record or truncate). */
  indexes(): Int32Array {
    return this.idxOf;
  }

  /** Push the reads of `loc` since its last write onto `out`, oldest first. */
  readsSince(loc: number, out: number[]): void {
    this.list(READ_HEAD, loc, out);
  }

  /** Push the additions to `loc` since its last write onto `out`, oldest first. */
  addsSince(loc: number, out: number[]): void {
    this.list(ADD_HEAD, loc, out);
  }

  /**
   * The acquisitions an acquisition of `lock` races with: the last exclusive
   * one, and for an exclusive one the shared ones since (pushed onto `out`).
   */
  acquisitions(lock: number, shared: boolean, out: number[]): void {
    const a = this.arrs[LAST_ACQ]!;
    if (lock < a.length && a[lock]! >= 0) out.push(a[lock]!);
    if (!shared) this.list(SHARED_HEAD, lock, out);
  }

  /**
   * The first entry of a list of `loc` (`list`: {@link READS}, {@link ADDS}),
   * -1 when empty; walk on with {@link nextEntry}, read with {@link entryEvent}
   * (for loops that must not allocate).
   */
  firstEntry(list: typeof READS | typeof ADDS, loc: number): number {
    return this.atLoc(list, loc);
  }

  /** Per-location array `a`'s entry for `loc` (-1 for a location never met). */
  private atLoc(a: number, loc: number): number {
    const arr = this.arrs[a]!;
    return loc < arr.length ? arr[loc]! : -1;
  }

  /** The entry after `q` in its list (-1: none). */
  nextEntry(q: number): number {
    return this.arrs[NEXT]![q]!;
  }

  /** The event of entry `q`. */
  entryEvent(q: number): number {
    return this.entryEv[q]!;
  }

  private list(head: number, loc: number, out: number[]): void {
    const h = this.arrs[head]!;
    if (loc >= h.length) return;
    const next = this.arrs[NEXT]!;
    for (let q = h[loc]!; q >= 0; q = next[q]!) out.push(this.entryEv[q]!);
  }

  /** Event `j` of the sequence, `e`, comes next (`j` must be {@link length}). */
  record(j: number, e: Event): void {
    if (j !== this.recorded) throw new Error(`teardown: LastAccesses.record(${j}) after ${this.recorded} events`);
    this.room(j + 2);
    this.mark[j] = this.top;
    const lastOf = this.arrs[LAST_OF]!;
    const p = lastOf[e.tid]!;
    this.prevOf[j] = p;
    this.idxOf[j] = p >= 0 ? this.idxOf[p]! + 1 : 1;
    this.set(LAST_OF, e.tid, j);
    for (const r of e.reads) this.append(READ_HEAD, READ_TAIL, r, j);
    for (const x of e.adds) this.append(ADD_HEAD, ADD_TAIL, x, j);
    for (const w of e.writes) {
      this.ensureLoc(w);
      this.set(LAST_WRITE, w, j);
      this.set(READ_HEAD, w, -1);
      this.set(READ_TAIL, w, -1);
      this.set(ADD_HEAD, w, -1);
      this.set(ADD_TAIL, w, -1);
    }
    if (e.acq >= 0) {
      if (e.acqShared) this.append(SHARED_HEAD, SHARED_TAIL, e.acq, j);
      else {
        this.ensureLoc(e.acq);
        this.set(LAST_ACQ, e.acq, j);
        this.set(SHARED_HEAD, e.acq, -1);
        this.set(SHARED_TAIL, e.acq, -1);
      }
    }
    if (e.global) this.set(SCALARS, GLOBAL, j);
    this.recorded = j + 1;
  }

  /** Forget events `k` and after (the state is then the one after events 0..k-1). */
  truncate(k: number): void {
    if (k >= this.recorded) return;
    const to = this.mark[k]!;
    const trail = this.trail;
    const arrs = this.arrs;
    for (let t = this.top; t > to; ) {
      t -= 3;
      arrs[trail[t]!]![trail[t + 1]!] = trail[t + 2]!;
    }
    this.top = to;
    this.recorded = k;
  }

  /** Append event `j` to the list `head`/`tail` of `loc`. */
  private append(head: number, tail: number, loc: number, j: number): void {
    this.ensureLoc(loc);
    const s = this.arrs[SCALARS]!;
    const q = s[USED]!;
    if (q >= this.entryEv.length) {
      this.entryEv = grow(this.entryEv, q + 1, 0);
      this.arrs[NEXT] = grow(this.arrs[NEXT]!, q + 1, -1);
    }
    this.entryEv[q] = j;
    this.arrs[NEXT]![q] = -1;
    this.set(SCALARS, USED, q + 1);
    const t = this.arrs[tail]![loc]!;
    if (t >= 0) this.set(NEXT, t, q);
    else this.set(head, loc, q);
    this.set(tail, loc, q);
  }

  /** arrs[a][i] := v, on the trail. */
  private set(a: number, i: number, v: number): void {
    const arr = this.arrs[a]!;
    const old = arr[i]!;
    if (old === v) return;
    let t = this.top;
    if (t + 3 > this.trail.length) this.trail = grow(this.trail, t + 3, 0);
    const trail = this.trail;
    trail[t++] = a;
    trail[t++] = i;
    trail[t++] = old;
    this.top = t;
    arr[i] = v;
  }

  /** The per-location arrays hold `loc`. */
  private ensureLoc(loc: number): void {
    if (loc < this.arrs[LAST_WRITE]!.length) return;
    for (let a = 0; a < PER_LOC; a++) this.arrs[a] = grow(this.arrs[a]!, loc + 1, -1);
  }

  /** The per-event arrays hold `size` events. */
  private room(size: number): void {
    if (size <= this.mark.length) return;
    this.mark = grow(this.mark, size, 0);
    this.idxOf = grow(this.idxOf, size, 0);
    this.prevOf = grow(this.prevOf, size, 0);
  }
}

/** A copy of `a` with at least `size` elements (doubling), the new ones `fill`. */
function grow(a: Int32Array, size: number, fill: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(size, 2 * a.length, 16));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}

/**
 * Executed events and their happens-before relation.
 *
 * An event is one visible step: its thread, the locations it reads, writes
 * and adds to (interned to numbers), and flags from the primitive (a lock
 * acquisition, a blocking return, a global timeout). Two events of different
 * threads are dependent when they touch a common location and one writes, or
 * one adds and the other reads or writes, or when either is global. Two
 * additions to one location commute (atomic_inc, atomic_add: the sum is the
 * same in either order and neither returns a value), so they are
 * independent, as Godefroid's independence asks of two transitions: in
 * every state where both are enabled, neither enables or disables the other
 * and both orders reach the same state. Happens-before is program order plus dependency
 * order, kept as one vector clock per event; the lexicographic normal form of
 * that partial order identifies the execution's Mazurkiewicz trace.
 */
import type { Deps } from '../kernel/api.js';
import { zeroKey } from '../kernel/counts.js';
import { type VClock, covers, leqExcept, newClock } from '../state/vclock.js';

/** One visible step as the scheduler sees it: its thread and dependency information (no program state). */
export interface Event {
  tid: number;
  /** Interned locations read and written. */
  reads: number[];
  writes: number[];
  /**
   * Interned locations changed by a commutative addition that returns
   * nothing (atomic_inc, atomic_sub, ...): dependent with reads and writes
   * of the location, not with other additions.
   */
  adds: number[];
  /** Interned locations among `reads` and `writes` accessed plainly (Deps.plain; not a dependency of its own). */
  plain: number[];
  /** Lock acquired (interned), for lock races. */
  acq: number;
  /** The acquisition is a trylock (it could also have failed). */
  acqTry: boolean;
  /** The acquisition is shared (a reader's): it races with exclusive acquisitions only. */
  acqShared: boolean;
  /** Never the later event of a race (a timer firing at quiescence). */
  noRace: boolean;
  /** A shared holder's release (kernel/api.ts Deps.release): an exclusive acquisition does not race with it. */
  release: boolean;
  /**
   * The end of a spin-wait (kernel/api.ts Deps.resume): a reversal may find
   * it disabled, so a wakeup sequence ends with it as an event dependent
   * with everything (./dpor.ts reverse).
   */
  resume: boolean;
  /** Dependent with everything (a timeout firing). */
  global: boolean;
  /**
   * The interned counter this event's addition leaves one addition away
   * from a different outcome (kernel/api.ts Deps.leavesOne), or -1: see
   * {@link wakes}.
   */
  leavesOne: number;
  /** Kernel/api.ts Deps.counter: the interned key (-1: none), the operation (COUNTER_GET, ...) and the count before. */
  ctr: number;
  ctrOp: number;
  ctrBefore: number;
  /** Of an addition to the count ({@link COUNTER_ADD}), what it adds; of a {@link COUNTER_SET}, the value set. */
  ctrDelta: number;
  /** The interned zero part of the count (kernel/counts.ts zeroKey), or -1 when {@link ctr} is. */
  ctrZero: number;
}

/**
 * {@link Event.ctrOp}: a get (the count goes up by one), a put (down by one
 * while positive), a read, an atomic_t's addition of {@link Event.ctrDelta},
 * an initialisation to {@link Event.ctrDelta}.
 */
export const COUNTER_GET = 1;
export const COUNTER_PUT = 2;
export const COUNTER_READ = 3;
export const COUNTER_ADD = 4;
export const COUNTER_SET = 5;
/** refcount_dec_if_one(): 1 to 0, any other count unchanged. */
export const COUNTER_DEC_IF_ONE = 6;
/** refcount_dec_not_one(): down by one from 2 or more, any other count unchanged. */
export const COUNTER_DEC_NOT_ONE = 7;
/** A zero test of a registered count (kernel/counts.ts testDeps): it reads the count's zero part, not the count. */
export const COUNTER_TEST = 8;
const COUNTER_OPS = {
  get: COUNTER_GET,
  put: COUNTER_PUT,
  read: COUNTER_READ,
  add: COUNTER_ADD,
  set: COUNTER_SET,
  dec_if_one: COUNTER_DEC_IF_ONE,
  dec_not_one: COUNTER_DEC_NOT_ONE,
  test: COUNTER_TEST,
} as const;

/** Interns location keys to small integers, shared by all executions of an exploration. */
export class Interner {
  private map = new Map<string, number>();
  /** The number of `key`, allocated on first sight (0, 1, 2, ...). */
  id(key: string): number {
    let v = this.map.get(key);
    if (v === undefined) {
      v = this.map.size;
      this.map.set(key, v);
    }
    return v;
  }
  /** Keys interned so far. */
  get size(): number {
    return this.map.size;
  }
  /** The keys from number `from` on, in the order they were interned (key i is number i). */
  keys(from = 0): string[] {
    const out: string[] = [];
    let i = 0;
    for (const k of this.map.keys()) if (i++ >= from) out.push(k);
    return out;
  }
  /** Intern `keys` in order (a copy of another interner: {@link keys}). */
  load(keys: readonly string[]): void {
    for (const k of keys) this.id(k);
  }
}

/** The `reads`, `writes` or `adds` of an event that touches nothing that way (shared: never modified). */
export const NO_ADDS: number[] = [];

/**
 * The event of thread `tid`'s pending operation, from the dependency keys the
 * VM reports (interned). `own`, when not negative, is the interned
 * state/keys.ts stackKey of the thread, which every step of it writes (the
 * burst after a step may touch the thread's stack blocks privately).
 */
export function toEvent(tid: number, d: Deps, intern: Interner, own = -1): Event {
  const c = d.counter;
  // the writes interned first: a location's number is the order it is first met in, which a stateful
  // exploration's counts follow (a summary's entries are sorted by it: grader/test/model-bench-counts.test.ts)
  const writes = interned(d.writes, intern, own);
  return {
    tid,
    reads: interned(d.reads, intern, -1),
    writes,
    adds: d.adds === undefined ? NO_ADDS : interned(d.adds, intern, -1),
    plain: d.plain === undefined ? NO_ADDS : interned(d.plain, intern, -1),
    acq: d.acq === undefined ? -1 : intern.id(d.acq),
    acqTry: d.acqTry === true,
    acqShared: d.acqShared === true,
    noRace: d.noRace === true,
    release: d.release === true,
    resume: d.resume === true,
    global: d.global === true,
    leavesOne: d.leavesOne === undefined ? -1 : intern.id(d.leavesOne),
    ctr: c === undefined ? -1 : intern.id(c.key),
    ctrOp: c === undefined ? 0 : COUNTER_OPS[c.op],
    ctrBefore: c === undefined ? 0 : c.before,
    ctrDelta: c?.delta ?? 0,
    ctrZero: c === undefined ? -1 : intern.id(zeroKey(c.key)),
  };
}

/**
 * `keys` interned, then `last` when it is not negative: {@link NO_ADDS} when
 * that is nothing, else a new array. The short ones (nearly all: a step
 * touches one to three locations) are array literals, one allocation of
 * their size, where `map` and a pushed key would allocate a closure and
 * grow the array; every array has the elements kind of a literal of small
 * integers, so the scheduler's loops over events meet one map.
 */
function interned(keys: readonly string[], intern: Interner, last: number): number[] {
  const n = keys.length;
  if (last < 0) {
    if (n === 0) return NO_ADDS;
    if (n === 1) return [intern.id(keys[0]!)];
    if (n === 2) return [intern.id(keys[0]!), intern.id(keys[1]!)];
    if (n === 3) return [intern.id(keys[0]!), intern.id(keys[1]!), intern.id(keys[2]!)];
  } else {
    if (n === 0) return [last];
    if (n === 1) return [intern.id(keys[0]!), last];
    if (n === 2) return [intern.id(keys[0]!), intern.id(keys[1]!), last];
  }
  const out = keys.map((k) => intern.id(k));
  if (last >= 0) out.push(last);
  return out;
}

/**
 * Does event `pe`, about to run, end the sleep of another thread whose next
 * event `qe` was computed in an earlier state (a sleep set's entry, or an
 * entry checked against a wakeup sequence)? When they are dependent, and
 * also when `pe` is an addition that leaves a counter one addition away from
 * a different outcome and `qe` adds to that counter: `qe` was an addition
 * when it was put to sleep, but after `pe` it would be the one that changes
 * the outcome (the last put of a reference count), which `qe`'s stale event
 * does not say. Two events computed in one execution need no such care: each
 * addition's event there says what it does in that state, and any order of
 * a run of them gives each the same kind (kernel/counts.ts).
 */
export function wakes(pe: Event, qe: Event): boolean {
  return dependent(pe, qe) || (pe.leavesOne >= 0 && qe.adds.includes(pe.leavesOne));
}

/** Are two events (of different threads) dependent? */
export function dependent(a: Event, b: Event): boolean {
  if (a.global || b.global) return true;
  for (const w of a.writes) {
    if (b.writes.includes(w) || b.reads.includes(w) || b.adds.includes(w)) return true;
  }
  for (const w of b.writes) if (a.reads.includes(w) || a.adds.includes(w)) return true;
  for (const x of a.adds) if (b.reads.includes(x)) return true;
  for (const x of b.adds) if (a.reads.includes(x)) return true;
  return false;
}

const EMPTY = new Int32Array(0);

/**
 * Scratch for numbering a sequence's locations densely (HbClocks.allocate):
 * `localOf[loc]` is valid when `stampOf[loc]` is the current stamp. Used
 * only inside one synchronous call, so instances never see each other's.
 */
let stampOf = new Int32Array(64);
let localOf = new Int32Array(64);
let stamp = 0;

/** The scratch slots an {@link HbClocks} uses (0 to HB_SCRATCH_SLOTS - 1); other users take the next ones. */
export const HB_SCRATCH_SLOTS = 10;

/**
 * Reusable storage for short-lived {@link HbClocks} (DPOR's, one per race,
 * built and dropped inside one call): arrays handed out by slot, grown as
 * needed, never zeroed. An HbClocks built on a scratch is valid until the
 * next one built on the same scratch; without one it has arrays of its own.
 */
export class HbScratch {
  private readonly slots: Int32Array[] = [];

  /** `size` elements of slot `slot`, with whatever they held. */
  get(slot: number, size: number): Int32Array {
    let a = this.slots[slot];
    if (!a || a.length < size) {
      a = new Int32Array(Math.max(size, 2 * (a?.length ?? 0), 64));
      this.slots[slot] = a;
    }
    return a.subarray(0, size);
  }
}

/**
 * Vector clocks of happens-before, computed in one forward pass as far as
 * they are asked for: the clock of event i depends on the events before it
 * only, so a user that needs the first few clocks of a long sequence (DPOR's
 * wakeup-sequence checks) does not pay for the rest. Clock i is
 * `buf[i * n .. i * n + n)`: its counter t is the number of events of thread
 * t that happen before or at event i (1-based per-thread indexes).
 *
 * Event i's clock is its thread's previous event's, counted once more, joined
 * with the clocks of the events it depends on that came before it: the last
 * write of each location it touches, the additions since that write of each
 * location it reads or writes, the reads since that write of each location
 * it adds to or writes, the last global event, and for a global event the
 * last event of every thread (every earlier event happens before the last
 * one of its thread). Joining only those is enough: happens-before is
 * transitive through them. Cost O(n) per event and per edge followed, each
 * read joined at most once per location when nothing adds to it: O(len · n)
 * for events that touch a bounded number of locations. The state is a few typed arrays over the
 * sequence's own locations, numbered densely, however long the sequence.
 */
export class HbClocks {
  /** The clocks, `n` counters per event (allocated on first use); valid for events `< computed`. */
  buf: Int32Array = EMPTY;
  /** Events whose clocks are computed (a prefix). */
  computed = 0;
  private readonly lastOfThread: Int32Array;
  private lastGlobal = -1;
  private allocated = false;
  /**
   * Event i reads local locations `loc[at[i] .. at[i] + nreads)`, adds to the
   * next `nadds` and writes the rest up to `at[i + 1]`.
   */
  private at: Int32Array = EMPTY;
  private loc: Int32Array = EMPTY;
  /** Per local location, the last write to it (an event index), or -1. */
  private lastWrite: Int32Array = EMPTY;
  /** Per local location, the reads of it since its last write: a list threaded through `readEv`/`readNext`. */
  private readHead: Int32Array = EMPTY;
  private readEv: Int32Array = EMPTY;
  private readNext: Int32Array = EMPTY;
  private reads = 0;
  /** Per local location, the additions to it since its last write (a list, as the reads). */
  private addHead: Int32Array = EMPTY;
  private addEv: Int32Array = EMPTY;
  private addNext: Int32Array = EMPTY;
  private adds = 0;

  /**
   * With a `scratch`, the working arrays come from it, and so does the clock
   * buffer unless `ownBuffer` (the clocks then outlive the next HbClocks
   * built on the scratch).
   */
  constructor(
    readonly events: readonly Event[],
    readonly n: number,
    private readonly scratch?: HbScratch,
    private readonly ownBuffer = false,
  ) {
    this.lastOfThread = new Int32Array(n).fill(-1);
  }

  /** An array of `size` elements, with any contents: the scratch's slot, or a new one. */
  private array(slot: number, size: number): Int32Array {
    return this.scratch ? this.scratch.get(slot, size) : new Int32Array(size);
  }

  /** Compute the clocks of events `0..k` (inclusive), if not yet done. */
  upTo(k: number): void {
    const last = Math.min(k, this.events.length - 1);
    if (this.computed > last) return;
    if (!this.allocated) this.allocate();
    while (this.computed <= last) this.stepOne();
  }

  /**
   * Event `i`'s clock <= `b` on every thread but `skip` (state/vclock.ts
   * leqExcept, without a view of the clock).
   */
  leqExcept(i: number, b: VClock, skip: number): boolean {
    if (i >= this.computed) this.upTo(i);
    const base = i * this.n;
    for (let t = 0; t < this.n; t++) if (t !== skip && this.buf[base + t]! > b[t]!) return false;
    return true;
  }

  /** Every clock, as views of `buf` (computing all of them). */
  all(): VClock[] {
    const len = this.events.length;
    this.upTo(len - 1);
    const n = this.n;
    const out: VClock[] = new Array(len);
    for (let i = 0; i < len; i++) out[i] = this.buf.subarray(i * n, i * n + n);
    return out;
  }

  /** The clock buffer, and every event's locations numbered densely (0, 1, ... in order of first sight). */
  private allocate(): void {
    const events = this.events;
    const at = this.array(0, events.length + 1);
    at[0] = 0;
    let nreads = 0;
    let nadds = 0;
    let maxLoc = -1;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      at[i + 1] = at[i]! + e.reads.length + e.adds.length + e.writes.length;
      nreads += e.reads.length;
      nadds += e.adds.length;
      for (const r of e.reads) if (r > maxLoc) maxLoc = r;
      for (const x of e.adds) if (x > maxLoc) maxLoc = x;
      for (const w of e.writes) if (w > maxLoc) maxLoc = w;
    }
    if (maxLoc >= stampOf.length || stamp === 0x7fffffff) {
      const size = Math.max(maxLoc + 1, stampOf.length * 2);
      stampOf = new Int32Array(size);
      localOf = new Int32Array(size);
      stamp = 0;
    }
    stamp++;
    const loc = this.array(1, at[events.length]!);
    let k = 0;
    let u = 0;
    const number = (l: number): number => {
      if (stampOf[l] !== stamp) {
        stampOf[l] = stamp;
        localOf[l] = u++;
      }
      return localOf[l]!;
    };
    for (const e of events) {
      for (const r of e.reads) loc[k++] = number(r);
      for (const x of e.adds) loc[k++] = number(x);
      for (const w of e.writes) loc[k++] = number(w);
    }
    this.at = at;
    this.loc = loc;
    this.lastWrite = this.array(2, u).fill(-1);
    this.readHead = this.array(3, u).fill(-1);
    this.readEv = this.array(4, nreads);
    this.readNext = this.array(5, nreads);
    this.buf = this.ownBuffer ? new Int32Array(events.length * this.n) : this.array(6, events.length * this.n);
    this.addHead = this.array(7, u).fill(-1);
    this.addEv = this.array(8, nadds);
    this.addNext = this.array(9, nadds);
    this.allocated = true;
  }

  /** buf[into] := max(buf[into], buf[from]), clocks given by their offsets. */
  private join(into: number, from: number): void {
    const buf = this.buf;
    for (let t = 0; t < this.n; t++) if (buf[from + t]! > buf[into + t]!) buf[into + t] = buf[from + t]!;
  }

  private stepOne(): void {
    const i = this.computed;
    const e = this.events[i]!;
    const n = this.n;
    const buf = this.buf;
    const me = i * n;
    const p = this.lastOfThread[e.tid]!;
    if (p >= 0) for (let t = 0; t < n; t++) buf[me + t] = buf[p * n + t]!;
    else buf.fill(0, me, me + n);
    buf[me + e.tid]!++;
    if (this.lastGlobal >= 0) this.join(me, this.lastGlobal * n);
    if (e.global) for (let t = 0; t < n; t++) if (this.lastOfThread[t]! >= 0) this.join(me, this.lastOfThread[t]! * n);
    const loc = this.loc;
    const start = this.at[i]!;
    const mid = start + e.reads.length;
    const mid2 = mid + e.adds.length;
    const end = this.at[i + 1]!;
    // reads: after the last write and the additions since it; then this read is one since it (joining itself
    // later is a no-op)
    for (let k = start; k < mid; k++) {
      const x = loc[k]!;
      const w = this.lastWrite[x]!;
      if (w >= 0) this.join(me, w * n);
      for (let q = this.addHead[x]!; q >= 0; q = this.addNext[q]!) this.join(me, this.addEv[q]! * n);
      const q = this.reads++;
      this.readEv[q] = i;
      this.readNext[q] = this.readHead[x]!;
      this.readHead[x] = q;
    }
    // additions: after the last write and the reads since it (not the other additions); then one since it
    for (let k = mid; k < mid2; k++) {
      const x = loc[k]!;
      const w = this.lastWrite[x]!;
      if (w >= 0) this.join(me, w * n);
      for (let q = this.readHead[x]!; q >= 0; q = this.readNext[q]!) this.join(me, this.readEv[q]! * n);
      const q = this.adds++;
      this.addEv[q] = i;
      this.addNext[q] = this.addHead[x]!;
      this.addHead[x] = q;
    }
    // writes: after the last write and the reads and additions since it; then the last write
    for (let k = mid2; k < end; k++) {
      const x = loc[k]!;
      const lw = this.lastWrite[x]!;
      if (lw >= 0) this.join(me, lw * n);
      for (let q = this.readHead[x]!; q >= 0; q = this.readNext[q]!) this.join(me, this.readEv[q]! * n);
      for (let q = this.addHead[x]!; q >= 0; q = this.addNext[q]!) this.join(me, this.addEv[q]! * n);
      this.lastWrite[x] = i;
      this.readHead[x] = -1;
      this.addHead[x] = -1;
    }
    this.lastOfThread[e.tid] = i;
    if (e.global) this.lastGlobal = i;
    this.computed = i + 1;
  }
}

/**
 * Vector clocks of happens-before: vc[i][t] is the number of events of
 * thread t that happen before or at event i (1-based per-thread indexes).
 * The clocks share one buffer (subarrays of it); see {@link HbClocks}.
 */
export function hbClocks(events: readonly Event[], nthreads: number): VClock[] {
  return new HbClocks(events, nthreads, hbScratch, true).all();
}

/** The working arrays of {@link hbClocks} (its clocks get a buffer of their own: callers keep them). */
const hbScratch = new HbScratch();

/**
 * Lexicographic normal form of the execution's trace: repeatedly take the
 * lowest thread whose next event has all its predecessors taken. Two
 * executions of one program are Mazurkiewicz-equivalent iff their normal
 * forms are equal.
 */
export function canonicalForm(
  events: readonly Event[],
  nthreads: number,
  vc: readonly VClock[] = hbClocks(events, nthreads),
): string {
  const len = events.length;
  // thread t's events, in order, are order[first[t] .. first[t + 1])
  const first = new Int32Array(nthreads + 1);
  for (const e of events) {
    if (e.tid >= nthreads) throw new Error(`teardown: canonicalForm: an event of thread ${e.tid} of ${nthreads}`);
    first[e.tid + 1]!++;
  }
  for (let t = 0; t < nthreads; t++) first[t + 1]! += first[t]!;
  if (cfOrder.length < len) {
    cfOrder = new Int32Array(2 * len);
    cfCodes = new Uint16Array(2 * len);
  }
  const order = cfOrder;
  const pos = first.slice(0, nthreads);
  for (let i = 0; i < len; i++) order[pos[events[i]!.tid]!++] = i;
  pos.set(first.subarray(0, nthreads));
  const taken = newClock(nthreads);
  const codes = cfCodes;
  for (let n = 0; n < len; n++) {
    let t = 0;
    for (; t < nthreads; t++) {
      if (pos[t] === first[t + 1]) continue;
      if (!leqExcept(vc[order[pos[t]!]!]!, taken, t)) continue;
      codes[n] = 97 + t;
      pos[t]!++;
      taken[t]!++;
      break;
    }
    // the untaken event earliest in the execution has all its predecessors taken: only clocks that are not
    // happens-before clocks of `events` leave no event ready
    if (t === nthreads) throw new Error(`teardown: canonicalForm: no event ready after ${n} of ${len}`);
  }
  // one string, built from the codes in chunks (an argument list has a limit)
  let out = '';
  for (let i = 0; i < len; i += 8192)
    out += String.fromCharCode.apply(null, codes.subarray(i, Math.min(len, i + 8192)) as unknown as number[]);
  return out;
}

/** canonicalForm's scratch: event positions by thread, and the form's character codes. */
let cfOrder = new Int32Array(256);
let cfCodes = new Uint16Array(256);

/**
 * May prefix event `c` race with `e` (whose program-order predecessor is
 * `pj`)? Another thread's, after the last global event `g`, not global, and
 * not happening before `pj` (then it happens before `e`).
 */
export function mayRace(
  events: readonly Event[],
  vc: readonly VClock[],
  idx: Int32Array,
  e: Event,
  pj: number,
  c: number,
  g: number,
): boolean {
  const ec = events[c]!;
  return ec.tid !== e.tid && c > g && !ec.global && !(pj >= 0 && covers(vc[pj]!, ec.tid, idx[c]!));
}

/**
 * The kinds a wakeup sequence's reference puts and gets will have where the
 * sequence is inserted (docs/scheduler.md, "Puts that commute").
 *
 * A put of a registered reference count (a file_ref_t's or a refcount_t's)
 * is an addition while it leaves a reference and a write when it drops the
 * last one, and a get writes the count's zero part only when it finds none
 * (kernel/counts.ts). A race reversal
 * takes a wakeup sequence from the execution that found the race, at the
 * node before the race's first event, and leaves out what happens after
 * that event: run there, the sequence's puts find other counts than they
 * did, and a put recorded as the last one may leave a reference. With its
 * recorded kinds the sequence can look unlike a branch of the node's wakeup
 * tree that it is a reordering of, and run a trace again; with the kinds it
 * will run with, the tree recognises it. The count at the node is the count
 * the execution's first operation on it at or after the node found (when
 * nothing else changes the count between them); the sequence's operations
 * on it then move it as they will ({@link nextCount}).
 */
import {
  type Event,
  COUNTER_ADD,
  COUNTER_DEC_IF_ONE,
  COUNTER_DEC_NOT_ONE,
  COUNTER_GET,
  COUNTER_PUT,
  COUNTER_SET,
  COUNTER_TEST,
  NO_ADDS,
} from './events.js';
import { PUT_LEAVES_ONE, PUT_WRITE, putKind } from '../kernel/counts.js';

/**
 * Give the puts, gets and zero tests of sequence `v` (events of `events`,
 * taken from index `from` on, and the racing event last) the kinds they have
 * when `v` runs from the node at depth `from`: entries of `v` are replaced by
 * copies, never changed.
 */
export function counterKinds(v: Event[], events: readonly Event[], from: number): void {
  testKinds(v, events, from);
  let keys: number[] | null = null;
  for (const e of v)
    if (e.ctr >= 0 && (e.ctrOp === COUNTER_PUT || e.ctrOp === COUNTER_GET) && !(keys ??= []).includes(e.ctr))
      keys.push(e.ctr);
  if (!keys) return;
  for (const key of keys) {
    let c = countAt(events, from, key);
    if (c === undefined) continue;
    for (let k = 0; k < v.length && c !== undefined; k++) {
      const e = v[k]!;
      if (e.ctr !== key) {
        // an access of the count the scheduler cannot follow: leave the rest as recorded
        if (touches(e, key)) c = undefined;
        continue;
      }
      if (e.ctrOp === COUNTER_PUT && e.ctrBefore !== c) v[k] = withPutKind(e, c);
      else if (e.ctrOp === COUNTER_GET && e.ctrBefore > 0 !== c > 0) v[k] = withGetKind(e, c);
      c = nextCount(e, c);
    }
  }
}

/**
 * The count after operation `e` on it (Event.ctrOp) from `c` (0: released
 * or saturated, where every operation but an initialisation leaves it), as
 * kernel/fileref.ts and kernel/refcount.ts move it; undefined where the
 * simulation cannot follow it.
 */
function nextCount(e: Event, c: number): number | undefined {
  switch (e.ctrOp) {
    case COUNTER_PUT:
      return c > 0 ? c - 1 : c;
    case COUNTER_GET:
      return c > 0 ? c + 1 : c;
    case COUNTER_ADD:
      // an atomic_t's addition to the word: a write, which moves a live count exactly (to 0 at least, where the
      // operations above go on as at a released one); one that was dead the simulation cannot follow
      return c > 0 ? Math.max(0, c + e.ctrDelta) : undefined;
    case COUNTER_SET:
      return Math.max(0, e.ctrDelta);
    case COUNTER_DEC_IF_ONE:
      return c === 1 ? 0 : c;
    case COUNTER_DEC_NOT_ONE:
      return c > 1 ? c - 1 : c;
    default:
      return c; // a read
  }
}

/** The count `key` holds before event `from`, from the first operation on it at or after `from`; undefined if none tells. */
function countAt(events: readonly Event[], from: number, key: number): number | undefined {
  for (let k = from; k < events.length; k++) {
    const e = events[k]!;
    if (e.ctr === key) return e.ctrBefore;
    if (touches(e, key)) return undefined;
  }
  return undefined;
}

/** Does `e` change the count at `key` (a read leaves it as it is: the simulation follows it unchanged)? */
function touches(e: Event, key: number): boolean {
  return e.global || e.writes.includes(key) || e.adds.includes(key);
}

/** A copy of put `e` as it is when it finds `n` references: the last one writes the count and its zero part. */
function withPutKind(e: Event, n: number): Event {
  const key = e.ctr;
  const kind = putKind(n);
  const writes = e.writes.filter((w) => w !== key && w !== e.ctrZero);
  const adds = e.adds.filter((x) => x !== key);
  if (kind === PUT_WRITE) writes.push(key, e.ctrZero);
  else adds.push(key);
  return {
    ...e,
    writes: writes.length ? writes : NO_ADDS,
    adds: adds.length ? adds : NO_ADDS,
    leavesOne: kind === PUT_LEAVES_ONE ? key : -1,
    ctrBefore: n,
  };
}

/**
 * The zero tests of `v` (COUNTER_TEST: of a registered count, reading its
 * zero part) that may run where the count is not registered yet read the
 * count there (kernel/counts.ts testDeps): a reversal can put a test
 * recorded after the count's first initialisation before it. Registration
 * only grows, and every event that may register a count writes its zero part;
 * where the scheduler cannot tell, the test reads the count, which every
 * event that writes its zero part writes too: the more dependent event.
 */
function testKinds(v: Event[], events: readonly Event[], from: number): void {
  for (let k = 0; k < v.length; k++) {
    const t = v[k]!;
    if (t.ctrOp !== COUNTER_TEST) continue;
    let registered = registeredAt(events, from, t.ctr, t.ctrZero);
    for (let j = 0; j < k && !registered; j++) {
      const e = v[j]!;
      if (e.ctr === t.ctr || e.writes.includes(t.ctrZero)) registered = true;
    }
    if (!registered)
      v[k] = { ...t, reads: t.reads.map((r) => (r === t.ctrZero ? t.ctr : r)), ctr: -1, ctrOp: 0, ctrZero: -1 };
  }
}

/**
 * Is the count `key` (zero part `zero`) registered before event `from`? Yes
 * when the first event at or after it that accesses the count is a
 * registered count's operation (Event.ctr); no, or not known, when it
 * writes the count or its zero part otherwise.
 */
function registeredAt(events: readonly Event[], from: number, key: number, zero: number): boolean {
  for (let k = from; k < events.length; k++) {
    const e = events[k]!;
    if (e.ctr === key) return true;
    if (e.global || e.writes.includes(key) || e.adds.includes(key) || e.writes.includes(zero)) return false;
  }
  return false;
}

/** A copy of get `e` as it is when it finds `n` references: of a released count (0) it writes the zero part too. */
function withGetKind(e: Event, n: number): Event {
  const writes = e.writes.filter((w) => w !== e.ctrZero);
  if (n <= 0) writes.push(e.ctrZero);
  return { ...e, writes, ctrBefore: n };
}

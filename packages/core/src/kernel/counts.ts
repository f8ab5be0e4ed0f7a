/**
 * Reference counts whose puts commute (docs/scheduler.md, "Puts that
 * commute"): the counts file_ref_init() (./fileref.ts) and refcount_set()
 * (./refcount.ts, and kref_init() through it) initialise.
 *
 * A put that leaves a reference (2 or more before it) commutes with another
 * such put: the count ends the same, neither returns true, the release joins
 * its task's clock into the counter's whichever runs first, and KCSAN keeps
 * each as a marked addition beside the last write. So on such a count a put
 * is an addition (Deps.adds), the one that leaves one reference says so
 * (Deps.leavesOne), and the last put is a write. Gets and reads stay writes
 * and reads, so an addition never commutes with what could make it the last.
 *
 * Only puts may be additions to such a count, or an atomic_inc() of its
 * word could decide unseen which put is the last: refcount_t's `refs` is an
 * atomic_t a program can name, and the model's file_ref_t is an atomic_t. So
 * an initialisation registers the count in the state, and on a registered
 * count atomic_t's additions are writes (./atomic.ts) while puts commute; on
 * any other count puts are writes and atomic additions commute. The
 * registration lives beside the count in its allocation's fields, at offset
 * -1 - off, which no C access reaches: it is part of the state (hashed,
 * copied on write, restored with checkpoints, gone with the allocation), and
 * only an initialisation, a write of the count, sets it. So an event's kind
 * is a function of the state of the count it accesses (its value and its
 * registration), which every event that changes either is dependent with:
 * swapping two independent events never changes a kind, and a wakeup
 * sequence never moves an event past what changed its kind.
 *
 * A zero test (`refcount_read(r) == 0`, `!refcount_read(r)`: the lowering
 * marks the call, BuiltinExtra.zeroTest) of a registered count commutes with
 * the puts that leave a reference too, and with the gets that find one:
 * before and after either the count is not 0. It reads the count's `zero`
 * part (state/keys.ts partKey) instead of the count, and every other write
 * of a registered count (a get of a released count, the last put, an
 * initialisation, an atomic_t's operation on its word, a plain store through
 * a cast pointer) writes that part as well ({@link writesZero};
 * vm/services.ts withLiveness, vm/lower-visible.ts), and so does the
 * initialisation that registers the count ({@link setDeps}); a put that
 * leaves a reference only adds to the count. A test's kind depends on the
 * registration, so a registered count's test says what it is (Deps.counter,
 * op `test`), and the scheduler gives a recorded one the kind it has where it
 * runs (sched/dpor.ts next, sched/counter-kinds.ts testKinds). The test
 * returns whether the count is not 0, so no register keeps the count it saw,
 * and a spin-wait on a registered count's test waits for that to change
 * (detect/livelock.ts).
 */
import type { Value } from '../state/values.js';
import type { Alloc } from '../state/state.js';
import { type DepKey, partKey } from '../state/keys.js';
import type { Deps, KernelCtx } from './api.js';

/** The offset of the registration of the count at `off` (negative: no C access reaches it). */
function markOffset(off: number): number {
  return -1 - off;
}

/** Register the count at `off` of `alloc` (an initialisation, which writes it): its puts commute from now on. */
export function registerCount(m: KernelCtx, alloc: Alloc, off: number): void {
  if (m.getNum(alloc, markOffset(off)) !== 1) m.setNum(alloc, markOffset(off), 1);
}

/** Is the count `p` points to registered ({@link registerCount})? A pending operation's view: no side effects. */
export function isCount(m: KernelCtx, p: Value): boolean {
  if (typeof p !== 'object' || p.t !== 'p') return false;
  return m.peekAlloc(p)?.fields.get(markOffset(p.o)) === 1;
}

/** Is the word at `off` of allocation `alloc` a registered count ({@link registerCount})? */
export function isCountAt(alloc: Alloc, off: number): boolean {
  return alloc.fields.get(markOffset(off)) === 1;
}

/** The part of registered count `k` a zero test reads and its writes write (see above). */
export function zeroKey(k: DepKey): DepKey {
  return partKey(k, 'zero');
}

/**
 * Does a write of registered count `k` with dependencies `d` write its
 * {@link zeroKey}? Every write does but a get that finds a reference (the
 * count is not 0 before it or after it): such a get commutes with a zero test.
 */
export function writesZero(d: Deps, k: DepKey): boolean {
  const c = d.counter;
  return c === undefined || c.key !== k || c.op !== 'get' || c.before <= 0;
}

/**
 * A zero test's dependencies: on a registered count a read of its
 * {@link zeroKey}, with the count it finds (a wakeup sequence's test that may
 * run where the count is not registered yet reads the count there:
 * sched/counter-kinds.ts), else a read of the count.
 */
export function testDeps(m: KernelCtx, p: Value): Deps {
  const k = m.keyOf(p);
  if (!isCount(m, p)) return { reads: [k], writes: [] };
  return { reads: [zeroKey(k)], writes: [], counter: { key: k, op: 'test', before: countAt(m, p) } };
}

/** A put that finds `n` (a saturated or released count: 0 or less): {@link PUT_WRITE}, {@link PUT_ADD} or {@link PUT_LEAVES_ONE}. */
export function putKind(n: number): number {
  return n > 2 ? PUT_ADD : n === 2 ? PUT_LEAVES_ONE : PUT_WRITE;
}
/** The last put (or one of a released or saturated count): a write of the count. */
export const PUT_WRITE = 0;
/** A put that leaves two or more references: an addition. */
export const PUT_ADD = 1;
/** A put that leaves one reference: an addition after which another put is the last (Deps.leavesOne). */
export const PUT_LEAVES_ONE = 2;

/** The count `p` points to as a pending operation finds it (0 for a released or saturated count). */
export function countAt(m: KernelCtx, p: Value): number {
  const n = m.peek(p);
  return typeof n === 'number' && n > 0 ? n : 0;
}

/** A get's dependencies: a write, and on a registered count the count it finds, for a wakeup sequence's kinds. */
export function getDeps(m: KernelCtx, p: Value): Deps {
  const k = m.keyOf(p);
  if (!isCount(m, p)) return { reads: [], writes: [k] };
  return { reads: [], writes: [k], counter: { key: k, op: 'get', before: countAt(m, p) } };
}

/**
 * An initialisation's dependencies (to `n`): a write, and on a count already
 * registered the value it sets, as {@link getDeps}. It writes the count's
 * {@link zeroKey} also where it registers the count: a zero test reads that
 * part from then on, and must not commute with what made it read it.
 */
export function setDeps(m: KernelCtx, p: Value, n: number): Deps {
  const k = m.keyOf(p);
  if (!isCount(m, p)) return { reads: [], writes: [k, zeroKey(k)] };
  return { reads: [], writes: [k], counter: { key: k, op: 'set', before: countAt(m, p), delta: n } };
}

/** A conditional decrement's dependencies (refcount_dec_if_one(), refcount_dec_not_one()): a write, with its count on a registered count. */
export function condDeps(m: KernelCtx, p: Value, op: 'dec_if_one' | 'dec_not_one'): Deps {
  const k = m.keyOf(p);
  if (!isCount(m, p)) return { reads: [], writes: [k] };
  return { reads: [], writes: [k], counter: { key: k, op, before: countAt(m, p) } };
}

/** A read's dependencies, as {@link getDeps}. */
export function readDeps(m: KernelCtx, p: Value): Deps {
  const k = m.keyOf(p);
  if (!isCount(m, p)) return { reads: [k], writes: [] };
  return { reads: [k], writes: [], counter: { key: k, op: 'read', before: countAt(m, p) } };
}

/**
 * A put's dependencies: on a registered count an addition while it leaves a
 * reference (`leavesOne` at 2), and a write when it drops the last one (or
 * finds the count released or saturated); a write on any other count.
 */
export function putDeps(m: KernelCtx, p: Value): Deps {
  const k: DepKey = m.keyOf(p);
  if (!isCount(m, p)) return { reads: [], writes: [k] };
  const n = countAt(m, p);
  const counter = { key: k, op: 'put' as const, before: n };
  const kind = putKind(n);
  if (kind === PUT_WRITE) return { reads: [], writes: [k], counter };
  return kind === PUT_LEAVES_ONE
    ? { reads: [], writes: [], adds: [k], leavesOne: k, counter }
    : { reads: [], writes: [], adds: [k], counter };
}

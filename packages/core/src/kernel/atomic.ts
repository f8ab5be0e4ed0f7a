/**
 * atomic_t (include/linux/atomic.h): marked accesses for KCSAN. Operations
 * that return a value are fully ordered (acquire and release); the others
 * (atomic_inc, atomic_set, atomic_read, ...) are relaxed. The additions that
 * return nothing (atomic_inc, atomic_dec, atomic_add, atomic_sub) commute
 * with one another: the scheduler takes two of them on one counter as
 * independent (Deps.adds), and KCSAN keeps them beside the last write.
 */
import type { Thread } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { Builtin, BuiltinTable, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, INT, VOID } from '../lang/ctype.js';
import { syncKey } from '../state/keys.js';
import { countAt, isCount } from './counts.js';
import { callText, callText1 } from './call-text.js';

const i32 = (x: number) => x | 0;

function op(ptrArg: number, f: (old: number, a: Value[]) => { nv?: number; ret: number }, ordered: boolean): Builtin {
  return {
    kind: 'step',
    deps: (m: KernelCtx, _t: Thread, a: Value[]) => ({ reads: [], writes: [m.keyOf(a[ptrArg]!)] }),
    exec(m, t, a, ins) {
      const what = callText(ins);
      const r = m.resolve(t, a[ptrArg]!, what);
      const old = m.getNum(r.alloc, r.off);
      const { nv, ret } = f(old, a);
      m.spinAccess(t, r.alloc.id, r.off, false, old);
      if (nv !== undefined) {
        m.setNum(r.alloc, r.off, i32(nv));
        m.spinAccess(t, r.alloc.id, r.off, true, nv);
      }
      m.kcsanAccess(t, r.key, nv !== undefined, true, what, old);
      if (ordered) m.hbRmw(t, syncKey('atomic', r.key));
      return ret;
    },
  };
}

const num = (v: Value | undefined) => (typeof v === 'number' ? v : 0);

/**
 * A relaxed addition that returns nothing: `delta` of the old value and the
 * arguments. Dependent with reads and writes of the counter, not with other
 * additions (sched/events.ts); modulo 2^32, so any two commute.
 */
function addOp(ptrArg: number, delta: (a: Value[]) => number): Builtin {
  return {
    kind: 'step',
    // on a registered reference count (a file_ref_t's, a refcount_t's `refs`) a write: the additions there are
    // the puts, which this one must not commute with (whether a put is the last depends on it: ./counts.ts)
    deps: (m: KernelCtx, _t: Thread, a: Value[]) => {
      const k = m.keyOf(a[ptrArg]!);
      if (!isCount(m, a[ptrArg]!)) return { reads: [], writes: [], adds: [k] };
      // a wakeup sequence's puts after it find the count it leaves (sched/counter-kinds.ts)
      return {
        reads: [],
        writes: [k],
        counter: { key: k, op: 'add', before: countAt(m, a[ptrArg]!), delta: i32(delta(a)) },
      };
    },
    exec(m, t, a, ins) {
      const what = callText(ins);
      const r = m.resolve(t, a[ptrArg]!, what);
      // the delta as the int parameter it is (exact, so that any two additions commute)
      const nv = i32(m.getNum(r.alloc, r.off) + i32(delta(a)));
      m.setNum(r.alloc, r.off, nv);
      m.spinAccess(t, r.alloc.id, r.off, true, nv);
      m.kcsanAdd(t, r.key, what, nv);
      return 0;
    },
  };
}

const ATOMIC: BuiltinTable = {
  atomic_set: op(0, (_o, a) => ({ nv: num(a[1]), ret: 0 }), false),
  atomic_read: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [m.keyOf(a[0]!)], writes: [] }),
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'atomic_read');
      const v = m.getNum(r.alloc, r.off);
      m.spinAccess(t, r.alloc.id, r.off, false, v);
      m.kcsanAccess(t, r.key, false, true, callText1(ins, 'atomic_read'), v);
      return v;
    },
  },
  atomic_inc: addOp(0, () => 1),
  atomic_dec: addOp(0, () => -1),
  atomic_add: addOp(1, (a) => num(a[0])),
  atomic_sub: addOp(1, (a) => -num(a[0])),
  atomic_inc_return: op(0, (o) => ({ nv: o + 1, ret: i32(o + 1) }), true),
  atomic_dec_return: op(0, (o) => ({ nv: o - 1, ret: i32(o - 1) }), true),
  atomic_add_return: op(1, (o, a) => ({ nv: o + num(a[0]), ret: i32(o + num(a[0])) }), true),
  atomic_sub_return: op(1, (o, a) => ({ nv: o - num(a[0]), ret: i32(o - num(a[0])) }), true),
  atomic_fetch_add: op(1, (o, a) => ({ nv: o + num(a[0]), ret: o }), true),
  atomic_dec_and_test: op(0, (o) => ({ nv: o - 1, ret: i32(o - 1) === 0 ? 1 : 0 }), true),
  atomic_inc_not_zero: op(0, (o) => (o !== 0 ? { nv: o + 1, ret: 1 } : { ret: 0 }), true),
  atomic_cmpxchg: op(0, (o, a) => (o === num(a[1]) ? { nv: num(a[2]), ret: o } : { ret: o }), true),
  atomic_xchg: op(0, (o, a) => ({ nv: num(a[1]), ret: o }), true),
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  atomic_set: sig(2, 2, VOID),
  atomic_read: sig(1, 1, INT),
  atomic_inc: sig(1, 1, VOID),
  atomic_dec: sig(1, 1, VOID),
  atomic_add: sig(2, 2, VOID),
  atomic_sub: sig(2, 2, VOID),
  atomic_inc_return: sig(1, 1, INT),
  atomic_dec_return: sig(1, 1, INT),
  atomic_dec_and_test: sig(1, 1, BOOL),
  atomic_inc_not_zero: sig(1, 1, BOOL),
  atomic_cmpxchg: sig(3, 3, INT),
  atomic_xchg: sig(2, 2, INT),
  atomic_fetch_add: sig(2, 2, INT),
  atomic_add_return: sig(2, 2, INT),
  atomic_sub_return: sig(2, 2, INT),
};

/** atomic_t: its counter is a plain number in memory. */
export const atomic: Primitive = { name: 'atomic', builtins: ATOMIC, sigs: SIGS, ctype: 'atomic' };

/**
 * refcount_t with the semantics and warning texts of lib/refcount.c and
 * include/linux/refcount.h (Linux 6.17): a 32-bit counter that saturates at
 * REFCOUNT_SATURATED instead of wrapping, and warns
 *   "refcount_t: addition on 0; use-after-free."
 *   "refcount_t: underflow; use-after-free."
 *   "refcount_t: decrement hit 0; leaking memory."
 *   "refcount_t: saturated; leaking memory."
 * Decrements have release ordering and, when they reach zero, acquire
 * ordering; increments are relaxed. KCSAN sees every operation as marked.
 *
 * refcount_set() registers the count (./counts.ts): then a decrement that
 * leaves a reference (refcount_dec(), refcount_dec_and_test() from 2 or
 * more) is an addition to the scheduler and to KCSAN, and commutes with
 * another such decrement; every other operation is a read or a write.
 */
import type { Thread } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { Builtin, BuiltinTable, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, UINT, VOID } from '../lang/ctype.js';
import { finding, where } from '../detect/finding.js';
import { type DepKey, syncKey } from '../state/keys.js';
import { condDeps, getDeps, isCount, putDeps, readDeps, registerCount, setDeps, testDeps, zeroKey } from './counts.js';
import { callText } from './call-text.js';

export const REFCOUNT_SATURATED = -0x40000000;

type Sat = 'ADD_NOT_ZERO_OVF' | 'ADD_OVF' | 'ADD_UAF' | 'SUB_UAF' | 'DEC_LEAK';
const MSG: Record<Sat, string> = {
  ADD_NOT_ZERO_OVF: 'saturated; leaking memory',
  ADD_OVF: 'saturated; leaking memory',
  ADD_UAF: 'addition on 0; use-after-free',
  SUB_UAF: 'underflow; use-after-free',
  DEC_LEAK: 'decrement hit 0; leaking memory',
};

const i32 = (x: number) => x | 0;

interface Ref {
  m: KernelCtx;
  t: Thread;
  alloc: import('../state/state.js').Alloc;
  off: number;
  key: DepKey;
  what: string;
}

function ref(m: KernelCtx, t: Thread, p: Value, ins: { extra?: { argText?: string[] }; name: string }): Ref {
  const what = callText(ins);
  const r = m.resolve(t, p, what);
  return { m, t, alloc: r.alloc, off: r.off, key: r.key, what };
}

function read(r: Ref): number {
  return r.m.getNum(r.alloc, r.off);
}

function write(r: Ref, v: number): void {
  r.m.setNum(r.alloc, r.off, v);
}

/** refcount_warn_saturate(): saturate the counter and WARN with lib/refcount.c's text. */
function warn(r: Ref, t: Sat): void {
  write(r, REFCOUNT_SATURATED);
  const s = r.m.site(r.t);
  const msg = `refcount_t: ${MSG[t]}.`;
  const snap = r.m.snapshot(r.alloc.id);
  r.m.report(
    finding(r.m, 'refcount', `${msg} (in ${s.stack[0]?.fn ?? '?'})`, {
      sites: [[r.what, s]],
      details: [
        `WARNING: CPU: 0 PID: ${r.t.tid + 1} at lib/refcount.c refcount_warn_saturate`,
        msg,
        `counter: ${r.m.allocName(r.alloc.id)}.${r.off}`,
        'Call Trace:',
        ' refcount_warn_saturate',
        ...s.stack.map((f) => ` ${f.fn} (${f.file}:${f.line})`),
      ],
      objects: snap ? [snap] : [],
      key: [t, where(s.stack)],
    }),
  );
}

function access(r: Ref, write: boolean, v: number): void {
  r.m.spinAccess(r.t, r.alloc.id, r.off, write, v);
  r.m.kcsanAccess(r.t, r.key, write, true, r.what, v);
}

/**
 * A decrement from `old`: on a registered count that leaves a reference
 * (`old` 2 or more), KCSAN's marked addition, so that the shadow memory is
 * the same in either order of two of them (./counts.ts); else a marked write.
 */
function decAccess(r: Ref, a: Value[], old: number): void {
  if (old < 2 || !isCount(r.m, a[0]!)) {
    access(r, true, old);
    return;
  }
  r.m.spinAccess(r.t, r.alloc.id, r.off, true, old - 1);
  r.m.kcsanAdd(r.t, r.key, r.what, old - 1);
}

const rwAt = (m: KernelCtx, a: Value[], idx: number) => ({ reads: [], writes: [m.keyOf(a[idx]!)] });

function addImpl(notZero: boolean, countArg: boolean): Builtin {
  return {
    kind: 'step',
    // an increment by one is a get of a registered count (./counts.ts); an addition of n is a plain write
    deps: (m, _t, a) => (countArg ? rwAt(m, a, 1) : getDeps(m, a[0]!)),
    exec(m, t, a, ins) {
      const i = countArg ? (a[0] as number) : 1;
      const r = ref(m, t, a[countArg ? 1 : 0]!, ins);
      const old = read(r);
      if (notZero) {
        if (old !== 0) write(r, i32(old + i));
        access(r, old !== 0, old);
        if (old < 0 || i32(old + i) < 0) warn(r, 'ADD_NOT_ZERO_OVF');
        return old !== 0 ? 1 : 0;
      }
      write(r, i32(old + i));
      access(r, true, old);
      if (old === 0) warn(r, 'ADD_UAF');
      else if (old < 0 || i32(old + i) < 0) warn(r, 'ADD_OVF');
      return 0;
    },
  };
}

function subAndTest(countArg: boolean): Builtin {
  return {
    kind: 'step',
    // a decrement by one is a put of a registered count (./counts.ts); a subtraction of n is a plain write
    deps: (m, _t, a) => (countArg ? rwAt(m, a, 1) : putDeps(m, a[0]!)),
    exec(m, t, a, ins) {
      const i = countArg ? (a[0] as number) : 1;
      const r = ref(m, t, a[countArg ? 1 : 0]!, ins);
      const old = read(r);
      write(r, i32(old - i));
      if (countArg) access(r, true, old);
      else decAccess(r, a, old);
      m.hbRelease(t, syncKey('rc', r.key));
      if (old > 0 && old === i) {
        m.hbAcquire(t, syncKey('rc', r.key));
        return 1;
      }
      if (old <= 0 || old - i < 0) warn(r, 'SUB_UAF');
      return 0;
    },
  };
}

const REFCOUNT: BuiltinTable = {
  refcount_set: {
    kind: 'step',
    deps: (m, _t, a) => setDeps(m, a[0]!, i32(a[1] as number)),
    exec(m, t, a, ins) {
      const r = ref(m, t, a[0]!, ins);
      write(r, i32(a[1] as number));
      access(r, true, a[1] as number);
      registerCount(m, r.alloc, r.off);
      return 0;
    },
  },
  refcount_read: {
    kind: 'step',
    deps: (m, _t, a, ins) => (ins.extra?.zeroTest ? testDeps(m, a[0]!) : readDeps(m, a[0]!)),
    exec(m, t, a, ins) {
      const r = ref(m, t, a[0]!, ins);
      const v = read(r);
      if (ins.extra?.zeroTest) {
        // a zero test (./counts.ts): whether the count is not 0, which a spin-wait on a registered count waits on;
        // on any other count the test reads the count, and a spin-wait waits for its value to change
        // KCSAN's marked read is on the location the test's step reads (stateful DPOR's key rests on that:
        // sched/projection.ts), the zero part on a registered count, where no plain access meets it
        const nonzero = v === 0 ? 0 : 1;
        if (isCount(m, a[0]!)) {
          m.spinAccess(r.t, r.alloc.id, r.off, false, nonzero, true);
          m.kcsanAccess(r.t, zeroKey(r.key), false, true, r.what, nonzero);
        } else {
          m.spinAccess(r.t, r.alloc.id, r.off, false, v);
          m.kcsanAccess(r.t, r.key, false, true, r.what, v);
        }
        return nonzero;
      }
      access(r, false, v);
      return v >>> 0 === v ? v : v >>> 0;
    },
  },
  refcount_inc: addImpl(false, false),
  refcount_add: addImpl(false, true),
  refcount_inc_not_zero: addImpl(true, false),
  refcount_add_not_zero: addImpl(true, true),
  refcount_dec: {
    kind: 'step',
    deps: (m, _t, a) => putDeps(m, a[0]!),
    exec(m, t, a, ins) {
      const r = ref(m, t, a[0]!, ins);
      const old = read(r);
      write(r, i32(old - 1));
      decAccess(r, a, old);
      m.hbRelease(t, syncKey('rc', r.key));
      if (old <= 1) warn(r, 'DEC_LEAK');
      return 0;
    },
  },
  refcount_dec_and_test: subAndTest(false),
  refcount_sub_and_test: subAndTest(true),
  refcount_dec_if_one: {
    kind: 'step',
    deps: (m, _t, a) => condDeps(m, a[0]!, 'dec_if_one'),
    exec(m, t, a, ins) {
      const r = ref(m, t, a[0]!, ins);
      const old = read(r);
      access(r, old === 1, old);
      if (old !== 1) return 0;
      write(r, 0);
      m.hbRelease(t, syncKey('rc', r.key));
      return 1;
    },
  },
  refcount_dec_not_one: {
    kind: 'step',
    deps: (m, _t, a) => condDeps(m, a[0]!, 'dec_not_one'),
    exec(m, t, a, ins) {
      const r = ref(m, t, a[0]!, ins);
      const val = read(r);
      access(r, val !== 1 && val !== REFCOUNT_SATURATED, val);
      if (val === REFCOUNT_SATURATED) return 1;
      if (val === 1) return 0;
      if (val === 0) {
        // new = UINT_MAX > val: WARN_ONCE(new > val, "refcount_t: underflow; use-after-free.\n")
        warn(r, 'SUB_UAF');
        write(r, 0);
        return 1;
      }
      write(r, i32(val - 1));
      m.hbRelease(t, syncKey('rc', r.key));
      return 1;
    },
  },
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  refcount_set: sig(2, 2, VOID),
  refcount_read: sig(1, 1, UINT),
  refcount_inc: sig(1, 1, VOID),
  refcount_add: sig(2, 2, VOID),
  refcount_inc_not_zero: sig(1, 1, BOOL),
  refcount_add_not_zero: sig(2, 2, BOOL),
  refcount_dec: sig(1, 1, VOID),
  refcount_dec_and_test: sig(1, 1, BOOL),
  refcount_sub_and_test: sig(2, 2, BOOL),
  refcount_dec_if_one: sig(1, 1, BOOL),
  refcount_dec_not_one: sig(1, 1, BOOL),
};

/** refcount_t: its counter is a plain number in memory. */
export const refcount: Primitive = { name: 'refcount', builtins: REFCOUNT, sigs: SIGS, ctype: 'refcount' };

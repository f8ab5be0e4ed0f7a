/**
 * file_ref_t (include/linux/file_ref.h, fs/file.c, Linux 6.17): the
 * reference count of a struct file. The model keeps the number of
 * references (upstream stores it less one, with saturation and dead zones
 * past the valid range; the model has no recycling of files, so a count of
 * 0 is the dead file).
 *
 * Memory ordering, as file_ref.h documents it: file_ref_inc() is relaxed
 * (atomic_long_fetch_inc_relaxed); file_ref_put() "provides release memory
 * ordering, such that prior loads and stores are done before, and provides
 * an acquire ordering on success such that free() must come after", the
 * contract refcount_dec_and_test() has too (./refcount.ts). Upstream
 * implements the put with a fully ordered atomic_long_dec_return(); the
 * model gives KCSAN's happens-before the documented contract, which code
 * may rely on, not the stronger implementation.
 *
 * Why a primitive of its own (docs/scheduler.md, "Puts that commute"): with
 * the contract above, two puts that both leave a reference behind commute,
 * so the scheduler can take them as independent, as two atomic_inc()s (how,
 * and what keeps it sound: ./counts.ts, which refcount_t shares). Each system
 * call on a shared descriptor table takes a file reference and drops it
 * (fdget(), fdput()); with every put dependent with every other one, each
 * pair of system calls on one file was explored in both orders of their puts.
 * file_ref_init() registers the count (./counts.ts registerCount): upstream's
 * file_ref_t is a struct that atomic_*() calls do not take, the model's is an
 * atomic_t, and on a registered count atomic additions are writes.
 */
import type { Thread } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { BuiltinInstr, BuiltinTable, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, LONG, VOID } from '../lang/ctype.js';
import { syncKey } from '../state/keys.js';
import { finding, where } from '../detect/finding.js';
import { getDeps, putDeps, readDeps, registerCount, setDeps } from './counts.js';
import { callText } from './call-text.js';

/** WARN_ONCE() of fs/file.c or file_ref.h, with its text. */
function warn(m: KernelCtx, t: Thread, what: string, text: string): void {
  const site = m.site(t);
  m.report(
    finding(m, 'warn', `WARNING: ${text}`, {
      sites: [[what, site]],
      details: [`at ${where(site.stack)}`],
      key: [text, where(site.stack)],
    }),
  );
}

/** The count at `a[0]` as a built-in finds it: the call's text, where it lies, and its value. */
function counter(m: KernelCtx, t: Thread, a: Value[], ins: BuiltinInstr) {
  const what = callText(ins);
  const r = m.resolve(t, a[0]!, what);
  return { what, r, n: m.getNum(r.alloc, r.off) };
}

/** A marked access of the count, as the spin-wait detector and KCSAN see it (`v`: the value written or read). */
function marked(m: KernelCtx, t: Thread, c: ReturnType<typeof counter>, write: boolean, v: number): void {
  m.spinAccess(t, c.r.alloc.id, c.r.off, write, v);
  m.kcsanAccess(t, c.r.key, write, true, c.what, v);
}

const FILE_REF: BuiltinTable = {
  /** file_ref_init(): atomic_long_set() of the count. */
  file_ref_init: {
    kind: 'step',
    deps: (m, _t, a) => setDeps(m, a[0]!, typeof a[1] === 'number' ? a[1] : 0),
    exec(m, t, a, ins) {
      const c = counter(m, t, a, ins);
      registerCount(m, c.r.alloc, c.r.off);
      const n = typeof a[1] === 'number' ? a[1] : 0;
      m.setNum(c.r.alloc, c.r.off, n);
      marked(m, t, c, true, n);
      return 0;
    },
  },
  /**
   * file_ref_inc(): a relaxed increment; WARN_ONCE() on a released reference,
   * which stays released (upstream's count stays in its dead zone, so a later
   * put warns of an imbalance and returns false).
   */
  file_ref_inc: {
    kind: 'step',
    deps: (m, _t, a) => getDeps(m, a[0]!),
    exec(m, t, a, ins) {
      const c = counter(m, t, a, ins);
      const n = c.n <= 0 ? c.n : c.n + 1;
      m.setNum(c.r.alloc, c.r.off, n);
      marked(m, t, c, true, n);
      if (c.n <= 0) warn(m, t, c.what, 'file_ref_inc() on a released file reference');
      return 0;
    },
  },
  /**
   * file_ref_put(): drop a reference; true when it was the last one. Release
   * ordering, and acquire ordering when it returns true. A put that leaves
   * a reference is KCSAN's marked addition (beside the last write, as
   * atomic_inc()'s), so that the shadow memory is the same in either order
   * of two of them.
   */
  file_ref_put: {
    kind: 'step',
    deps: (m, _t, a) => putDeps(m, a[0]!),
    exec(m, t, a, ins) {
      const c = counter(m, t, a, ins);
      if (c.n <= 0) {
        // __file_ref_put(): a put of a released reference leaves the count dead
        marked(m, t, c, false, c.n);
        warn(m, t, c.what, 'imbalanced put on file reference count');
        return 0;
      }
      m.setNum(c.r.alloc, c.r.off, c.n - 1);
      const sync = syncKey('rc', c.r.key);
      if (c.n > 1) {
        m.spinAccess(t, c.r.alloc.id, c.r.off, true, c.n - 1);
        m.kcsanAdd(t, c.r.key, c.what, c.n - 1);
        m.hbRelease(t, sync);
        return 0;
      }
      marked(m, t, c, true, 0);
      m.hbRelease(t, sync);
      m.hbAcquire(t, sync);
      return 1;
    },
  },
  /** file_ref_read(): the number of references (0 for a released file). */
  file_ref_read: {
    kind: 'step',
    deps: (m, _t, a) => readDeps(m, a[0]!),
    exec(m, t, a, ins) {
      const c = counter(m, t, a, ins);
      marked(m, t, c, false, c.n);
      return Math.max(0, c.n);
    },
  },
};

const SIGS: Record<string, BuiltinSig> = {
  file_ref_init: sig(2, 2, VOID),
  file_ref_inc: sig(1, 1, VOID),
  file_ref_put: sig(1, 1, BOOL),
  file_ref_read: sig(1, 1, LONG),
};

/** file_ref_t: a counter in memory, as atomic_t's (the model's fs.h declares `typedef atomic_t file_ref_t`). */
export const fileRef: Primitive = { name: 'file_ref', builtins: FILE_REF, sigs: SIGS };

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
 * the contract above, two puts that both leave a reference behind commute
 * (the count ends the same, neither returns true, and a release joins its
 * task's clock into the counter's whichever comes first), so the scheduler
 * can take them as independent, as two atomic_inc()s. Each system call on a
 * shared descriptor table takes a file reference and drops it (fdget(),
 * fdput()); with every put dependent with every other one, each pair of
 * system calls on one file was explored in both orders of their puts.
 *
 * So a put that leaves a reference (2 or more before it) is an addition
 * (Deps.adds), and the last put (1 before it) a write, dependent with every
 * other access to the count. Gets and reads are writes and reads of the
 * count, so an addition never commutes with what could make it the last
 * put. In a run of puts with no other access to the count between them,
 * the counts the puts find are the same in any order (c, c - 1, ...), so
 * each order gives the puts the same kinds: if the run's last put leaves a
 * reference, every order's does. What an event computed in an earlier
 * state cannot say is that another put has since brought the count to 2:
 * the put that does is marked (Deps.leavesOne), and a thread whose put was
 * asleep since before it wakes (sched/events.ts `wakes`).
 *
 * Only puts may be additions to the count, or an atomic_inc() on it could
 * decide which put is the last unseen: puts are additions only on a count
 * file_ref_init() initialised (KernelCtx.fileRefCounts), and atomic_t's
 * additions to such a count are writes (./atomic.ts). Upstream's
 * file_ref_t is a struct that atomic_*() calls do not take; the model's is
 * an atomic_t, so a program could mix them: this keeps it explored soundly
 * (a put on a count file_ref_init() did not initialise is a write).
 */
import type { Thread } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { BuiltinInstr, BuiltinTable, Deps, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, LONG, VOID } from '../lang/ctype.js';
import { syncKey } from '../state/keys.js';
import { finding, where } from '../detect/finding.js';

/** The text a call shows in reports (`file_ref_put(&file->f_ref)`). */
function callText(ins: BuiltinInstr): string {
  return `${ins.name}(${ins.extra?.argText?.join(', ') ?? ''})`;
}

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

const write = (m: KernelCtx, _t: Thread, a: Value[]): Deps => ({ reads: [], writes: [m.keyOf(a[0]!)] });

/** file_ref_inc(): a write of the count, which a wakeup sequence's later puts find one higher. */
const incDeps = (m: KernelCtx, _t: Thread, a: Value[]): Deps => {
  const k = m.keyOf(a[0]!);
  if (!m.fileRefCounts.has(k)) return { reads: [], writes: [k] };
  return { reads: [], writes: [k], counter: { key: k, op: 'get', before: count(m, a) } };
};

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

/** What a put finding `n` references is to the scheduler: {@link PUT_WRITE}, {@link PUT_ADD} or {@link PUT_LEAVES_ONE}. */
export function putKind(n: number): number {
  return n > 2 ? PUT_ADD : n === 2 ? PUT_LEAVES_ONE : PUT_WRITE;
}
/** The last put (or one of a released reference): a write of the count. */
export const PUT_WRITE = 0;
/** A put that leaves two or more references: an addition. */
export const PUT_ADD = 1;
/** A put that leaves one reference: an addition after which another put is the last (Deps.leavesOne). */
export const PUT_LEAVES_ONE = 2;

const count = (m: KernelCtx, a: Value[]): number => {
  const n = m.peek(a[0]!);
  return typeof n === 'number' ? n : 0;
};

/**
 * file_ref_put(): an addition while it leaves a reference (2 or more held),
 * which leaves one (`leavesOne`) at 2; the last put is a write.
 */
const putDeps = (m: KernelCtx, _t: Thread, a: Value[]): Deps => {
  const k = m.keyOf(a[0]!);
  // a count file_ref_init() did not initialise may also be an atomic_t's, whose additions commute with additions:
  // there a put is a write, and carries no counter for a wakeup sequence's kinds (sched/counter-kinds.ts)
  if (!m.fileRefCounts.has(k)) return { reads: [], writes: [k] };
  const n = count(m, a);
  const counter = { key: k, op: 'put' as const, before: n };
  const kind = putKind(n);
  if (kind === PUT_WRITE) return { reads: [], writes: [k], counter };
  return kind === PUT_LEAVES_ONE
    ? { reads: [], writes: [], adds: [k], leavesOne: k, counter }
    : { reads: [], writes: [], adds: [k], counter };
};

const FILE_REF: BuiltinTable = {
  /** file_ref_init(): atomic_long_set() of the count. */
  file_ref_init: {
    kind: 'step',
    deps: write,
    exec(m, t, a, ins) {
      const c = counter(m, t, a, ins);
      m.fileRefCounts.add(c.r.key);
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
    deps: incDeps,
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
    deps: putDeps,
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
    deps: (m, _t, a) => {
      const k = m.keyOf(a[0]!);
      if (!m.fileRefCounts.has(k)) return { reads: [k], writes: [] };
      return { reads: [k], writes: [], counter: { key: k, op: 'read', before: count(m, a) } };
    },
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

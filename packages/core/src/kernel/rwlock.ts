/**
 * rwlock_t (include/linux/rwlock.h, kernel/locking/qrwlock.c, Linux 6.17):
 * a spinning lock held by one writer or by any number of readers. A task
 * spinning on it is modelled as blocked, as for spinlock_t; the _irq/_bh
 * variants behave as the plain calls (the model has no interrupts).
 *
 * For the scheduler a read acquisition and a read release are reads of the
 * lock and the write side's calls are writes (sched/events.ts): two readers'
 * calls commute (neither enables or disables the other, and the set of
 * readers ends the same), while a writer's acquisition is dependent with
 * every reader's call, each of which can enable or disable it. Read
 * acquisitions race with the previous write acquisition, and a write
 * acquisition with that one and with the read acquisitions since
 * (Deps.acqShared; sched/dpor.ts).
 *
 * Happens-before (KCSAN): write_unlock() releases to the next acquisition of
 * either kind, read_unlock() only to the next write_lock(); two read-side
 * sections are not ordered by the lock, since they may overlap.
 *
 * lockdep: every acquisition is checked and ordered as a lock of its class.
 * A read_lock() by a task already reading the lock is reported as possible
 * recursive locking, as lockdep does in process context with queued rwlocks
 * (read_lock_is_recursive() is false there), and the task gets in.
 *
 * Not modelled: qrwlock's fairness in process context, where a new reader
 * waits behind a writer already waiting (queued_read_lock_slowpath()). Here
 * a reader gets in whenever no writer holds the lock, so a deadlock that
 * needs a queued writer to hold readers back is not found.
 */
import type { Thread } from '../state/state.js';
import type { Ptr, Value } from '../state/values.js';
import type { Builtin, BuiltinTable, Deps, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { VOID } from '../lang/ctype.js';
import { acquired, badUnlockDeps, implicitClass, initClass, released } from './locking.js';
import { badUnlock } from '../detect/lockdep.js';
import type { LockClass, PrimState } from '../state/prim.js';
import { syncKey } from '../state/keys.js';
import { callText1 } from './call-text.js';

/** Does `t` hold the lock `key`, for reading (`shared`) or for writing? */
const holding = (t: Thread, key: string, shared: boolean) => t.held.some((h) => h.key === key && !!h.shared === shared);

export interface RwlockState extends PrimState {
  readonly p: 'rwlock';
  /** The writer holding it, or -1. */
  readonly writer: number;
  /** The readers holding it, one bit per task. */
  readonly readers: number;
  readonly cls?: LockClass;
}

function state(m: KernelCtx, t: Thread, p: Value, what: string) {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<RwlockState>(r.alloc, r.off);
  return {
    alloc: r.alloc,
    off: r.off,
    key: r.key,
    s: s ?? { p: 'rwlock' as const, writer: -1, readers: 0, cls: implicitClass(m, r.alloc.id, r.off) },
  };
}

/** The lock's state without resolving (enabledness: a freed lock is enabled and faults when run). */
function peekState(m: KernelCtx, p: Value): RwlockState | undefined | null {
  const al = m.peekAlloc(p);
  if (!al || al.freeSite) return null;
  return m.getPrim<RwlockState>(al, (p as Ptr).o);
}

const readLock: Builtin = {
  kind: 'step',
  deps: (m, _t, a): Deps => {
    const k = m.keyOf(a[0]!);
    return { reads: [k], writes: [], acq: k, acqShared: true };
  },
  enabled(m, t, a) {
    const s = peekState(m, a[0]!);
    return !s || s.writer < 0 || s.writer === t.tid;
  },
  owner(m, _t, a) {
    const s = peekState(m, a[0]!);
    return s && s.writer >= 0 ? s.writer : undefined;
  },
  exec(m, t, a, ins) {
    const what = callText1(ins);
    const { alloc, off, key, s } = state(m, t, a[0]!, what);
    m.setPrim(alloc, off, { ...s, readers: s.readers | (1 << t.tid) });
    acquired(m, t, key, s.cls ?? implicitClass(m, alloc.id, off), 'spin', what, 0, true);
    return 0;
  },
};

const readUnlock: Builtin = {
  kind: 'step',
  deps: (m, t, a): Deps => {
    const k = m.keyOf(a[0]!);
    // a reader's release: a read of the lock that a write_lock() never comes before (the reader holds it until then)
    return holding(t, k, true) ? { reads: [k], writes: [], release: true } : badUnlockDeps(k);
  },
  exec(m, t, a, ins) {
    const what = callText1(ins);
    const { alloc, off, key, s } = state(m, t, a[0]!, what);
    const name = s.cls?.name ?? 'rwlock';
    // not reading it (a writer's read_unlock included): lockdep's bad unlock balance, the lock left as it is
    if (!holding(t, key, true)) {
      badUnlock(m, t, name, what);
      return 0;
    }
    released(m, t, key, name, what, syncKey('readers', key));
    // a recursive reader still holds it
    if (!holding(t, key, true)) m.setPrim(alloc, off, { ...s, readers: s.readers & ~(1 << t.tid) });
    return 0;
  },
};

const writeLock: Builtin = {
  kind: 'step',
  deps: (m, _t, a): Deps => {
    const k = m.keyOf(a[0]!);
    return { reads: [], writes: [k], acq: k };
  },
  enabled(m, t, a) {
    const s = peekState(m, a[0]!);
    // held by the task itself: runs, and lockdep reports the recursion
    return (
      !s ||
      (s.writer < 0 && (s.readers & ~(1 << t.tid)) === 0) ||
      s.writer === t.tid ||
      (s.readers & (1 << t.tid)) !== 0
    );
  },
  owner(m, _t, a) {
    const s = peekState(m, a[0]!);
    if (!s) return undefined;
    if (s.writer >= 0) return s.writer;
    return s.readers ? 31 - Math.clz32(s.readers & -s.readers) : undefined;
  },
  exec(m, t, a, ins) {
    const what = callText1(ins);
    const { alloc, off, key, s } = state(m, t, a[0]!, what);
    if (s.writer !== t.tid) m.setPrim(alloc, off, { ...s, writer: t.tid });
    acquired(m, t, key, s.cls ?? implicitClass(m, alloc.id, off), 'spin', what);
    m.hbAcquire(t, syncKey('readers', key));
    return 0;
  },
};

const writeUnlock: Builtin = {
  kind: 'step',
  deps: (m, t, a): Deps => {
    const k = m.keyOf(a[0]!);
    return holding(t, k, false) ? { reads: [], writes: [k] } : badUnlockDeps(k);
  },
  exec(m, t, a, ins) {
    const what = callText1(ins);
    const { alloc, off, key, s } = state(m, t, a[0]!, what);
    const name = s.cls?.name ?? 'rwlock';
    if (!holding(t, key, false)) {
      badUnlock(m, t, name, what);
      return 0;
    }
    released(m, t, key, name, what);
    m.setPrim(alloc, off, { ...s, writer: -1 });
    return 0;
  },
};

const RWLOCK: BuiltinTable = {
  rwlock_init: {
    kind: 'pure',
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'rwlock_init');
      m.setPrim(r.alloc, r.off, { p: 'rwlock', writer: -1, readers: 0, cls: initClass(m, ins, '&lock') });
      return 0;
    },
  },
  read_lock: readLock,
  read_lock_irq: readLock,
  read_lock_bh: readLock,
  read_unlock: readUnlock,
  read_unlock_irq: readUnlock,
  read_unlock_bh: readUnlock,
  write_lock: writeLock,
  write_lock_irq: writeLock,
  write_lock_bh: writeLock,
  write_unlock: writeUnlock,
  write_unlock_irq: writeUnlock,
  write_unlock_bh: writeUnlock,
};

const SIGS: Record<string, BuiltinSig> = Object.fromEntries(Object.keys(RWLOCK).map((k) => [k, sig(1, 1, VOID)]));

/** rwlock_t: one writer or many readers. */
export const rwlock: Primitive = {
  name: 'rwlock',
  builtins: RWLOCK,
  sigs: SIGS,
  defines: { DEFINE_RWLOCK: 0 },
  ctype: 'rwlock',
  state: {
    tag: 'rwlock',
    init: (cls): RwlockState => ({ p: 'rwlock', writer: -1, readers: 0, cls }),
    show: (s, _k, task) => {
      const r = s as RwlockState;
      if (r.writer >= 0) return `write-locked by ${task(r.writer)}`;
      if (!r.readers) return 'unlocked';
      const who: string[] = [];
      for (let i = 0; i < 31; i++) if (r.readers & (1 << i)) who.push(task(i));
      return `read-locked by ${who.join(', ')}`;
    },
  },
};

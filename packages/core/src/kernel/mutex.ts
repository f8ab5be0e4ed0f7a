/**
 * struct mutex (kernel/locking/mutex.c): sleeping lock with an owner.
 * mutex_lock blocks while another task owns the mutex; lockdep checks every
 * acquisition. A zeroed, never-initialised mutex works (as kzalloc'ed memory
 * would under !CONFIG_DEBUG_MUTEXES) and gets a class named after its field.
 */
import type { Thread } from '../state/state.js';
import type { Ptr, Value } from '../state/values.js';
import type { Builtin, BuiltinInstr, BuiltinTable, Deps, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { BOOL, INT, VOID } from '../lang/ctype.js';
import { acquired, implicitClass, initClass, released, unlockDeps } from './locking.js';
import { mightSleep } from '../detect/lockdep.js';
import type { LockClass, PrimState } from '../state/prim.js';
import { callText1 } from './call-text.js';

export interface MutexState extends PrimState {
  readonly p: 'mutex';
  /** Owning thread, or -1. */
  readonly owner: number;
  readonly cls?: LockClass;
}

function state(m: KernelCtx, t: Thread, p: Value, what: string) {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<MutexState>(r.alloc, r.off);
  return {
    alloc: r.alloc,
    off: r.off,
    key: r.key,
    s: s ?? { p: 'mutex' as const, owner: -1, cls: implicitClass(m, r.alloc.id, r.off) },
  };
}

const lockDeps = (m: KernelCtx, _t: Thread, a: Value[]): Deps => {
  const k = m.keyOf(a[0]!);
  return { reads: [], writes: [k], acq: k };
};

/**
 * mutex_lock() and its variants. The model has no signals, so the
 * interruptible and killable variants always take the lock (and return 0).
 */
function lockImpl(nested: boolean): Builtin {
  return {
    kind: 'step',
    deps: lockDeps,
    enabled(m, t, a) {
      const al = m.peekAlloc(a[0]!);
      if (!al || al.freeSite) return true; // faults when run
      const s = m.getPrim<MutexState>(al, (a[0] as Ptr).o);
      return !s || s.owner < 0 || s.owner === t.tid;
    },
    owner(m, _t, a) {
      const al = m.peekAlloc(a[0]!);
      const s = al ? m.getPrim<MutexState>(al, (a[0] as Ptr).o) : undefined;
      return s?.owner;
    },
    exec(m, t, a, ins: BuiltinInstr) {
      const what = callText1(ins, 'mutex_lock');
      mightSleep(m, t, what);
      const { alloc, off, key, s } = state(m, t, a[0]!, what);
      const sub = nested && typeof a[1] === 'number' ? a[1] : 0;
      if (s.owner !== t.tid) m.setPrim(alloc, off, { ...s, owner: t.tid });
      acquired(m, t, key, s.cls ?? implicitClass(m, alloc.id, off), 'sleep', what, sub);
      return 0;
    },
  };
}

const MUTEX: BuiltinTable = {
  mutex_init: {
    kind: 'pure',
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'mutex_init');
      m.setPrim(r.alloc, r.off, { p: 'mutex', owner: -1, cls: initClass(m, ins, '&lock') });
      return 0;
    },
  },
  mutex_destroy: { kind: 'pure', exec: () => 0 },
  mutex_lock: lockImpl(false),
  mutex_lock_interruptible: lockImpl(false),
  mutex_lock_killable: lockImpl(false),
  mutex_lock_nested: lockImpl(true),
  mutex_trylock: {
    kind: 'step',
    deps: (m, _t, a) => {
      const k = m.keyOf(a[0]!);
      const s = m.peek(a[0]!) as MutexState | undefined;
      return !s || s.owner < 0 ? { reads: [], writes: [k], acq: k, acqTry: true } : { reads: [], writes: [k] };
    },
    exec(m, t, a, ins) {
      const what = callText1(ins, 'mutex_trylock');
      const { alloc, off, key, s } = state(m, t, a[0]!, what);
      if (s.owner >= 0) return 0;
      m.setPrim(alloc, off, { ...s, owner: t.tid });
      acquired(m, t, key, s.cls ?? implicitClass(m, alloc.id, off), 'sleep', what);
      return 1;
    },
  },
  mutex_unlock: {
    kind: 'step',
    // The holder's unlock follows its lock in program order, so locks race lock with lock only. An
    // unlock by a task that does not hold the mutex (a lock-misuse finding) is ordered by nothing:
    // its outcome depends on who holds the mutex then, so it races like an acquisition.
    deps: (m, t, a) => unlockDeps(t, m.keyOf(a[0]!)),
    exec(m, t, a, ins) {
      const what = callText1(ins, 'mutex_unlock');
      const { alloc, off, key, s } = state(m, t, a[0]!, what);
      if (released(m, t, key, s.cls?.name ?? m.where(alloc.id, off), what) && s.owner === t.tid)
        m.setPrim(alloc, off, { ...s, owner: -1 });
      return 0;
    },
  },
  mutex_is_locked: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [m.keyOf(a[0]!)], writes: [] }),
    exec(m, t, a) {
      const { s } = state(m, t, a[0]!, 'mutex_is_locked');
      return s.owner >= 0 ? 1 : 0;
    },
  },
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  mutex_init: sig(1, 1, VOID),
  mutex_lock: sig(1, 1, VOID),
  mutex_unlock: sig(1, 1, VOID),
  mutex_trylock: sig(1, 1, INT),
  mutex_lock_interruptible: sig(1, 1, INT),
  mutex_lock_killable: sig(1, 1, INT),
  mutex_lock_nested: sig(2, 2, VOID),
  mutex_is_locked: sig(1, 1, BOOL),
  mutex_destroy: sig(1, 1, VOID),
};

/** struct mutex. */
export const mutex: Primitive = {
  name: 'mutex',
  builtins: MUTEX,
  sigs: SIGS,
  defines: { DEFINE_MUTEX: 0 },
  ctype: 'mutex',
  state: {
    tag: 'mutex',
    init: (cls): MutexState => ({ p: 'mutex', owner: -1, cls }),
    show: (s, _k, task) => ((s as MutexState).owner < 0 ? 'unlocked' : `locked by ${task((s as MutexState).owner)}`),
  },
};

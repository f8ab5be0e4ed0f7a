/**
 * spinlock_t (include/linux/spinlock.h) and xa_lock(). A task spinning on a
 * held lock is modelled as blocked. The _irq/_irqsave/_bh variants behave as
 * the plain lock: the model has no interrupts. Sleeping while a spinlock is
 * held is reported by might_sleep().
 */
import type { Thread } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { Builtin, BuiltinTable, KernelCtx, Primitive } from './api.js';
import { type BuiltinSig, sig } from './sig.js';
import { INT, VOID } from '../lang/ctype.js';
import { acquired, implicitClass, initClass, released, unlockDeps } from './locking.js';
import { type LockClass, type PrimState, isPrim } from '../state/prim.js';
import type { XArrayState } from './xarray.js';
import { type DepKey, partKey } from '../state/keys.js';
import { callText1 } from './call-text.js';

/** The key of the lock at `a[0]`: a spinlock_t, or an xarray's xa_lock. */
const lockKeyOf = (m: KernelCtx, a: Value[], xa: boolean): DepKey =>
  xa ? partKey(m.keyOf(a[0]!), 'lock') : m.keyOf(a[0]!);

/**
 * Does `p` name an xarray? Its xa_lock is its member at offset 0, so
 * `spin_lock(&xa->xa_lock)` gets the xarray's address, and it is the lock
 * xa_lock(xa) takes: include/linux/xarray.h defines xa_lock(xa) as
 * spin_lock(&(xa)->xa_lock) (Linux 6.17). The spinlock calls take it as the
 * xa_lock then: the same dependency key, owner, lockdep class and held lock.
 */
function atXa(m: KernelCtx, p: Value): boolean {
  const v = m.peek(p);
  if (isPrim(v)) return v.p === 'xa';
  // zeroed memory (an xarray no call has touched yet): what the program declares there
  return v === undefined && m.declares(p, 'xarray');
}

export interface SpinState extends PrimState {
  readonly p: 'spin';
  readonly owner: number;
  readonly cls?: LockClass;
}

/** Where a spinlock lives: a spinlock_t, or the xa_lock inside a struct xarray. */
interface LockRef {
  owner: number;
  key: DepKey;
  name: string;
  set(owner: number): void;
  cls: { key: string; name: string };
}

function spinRef(m: KernelCtx, t: Thread, p: Value, what: string): LockRef {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<SpinState>(r.alloc, r.off) ?? {
    p: 'spin' as const,
    owner: -1,
    cls: implicitClass(m, r.alloc.id, r.off),
  };
  const cls = s.cls ?? implicitClass(m, r.alloc.id, r.off);
  return { owner: s.owner, key: r.key, name: cls.name, cls, set: (o) => m.setPrim(r.alloc, r.off, { ...s, owner: o }) };
}

/** The xa_lock of the xarray `p` points to. */
export function xaLockRef(m: KernelCtx, t: Thread, p: Value, what: string): LockRef {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<XArrayState>(r.alloc, r.off) ?? emptyXa(m, r.alloc.id, r.off);
  const cls = s.cls ?? xaImplicitClass(m, r.alloc.id, r.off);
  return {
    owner: s.lockOwner,
    key: partKey(r.key, 'lock'),
    name: cls.name,
    cls,
    set: (o) => m.setPrim(r.alloc, r.off, { ...(m.getPrim<XArrayState>(r.alloc, r.off) ?? s), lockOwner: o }),
  };
}

export function emptyXa(m: KernelCtx, allocId: number, off: number): XArrayState {
  return { p: 'xa', entries: [], flags: 0, lockOwner: -1, cls: xaImplicitClass(m, allocId, off) };
}

function xaImplicitClass(m: KernelCtx, allocId: number, off: number) {
  const c = implicitClass(m, allocId, off);
  return { key: `${c.key}.xa_lock`, name: '&xa->xa_lock' };
}

/** Is the lock a call at `p` names an xarray's xa_lock: an xa_*() call's (`xa`), or a spinlock call's on an xarray? */
const isXaLock = (m: KernelCtx, p: Value, xa: boolean): boolean => xa || atXa(m, p);

/** The lock a call at `p` names (see {@link isXaLock}). */
function lockRef(m: KernelCtx, t: Thread, p: Value, what: string, xa: boolean): LockRef {
  return isXaLock(m, p, xa) ? xaLockRef(m, t, p, what) : spinRef(m, t, p, what);
}

/** The owner of the lock a call at `p` names, read without side effects (undefined: no state there yet). */
function ownerAt(m: KernelCtx, p: Value, xa: boolean): number | undefined {
  const v = m.peek(p);
  return isXaLock(m, p, xa) ? (v as XArrayState | undefined)?.lockOwner : (v as SpinState | undefined)?.owner;
}

/** Is the lock at `p` (spinlock or xarray) free, or held by `t` (then the call faults as recursion)? */
function freeOrSelf(m: KernelCtx, t: Thread, p: Value, xa: boolean): boolean {
  const al = m.peekAlloc(p);
  if (!al || al.freeSite) return true;
  const owner = ownerAt(m, p, xa);
  return owner === undefined || owner < 0 || owner === t.tid;
}

/**
 * spin_lock() and its variants (`xa` false), xa_lock() and xa_lock_irq()
 * (`xa` true). A spinlock call on an xarray's xa_lock is the xa_lock call.
 */
function lockImpl(xa: boolean): Builtin {
  return {
    kind: 'step',
    deps: (m, _t, a) => {
      const k = lockKeyOf(m, a, isXaLock(m, a[0]!, xa));
      return { reads: [], writes: [k], acq: k };
    },
    enabled: (m, t, a) => freeOrSelf(m, t, a[0]!, xa),
    owner: (m, _t, a) => ownerAt(m, a[0]!, xa),
    exec(m, t, a, ins) {
      const what = callText1(ins);
      const l = lockRef(m, t, a[0]!, what, xa);
      if (l.owner !== t.tid) l.set(t.tid);
      acquired(m, t, l.key, l.cls, 'spin', what);
      return 0;
    },
  };
}

/** spin_unlock() and its variants, xa_unlock() and xa_unlock_irq(), as lockImpl() pairs them. */
function unlockImpl(xa: boolean): Builtin {
  return {
    kind: 'step',
    deps: (m, t, a) => unlockDeps(t, lockKeyOf(m, a, isXaLock(m, a[0]!, xa))),
    exec(m, t, a, ins) {
      const what = callText1(ins);
      const l = lockRef(m, t, a[0]!, what, xa);
      if (released(m, t, l.key, l.name, what) && l.owner === t.tid) l.set(-1);
      return 0;
    },
  };
}

/**
 * spin_trylock() (`xa` false) and xa_trylock() (`xa` true): 1 and the lock
 * taken when it is free, else 0. Taken or not, it writes the lock, so it
 * races with the holder's unlock; only a success is an acquisition.
 */
function trylockImpl(xa: boolean): Builtin {
  return {
    kind: 'step',
    deps: (m, _t, a) => {
      const k = lockKeyOf(m, a, isXaLock(m, a[0]!, xa));
      const owner = ownerAt(m, a[0]!, xa) ?? -1;
      return owner < 0 ? { reads: [], writes: [k], acq: k, acqTry: true } : { reads: [], writes: [k] };
    },
    exec(m, t, a, ins) {
      const what = callText1(ins, xa ? 'xa_trylock' : 'spin_trylock');
      const l = lockRef(m, t, a[0]!, what, xa);
      if (l.owner >= 0) return 0;
      l.set(t.tid);
      acquired(m, t, l.key, l.cls, 'spin', what);
      return 1;
    },
  };
}

const SPINLOCK: BuiltinTable = {
  spin_lock_init: {
    kind: 'pure',
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'spin_lock_init');
      if (atXa(m, a[0]!)) {
        // an xarray's xa_lock: a new class for its lock, its slots kept (the spinlock_t is a member of it)
        const xa = m.getPrim<XArrayState>(r.alloc, r.off) ?? emptyXa(m, r.alloc.id, r.off);
        m.setPrim(r.alloc, r.off, { ...xa, lockOwner: -1, cls: initClass(m, ins, '&xa->xa_lock') });
      } else m.setPrim(r.alloc, r.off, { p: 'spin', owner: -1, cls: initClass(m, ins, '&lock') });
      return 0;
    },
  },
  spin_lock: lockImpl(false),
  spin_lock_irq: lockImpl(false),
  spin_lock_bh: lockImpl(false),
  spin_unlock: unlockImpl(false),
  spin_unlock_irq: unlockImpl(false),
  spin_unlock_bh: unlockImpl(false),
  spin_trylock: trylockImpl(false),
  xa_lock: lockImpl(true),
  xa_trylock: trylockImpl(true),
  xa_lock_irq: lockImpl(true),
  xa_unlock: unlockImpl(true),
  xa_unlock_irq: unlockImpl(true),
};

/** Signatures of the built-ins above, as kernel-C calls them. */
const SIGS: Record<string, BuiltinSig> = {
  spin_lock_init: sig(1, 1, VOID),
  spin_lock: sig(1, 1, VOID),
  spin_unlock: sig(1, 1, VOID),
  spin_trylock: sig(1, 1, INT),
  spin_lock_irq: sig(1, 1, VOID),
  spin_unlock_irq: sig(1, 1, VOID),
  spin_lock_bh: sig(1, 1, VOID),
  spin_unlock_bh: sig(1, 1, VOID),
  xa_lock: sig(1, 1, VOID),
  xa_trylock: sig(1, 1, INT),
  xa_unlock: sig(1, 1, VOID),
  xa_lock_irq: sig(1, 1, VOID),
  xa_unlock_irq: sig(1, 1, VOID),
};

/** spinlock_t, and the xa_lock of a struct xarray (xa_lock(), xa_trylock(), xa_unlock()). */
export const spinlock: Primitive = {
  name: 'spinlock',
  builtins: SPINLOCK,
  sigs: SIGS,
  defines: { DEFINE_SPINLOCK: 0, DEFINE_RAW_SPINLOCK: 0 },
  ctype: 'spinlock',
  state: {
    tag: 'spin',
    init: (cls): SpinState => ({ p: 'spin', owner: -1, cls }),
    show: (s, _k, task) => ((s as SpinState).owner < 0 ? 'unlocked' : `locked by ${task((s as SpinState).owner)}`),
  },
};

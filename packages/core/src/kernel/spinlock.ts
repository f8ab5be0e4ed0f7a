/**
 * spinlock_t (include/linux/spinlock.h) and xa_lock(). A task spinning on a
 * held lock is modelled as blocked. The _irq/_irqsave/_bh variants behave as
 * the plain lock: the model has no interrupts. Sleeping while a spinlock is
 * held is reported by might_sleep().
 */
import type { Thread } from '../vm/state.js';
import type { Machine } from '../vm/machine.js';
import type { Value } from '../vm/values.js';
import type { BuiltinImpl, BuiltinTable } from './api.js';
import { acquired, implicitClass, initClass, released } from './locking.js';
import type { SpinState, XArrayState } from './prim.js';

/** Where a spinlock lives: a spinlock_t, or the xa_lock inside a struct xarray. */
interface LockRef { owner: number; key: string; name: string; set(owner: number): void; cls: { key: string; name: string } }

function spinRef(m: Machine, t: Thread, p: Value, what: string): LockRef {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<SpinState>(r.alloc, r.off) ?? { p: 'spin' as const, owner: -1, cls: implicitClass(m, r.alloc.id, r.off) };
  const cls = s.cls ?? implicitClass(m, r.alloc.id, r.off);
  return { owner: s.owner, key: r.key, name: cls.name, cls, set: (o) => m.setPrim(r.alloc, r.off, { ...s, owner: o }) };
}

/** The xa_lock of the xarray `p` points to. */
export function xaLockRef(m: Machine, t: Thread, p: Value, what: string): LockRef {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<XArrayState>(r.alloc, r.off) ?? emptyXa(m, r.alloc.id, r.off);
  const cls = s.cls ?? xaImplicitClass(m, r.alloc.id, r.off);
  return { owner: s.lockOwner, key: `${r.key}#lock`, name: cls.name, cls, set: (o) => m.setPrim(r.alloc, r.off, { ...(m.getPrim<XArrayState>(r.alloc, r.off) ?? s), lockOwner: o }) };
}

export function emptyXa(m: Machine, allocId: number, off: number): XArrayState {
  return { p: 'xa', entries: [], flags: 0, lockOwner: -1, cls: xaImplicitClass(m, allocId, off) };
}

function xaImplicitClass(m: Machine, allocId: number, off: number) {
  const c = implicitClass(m, allocId, off);
  return { key: `${c.key}.xa_lock`, name: '&xa->xa_lock' };
}

/** Is the lock at `p` (spinlock or xarray) free, or held by `t` (then the call faults as recursion)? */
function freeOrSelf(m: Machine, t: Thread, p: Value, xa: boolean): boolean {
  if (typeof p !== 'object' || p.t !== 'p') return true;
  const al = m.state.heap.get(p.a);
  if (!al || al.freeSite) return true;
  const v = al.fields.get(p.o);
  const owner = xa ? (v as XArrayState | undefined)?.lockOwner : (v as SpinState | undefined)?.owner;
  return owner === undefined || owner < 0 || owner === t.tid;
}

function lockImpl(xa: boolean): BuiltinImpl & { owner: (m: Machine, t: Thread, a: Value[]) => number | undefined } {
  const keyOf = (m: Machine, a: Value[]) => (xa ? `${m.keyOf(a[0]!)}#lock` : m.keyOf(a[0]!));
  return {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [keyOf(m, a)], acq: keyOf(m, a) }),
    enabled: (m, t, a) => freeOrSelf(m, t, a[0]!, xa),
    owner(m, _t, a) {
      const p = a[0]!;
      if (typeof p !== 'object' || p.t !== 'p') return undefined;
      const v = m.state.heap.get(p.a)?.fields.get(p.o);
      return xa ? (v as XArrayState | undefined)?.lockOwner : (v as SpinState | undefined)?.owner;
    },
    exec(m, t, a, ins) {
      const what = `${ins.name}(${ins.extra?.argText?.[0] ?? ''})`;
      const l = xa ? xaLockRef(m, t, a[0]!, what) : spinRef(m, t, a[0]!, what);
      if (l.owner !== t.tid) l.set(t.tid);
      acquired(m, t, l.key, l.cls, 'spin', what);
      return 0;
    },
  };
}

function unlockImpl(xa: boolean): BuiltinImpl {
  const keyOf = (m: Machine, a: Value[]) => (xa ? `${m.keyOf(a[0]!)}#lock` : m.keyOf(a[0]!));
  return {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [keyOf(m, a)] }),
    exec(m, t, a, ins) {
      const what = `${ins.name}(${ins.extra?.argText?.[0] ?? ''})`;
      const l = xa ? xaLockRef(m, t, a[0]!, what) : spinRef(m, t, a[0]!, what);
      if (released(m, t, l.key, l.name, what) && l.owner === t.tid) l.set(-1);
      return 0;
    },
  };
}

export const SPINLOCK: BuiltinTable = {
  spin_lock_init: {
    kind: 'pure',
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'spin_lock_init');
      m.setPrim(r.alloc, r.off, { p: 'spin', owner: -1, cls: initClass(m, ins, '&lock') });
      return 0;
    },
  },
  spin_lock: lockImpl(false),
  spin_lock_irq: lockImpl(false),
  spin_lock_bh: lockImpl(false),
  spin_unlock: unlockImpl(false),
  spin_unlock_irq: unlockImpl(false),
  spin_unlock_bh: unlockImpl(false),
  spin_trylock: {
    kind: 'step',
    deps: (m, _t, a) => {
      const k = m.keyOf(a[0]!);
      const p = a[0]!;
      const s = typeof p === 'object' && p.t === 'p' ? (m.state.heap.get(p.a)?.fields.get(p.o) as SpinState | undefined) : undefined;
      return !s || s.owner < 0 ? { reads: [], writes: [k], acq: k, acqTry: true } : { reads: [], writes: [k] };
    },
    exec(m, t, a, ins) {
      const what = `spin_trylock(${ins.extra?.argText?.[0] ?? ''})`;
      const l = spinRef(m, t, a[0]!, what);
      if (l.owner >= 0) return 0;
      l.set(t.tid);
      acquired(m, t, l.key, l.cls, 'spin', what);
      return 1;
    },
  },
  xa_lock: lockImpl(true),
  xa_lock_irq: lockImpl(true),
  xa_unlock: unlockImpl(true),
  xa_unlock_irq: unlockImpl(true),
};

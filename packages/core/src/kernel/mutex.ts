/**
 * struct mutex (kernel/locking/mutex.c): sleeping lock with an owner.
 * mutex_lock blocks while another task owns the mutex; lockdep checks every
 * acquisition. A zeroed, never-initialised mutex works (as kzalloc'ed memory
 * would under !CONFIG_DEBUG_MUTEXES) and gets a class named after its field.
 */
import type { Thread } from '../vm/state.js';
import type { Machine } from '../vm/machine.js';
import type { Value } from '../vm/values.js';
import type { BuiltinImpl, BuiltinInstr, BuiltinTable, Deps } from './api.js';
import { acquired, implicitClass, initClass, mightSleep, released } from './locking.js';
import type { MutexState } from './prim.js';

function state(m: Machine, t: Thread, p: Value, what: string) {
  const r = m.resolve(t, p, what);
  const s = m.getPrim<MutexState>(r.alloc, r.off);
  return { ...r, s: s ?? { p: 'mutex' as const, owner: -1, cls: implicitClass(m, r.alloc.id, r.off) } };
}

const lockDeps = (m: Machine, _t: Thread, a: Value[]): Deps => {
  const k = m.keyOf(a[0]!);
  return { reads: [], writes: [k], acq: k };
};

function lockImpl(interruptible: boolean, nested: boolean): BuiltinImpl & { owner: (m: Machine, t: Thread, a: Value[]) => number | undefined } {
  return {
    kind: 'step',
    deps: lockDeps,
    enabled(m, t, a) {
      const p = a[0]!;
      if (typeof p !== 'object' || p.t !== 'p') return true; // faults when run
      const al = m.state.heap.get(p.a);
      if (!al || al.freeSite) return true;
      const s = m.getPrim<MutexState>(al, p.o);
      return !s || s.owner < 0 || s.owner === t.tid;
    },
    owner(m, _t, a) {
      const p = a[0]!;
      if (typeof p !== 'object' || p.t !== 'p') return undefined;
      const al = m.state.heap.get(p.a);
      const s = al ? m.getPrim<MutexState>(al, p.o) : undefined;
      return s?.owner;
    },
    exec(m, t, a, ins: BuiltinInstr) {
      const what = `mutex_lock(${ins.extra?.argText?.[0] ?? ''})`;
      mightSleep(m, t, what);
      const { alloc, off, key, s } = state(m, t, a[0]!, what);
      const sub = nested && typeof a[1] === 'number' ? a[1] : 0;
      if (s.owner !== t.tid) m.setPrim(alloc, off, { ...s, owner: t.tid });
      acquired(m, t, key, s.cls ?? implicitClass(m, alloc.id, off), 'mutex', what, sub);
      void interruptible;
      return 0;
    },
  };
}

export const MUTEX: BuiltinTable = {
  mutex_init: {
    kind: 'pure',
    exec(m, t, a, ins) {
      const r = m.resolve(t, a[0]!, 'mutex_init');
      m.setPrim(r.alloc, r.off, { p: 'mutex', owner: -1, cls: initClass(m, ins, '&lock') });
      return 0;
    },
  },
  mutex_destroy: { kind: 'pure', exec: () => 0 },
  mutex_lock: lockImpl(false, false),
  mutex_lock_interruptible: lockImpl(true, false),
  mutex_lock_killable: lockImpl(true, false),
  mutex_lock_nested: lockImpl(false, true),
  mutex_trylock: {
    kind: 'step',
    deps: (m, _t, a) => {
      const k = m.keyOf(a[0]!);
      const p = a[0]!;
      const s = typeof p === 'object' && p.t === 'p' ? (m.state.heap.get(p.a)?.fields.get(p.o) as MutexState | undefined) : undefined;
      return !s || s.owner < 0 ? { reads: [], writes: [k], acq: k, acqTry: true } : { reads: [], writes: [k] };
    },
    exec(m, t, a, ins) {
      const what = `mutex_trylock(${ins.extra?.argText?.[0] ?? ''})`;
      const { alloc, off, key, s } = state(m, t, a[0]!, what);
      if (s.owner >= 0) return 0;
      m.setPrim(alloc, off, { ...s, owner: t.tid });
      acquired(m, t, key, s.cls ?? implicitClass(m, alloc.id, off), 'mutex', what);
      return 1;
    },
  },
  mutex_unlock: {
    kind: 'step',
    deps: (m, _t, a) => ({ reads: [], writes: [m.keyOf(a[0]!)] }),
    exec(m, t, a, ins) {
      const what = `mutex_unlock(${ins.extra?.argText?.[0] ?? ''})`;
      const { alloc, off, key, s } = state(m, t, a[0]!, what);
      if (released(m, t, key, s.cls?.name ?? m.where(alloc.id, off), what) && s.owner === t.tid) m.setPrim(alloc, off, { ...s, owner: -1 });
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

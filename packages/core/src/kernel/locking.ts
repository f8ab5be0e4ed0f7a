/**
 * Shared lock bookkeeping for mutexes, spinlocks and the xa_lock: lockdep
 * classes, the per-task held-lock stack, the calls into lockdep's checks
 * (../detect/lockdep.ts: recursive locking, bad unlock balance) and the
 * happens-before edges KCSAN needs.
 */
import type { HeldLock, Thread } from '../state/state.js';
import type { LockClass } from '../state/prim.js';
import { Fault } from '../state/fault.js';
import { type DepKey, allocOfKey, liveKey, syncKey } from '../state/keys.js';
import { badUnlock, recursiveLock } from '../detect/lockdep.js';
import type { BuiltinInstr, Deps, KernelCtx } from './api.js';

/** Lock class for an `*_init(&x->lock)` call: keyed by the init site, named by its argument. */
export function initClass(m: KernelCtx, ins: BuiltinInstr, fallback: string): LockClass {
  const file = m.prog.files[ins.file]?.name ?? '?';
  const name = ins.extra?.argText?.[0]?.replace(/\s+/g, '') ?? fallback;
  return { key: `init:${file}:${ins.line}:${ins.column}`, name };
}

/** Class of a lock nobody initialised: keyed by the containing object's type and the field. */
export function implicitClass(m: KernelCtx, allocId: number, off: number): LockClass {
  const a = m.peekAlloc({ t: 'p', a: allocId, o: 0 });
  const owner = a?.kind === 'global' ? a.name : (a?.type ?? 'kmalloc');
  const member = m.where(allocId, off).replace(/^[^.[]*/, '');
  return {
    key: `implicit:${owner}${member || `+${off}`}`,
    name: a?.kind === 'global' ? m.where(allocId, off) : `&${owner}->${member.replace(/^\./, '') || 'lock'}`,
  };
}

/**
 * A task takes a lock: lockdep's recursion check and dependency edges,
 * the held-lock stack, and the acquire half of happens-before.
 * A task re-acquiring a lock it holds deadlocks on itself (reported, fatal);
 * a second read acquisition of an rwlock_t (`shared`) is reported and goes on.
 */
export function acquired(
  m: KernelCtx,
  t: Thread,
  key: DepKey,
  cls: LockClass,
  kind: 'sleep' | 'spin',
  what: string,
  subclass = 0,
  shared = false,
): void {
  const s = m.site(t);
  const clsKey = subclass ? `${cls.key}/${subclass}` : cls.key;
  const clsName = subclass ? `${cls.name}/${subclass}` : cls.name;
  const same = t.held.find((h) => h.key === key);
  const h = same ?? t.held.find((x) => x.cls === clsKey);
  if (h) {
    recursiveLock(m, t, h, !!same, clsName, what, shared && h.shared === true);
    // A reader of an rwlock_t reading it again is reported too: in process context with queued rwlocks
    // lockdep takes read_lock() as a non-recursive read (read_lock_is_recursive(), Linux 6.17). It gets
    // in all the same unless a writer waits, and the model queues no waiting writer.
    if (same && !(shared && h.shared)) throw new Fault('recursive locking');
  }
  const f = m.lockdep.acquire(m, t.held, clsKey, clsName, s, () => m.currentSchedule());
  if (f) m.report(f);
  t.held = [
    ...t.held,
    shared
      ? { key, cls: clsKey, name: clsName, kind, site: s, shared }
      : { key, cls: clsKey, name: clsName, kind, site: s },
  ];
  m.hbAcquire(t, syncKey('lock', key));
}

/**
 * A task releases a lock it holds (false, with a lockdep splat, when it does
 * not hold it), publishing its clock on `sync` (the lock's; a reader of an
 * rwlock_t publishes on the lock's readers, which only writers acquire).
 */
export function released(
  m: KernelCtx,
  t: Thread,
  key: DepKey,
  name: string,
  what: string,
  sync = syncKey('lock', key),
): boolean {
  // the most recent acquisition, as lockdep releases (a recursive reader holds two)
  let i = t.held.length - 1;
  while (i >= 0 && t.held[i]!.key !== key) i--;
  if (i < 0) {
    badUnlock(m, t, name, what);
    return false;
  }
  t.held = t.held.filter((_, k) => k !== i);
  m.hbRelease(t, sync);
  return true;
}

/** The held lock record for `key`, if `t` holds it. */
export function holds(t: Thread, key: string): HeldLock | undefined {
  return t.held.find((h) => h.key === key);
}

/**
 * Dependencies of an unlock of the lock at `key` by `t`: a write of the lock
 * by its holder. An unlock by a task that does not hold it is lockdep's "bad
 * unlock balance" finding, decided by the task's own held-lock stack, and
 * leaves the lock as it is (the model releases a lock for its holder only):
 * it touches nothing shared but the liveness of the lock's memory. (As a
 * write it would be ordered by nothing, since locks race with locks only, and
 * DPOR would miss the orders it distinguishes.)
 */
export function unlockDeps(t: Thread, key: DepKey): Deps {
  if (t.held.some((h) => h.key === key)) return { reads: [], writes: [key] };
  return badUnlockDeps(key);
}

/**
 * Dependencies of an unlock that finds the lock not held by the caller (see
 * {@link unlockDeps}): it still reads the lock's memory, which may have been
 * freed, so only that liveness is its dependency.
 */
export function badUnlockDeps(key: DepKey): Deps {
  const id = allocOfKey(key);
  return { reads: id === undefined ? [] : [liveKey(id)], writes: [] };
}

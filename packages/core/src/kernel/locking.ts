/**
 * Shared lock bookkeeping for mutexes, spinlocks and the xa_lock: lockdep
 * classes, the per-task held-lock stack, lockdep's checks (recursive locking,
 * bad unlock balance, sleeping in atomic context) and the happens-before
 * edges KCSAN needs.
 */
import type { HeldLock, Thread } from '../vm/state.js';
import type { Machine } from '../vm/machine.js';
import { siteToAccess, where } from '../detect/finding.js';
import type { BuiltinInstr } from './api.js';
import { Fault } from './api.js';
import type { LockClass } from './prim.js';

/** Lock class for an `*_init(&x->lock)` call: keyed by the init site, named by its argument. */
export function initClass(m: Machine, ins: BuiltinInstr, fallback: string): LockClass {
  const file = m.prog.files[ins.file]?.name ?? '?';
  const name = ins.extra?.argText?.[0]?.replace(/\s+/g, '') ?? fallback;
  return { key: `init:${file}:${ins.line}:${ins.column}`, name };
}

/** Class of a lock nobody initialised: keyed by the containing object's type and the field. */
export function implicitClass(m: Machine, allocId: number, off: number): LockClass {
  const a = m.state.heap.get(allocId);
  const owner = a?.kind === 'global' ? a.name : a?.type ?? 'kmalloc';
  const member = m.where(allocId, off).replace(/^[^.[]*/, '');
  return { key: `implicit:${owner}${member || `+${off}`}`, name: a?.kind === 'global' ? m.where(allocId, off) : `&${owner}->${member.replace(/^\./, '') || 'lock'}` };
}

/** `might_sleep()`: sleeping while holding a spinlock is a BUG in the kernel. */
export function mightSleep(m: Machine, t: Thread, what: string): void {
  const spin = t.held.find((h) => h.kind === 'spin');
  if (!spin) return;
  const s = m.site(t);
  m.report({
    kind: 'lock-misuse',
    title: `BUG: sleeping function called from invalid context at ${s.stack[0]?.file}:${s.stack[0]?.line}`,
    details: [`${what} may sleep, but ${t.name} holds ${spin.name} (a spinlock, taken at ${where(spin.site.stack)})`, 'in_atomic(): 1, irqs_disabled(): 0'],
    accesses: [siteToAccess(what, s), siteToAccess(`lock(${spin.name})`, spin.site)],
    objects: [], fatal: false, key: `lock-misuse:sleep-in-atomic:${where(s.stack)}`, origin: m.originOf([s, spin.site]),
  });
}

/**
 * A task takes a lock: lockdep's recursion check and dependency edges,
 * the held-lock stack, and the acquire half of happens-before.
 * A task re-acquiring a lock it holds deadlocks on itself (reported, fatal).
 */
export function acquired(m: Machine, t: Thread, key: string, cls: LockClass, kind: 'mutex' | 'spin', what: string, subclass = 0): void {
  const s = m.site(t);
  const clsKey = subclass ? `${cls.key}/${subclass}` : cls.key;
  const clsName = subclass ? `${cls.name}/${subclass}` : cls.name;
  const same = t.held.find((h) => h.key === key);
  const sameClass = t.held.find((h) => h.cls === clsKey);
  if (same || sameClass) {
    const h = (same ?? sameClass)!;
    m.report({
      kind: 'lock-misuse',
      title: 'WARNING: possible recursive locking detected',
      details: [
        `${t.name} is trying to acquire lock:`, `  (${clsName}) at: ${where(s.stack)}`, '',
        'but task is already holding lock:', `  (${h.name}) at: ${where(h.site.stack)}`, '',
        ' Possible unsafe locking scenario:', '', '       CPU0', '       ----', `  lock(${h.name});`, `  lock(${clsName});`, '',
        ' *** DEADLOCK ***', '',
        same ? 'The task takes a lock it already holds and waits for itself forever.' : ' May be due to missing lock nesting notation',
      ],
      accesses: [siteToAccess(`lock(${h.name})`, h.site), siteToAccess(what, s)],
      objects: [], fatal: !!same, key: `lock-misuse:recursive:${where(s.stack)}`, origin: m.originOf([s, h.site]),
    });
    if (same) throw new Fault('recursive locking');
  }
  const f = m.shared.lockdep.acquire(t.held, clsKey, clsName, s, (sites) => m.originOf(sites), () => m.currentSchedule());
  if (f) m.report(f);
  const h: HeldLock = { key, cls: clsKey, name: clsName, kind, site: s };
  t.held = [...t.held, h];
  m.hbAcquire(t, `lock:${key}`);
}

/** A task releases a lock it holds (false, with a lockdep splat, when it does not hold it). */
export function released(m: Machine, t: Thread, key: string, name: string, what: string): boolean {
  const i = t.held.findIndex((h) => h.key === key);
  if (i < 0) {
    const s = m.site(t);
    m.report({
      kind: 'lock-misuse',
      title: 'WARNING: bad unlock balance detected!',
      details: [`${t.name} is trying to release lock (${name}) at:`, `  ${where(s.stack)}`, 'but there are no more locks to release!'],
      accesses: [siteToAccess(what, s)], objects: [], fatal: false,
      key: `lock-misuse:bad-unlock:${where(s.stack)}`, origin: m.originOf([s]),
    });
    return false;
  }
  t.held = t.held.filter((_, k) => k !== i);
  m.hbRelease(t, `lock:${key}`);
  return true;
}

/** The held lock record for `key`, if `t` holds it. */
export function holds(t: Thread, key: string): HeldLock | undefined {
  return t.held.find((h) => h.key === key);
}

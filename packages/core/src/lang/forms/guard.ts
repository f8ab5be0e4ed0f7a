/**
 * Scope-based lock guards, as include/linux/cleanup.h and the DEFINE_GUARD
 * lines of mutex.h, spinlock.h and xarray.h define them: the statement
 * `guard(mutex)(&lock);` takes the lock until the end of the enclosing scope,
 * and `scoped_guard(mutex, &lock) { ... }` for the statement that follows.
 * Every exit from the scope (fall-through, break, continue, return, goto)
 * releases the guards taken in it, innermost first.
 */
import { type Syn, field, lastToken, named } from '../syntax.js';
import { Op } from '../ir.js';
import type { Label, LowerCtx } from './context.js';

/** Guard classes: the lock and unlock built-ins of each. */
const LOCK_FNS: Record<string, [string, string]> = {
  mutex: ['mutex_lock', 'mutex_unlock'],
  spinlock: ['spin_lock', 'spin_unlock'],
  spinlock_irq: ['spin_lock_irq', 'spin_unlock_irq'],
  spinlock_irqsave: ['spin_lock', 'spin_unlock'],
  spinlock_bh: ['spin_lock_bh', 'spin_unlock_bh'],
  raw_spinlock: ['spin_lock', 'spin_unlock'],
  raw_spinlock_irqsave: ['spin_lock', 'spin_unlock'],
  xa_lock: ['xa_lock', 'xa_unlock'],
};

/** The unlock built-in of guard class `lockType` (one that {@link takeGuard} accepted). */
export function guardUnlockFn(lockType: string): string {
  return LOCK_FNS[lockType]![1];
}

/** Take the lock `lockArg` points to and register its release at the end of the innermost scope. */
function takeGuard(cx: LowerCtx, lockType: string, lockArg: Syn): void {
  const p = cx.value(lockArg);
  const keep = cx.newReg(null);
  cx.emit({ op: Op.Mov, dst: keep, src: p.reg });
  const lock = LOCK_FNS[lockType]![0];
  cx.emit({ op: Op.Builtin, dst: cx.newReg(null), name: lock, args: [keep], extra: { argText: [cx.text(lockArg)] } });
  cx.addCleanup({ lockType, reg: keep });
}

/**
 * Lower the statement `guard(type)(lock);`. Returns false if `e` is not a
 * guard; reports an unsupported guard class or a wrong argument count.
 */
export function guardStatement(cx: LowerCtx, e: Syn): boolean {
  if (e.type !== 'call_expression') return false;
  const f = field(e, 'function')!;
  if (f.type !== 'call_expression') return false;
  const g = field(f, 'function')!;
  if (g.type !== 'identifier' || g.text !== 'guard') return false;
  const kind = named(field(f, 'arguments')!)[0];
  const args = named(field(e, 'arguments')!);
  const lockType = kind?.text ?? '';
  if (!LOCK_FNS[lockType]) {
    const supported = 'use guard(mutex), guard(spinlock), guard(spinlock_irqsave) or guard(xa_lock)';
    cx.err(kind ?? g, `guard(${lockType}) is not supported; ${supported}`);
    return true;
  }
  if (args.length !== 1) {
    cx.err(e, `guard(${lockType}) takes one lock pointer`);
    return true;
  }
  cx.at(e);
  takeGuard(cx, lockType, args[0]!);
  return true;
}

/**
 * `scoped_guard(type, lock) body` (already split into its two arguments, in
 * the scope the loop-macro lowering opened): the lock is held for `body`;
 * break and continue leave it, as they leave the kernel's for loop. Returns
 * false, having reported it, for an unsupported guard class.
 */
export function scopedGuard(cx: LowerCtx, args: Syn[], body: Syn, end: Label, loopId: number): boolean {
  const lockType = args[0]!.text;
  if (!LOCK_FNS[lockType]) {
    cx.err(args[0]!, `scoped_guard(${lockType}, ...) is not supported; use mutex or spinlock`);
    return false;
  }
  takeGuard(cx, lockType, args[1]!);
  cx.loopBody(body, { brk: end, cont: end, depth: cx.scopeDepth() - 1, loopId });
  cx.at(lastToken(body));
  cx.popScope();
  cx.place(end);
  return true;
}

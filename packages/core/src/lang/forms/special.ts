/**
 * Special forms: kernel macros called like functions whose arguments
 * lowering needs unevaluated (a type, a member name, an lvalue, a condition
 * to re-evaluate). {@link lowerSpecialForm} dispatches by name to the family
 * that lowers the form:
 *
 * - ./once.ts: READ_ONCE, WRITE_ONCE, data_race, smp_load_acquire, smp_store_release, smp_mb, barrier, ...
 * - ./container-of.ts: container_of, container_of_const, list_entry, list_first_entry, list_last_entry
 * - ./warn.ts: WARN_ON[_ONCE], WARN[_ONCE], BUG_ON, assert, INVARIANT, lockdep_assert_[not_]held
 * - ./minmax.ts: likely, unlikely, BIT, BIT_ULL, min, max, min_t, max_t, ARRAY_SIZE
 * - ./wait.ts: wait_event, wait_event_timeout, wait_event_interruptible[_timeout], wait_event_killable
 * - this file: spin_lock_irqsave/spin_unlock_irqrestore, and the diagnostics for
 *   typeof, offsetof, and guard/XA_STATE used as expressions.
 *
 * Statement forms live in ./guard.ts (guard, scoped_guard), ./xa-state.ts
 * (XA_STATE) and ./loops.ts (xa_for_each, list_for_each_entry, ...).
 */
import type { Syn } from '../syntax.js';
import { type LowerCtx, type SpecialForm, type Val, takes } from './context.js';
import { ONCE_FORMS } from './once.js';
import { CONTAINER_OF_FORMS } from './container-of.js';
import { WARN_FORMS } from './warn.js';
import { MINMAX_FORMS } from './minmax.js';
import { waitForm } from './wait.js';

/** A form that only reports how to write it instead. */
const misuse =
  (message: string): SpecialForm =>
  (cx, _name, n) => {
    cx.err(n, message);
    return cx.zero();
  };

/**
 * `spin_lock_irqsave(lock, flags)` / `spin_unlock_irqrestore(lock, flags)`:
 * the flags argument is an lvalue the macro assigns; there are no interrupts
 * in the model, so they are spin_lock / spin_unlock.
 */
function irqsave(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 2)) return cx.zero();
  return cx.builtin(name === 'spin_lock_irqsave' ? 'spin_lock' : 'spin_unlock', n, [args[0]!], {});
}

const OTHER_FORMS: Record<string, SpecialForm> = {
  typeof: misuse('typeof is not supported; name the type'),
  offsetof: misuse('offsetof is not supported; the model has no byte layout. Use container_of.'),
  guard: misuse('guard(type) must be followed by (lock pointer), as in guard(mutex)(&lock);'),
  XA_STATE: misuse('XA_STATE(...) declares a variable; write it as a statement of its own'),
  spin_lock_irqsave: irqsave,
  spin_unlock_irqrestore: irqsave,
};

const FORMS = new Map<string, SpecialForm>(
  Object.entries({
    ...ONCE_FORMS,
    ...CONTAINER_OF_FORMS,
    ...WARN_FORMS,
    ...MINMAX_FORMS,
    ...OTHER_FORMS,
  }),
);

/**
 * Lower the call `n` of kernel macro `name` with its unevaluated `args`;
 * undefined if `name` is not a special form (then it is an ordinary call).
 */
export function lowerSpecialForm(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val | undefined {
  const form = FORMS.get(name) ?? waitForm(name);
  return form ? form(cx, name, n, args) : undefined;
}

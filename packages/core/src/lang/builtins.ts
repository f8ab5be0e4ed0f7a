/**
 * The front end's own kernel tables: the special forms lowering expands
 * itself (READ_ONCE, wait_event, container_of, guard, ...; see ./forms/), the
 * internal built-ins it emits, and the kernel primitives as C types (type
 * names, sizes, alignment and readable members: the dialect's type system).
 * The built-in functions' signatures and the DEFINE_* macros come from the
 * kernel primitives themselves (../kernel/, through ./kernel-api.ts).
 *
 * Only ./kernel-api.ts reads these tables; the rest of the front end asks it.
 */
import type { PrimName } from './ctype.js';
import type { FieldLayout } from './types.js';

/** Calls that lowering expands itself, with their arguments unevaluated. */
export const SPECIAL_FORMS = new Set([
  'container_of',
  'container_of_const',
  'list_entry',
  'list_first_entry',
  'list_last_entry',
  'offsetof',
  'READ_ONCE',
  'WRITE_ONCE',
  'data_race',
  'smp_load_acquire',
  'smp_store_release',
  'smp_mb',
  'smp_rmb',
  'smp_wmb',
  'barrier',
  'WARN_ON',
  'WARN_ON_ONCE',
  'WARN',
  'WARN_ONCE',
  'BUG_ON',
  'assert',
  'lockdep_assert_held',
  'lockdep_assert_not_held',
  'wait_event',
  'wait_event_timeout',
  'wait_event_interruptible',
  'wait_event_interruptible_timeout',
  'wait_event_killable',
  'guard',
  'XA_STATE',
  'likely',
  'unlikely',
  'BIT',
  'BIT_ULL',
  'min',
  'max',
  'min_t',
  'max_t',
  'ARRAY_SIZE',
  'typeof',
  'INVARIANT',
  'spin_lock_irqsave',
  'spin_unlock_irqrestore',
]);

/** Built-ins that only lowering emits; kernel-C cannot call them by name. */
export const INTERNAL_BUILTINS = new Set([
  '__wait_prepare',
  '__wait_schedule',
  '__wait_finish',
  '__assert',
  '__warn',
  '__warn_once',
  '__bug_on',
  '__lockdep_assert_held',
  '__lockdep_assert_not_held',
  '__xa_find',
  '__invariant',
  '__container_of',
  '__jiffies',
]);

/** Kernel typedef names that stand for primitives. */
export const PRIM_TYPEDEFS: Record<string, PrimName> = {
  refcount_t: 'refcount',
  spinlock_t: 'spinlock',
  raw_spinlock_t: 'spinlock',
  rwlock_t: 'rwlock',
  atomic_t: 'atomic',
  atomic64_t: 'atomic',
  wait_queue_head_t: 'wait_queue_head',
};

/** Kernel struct tags that stand for primitives. */
export const PRIM_STRUCTS: Record<string, PrimName> = {
  mutex: 'mutex',
  xarray: 'xarray',
  xa_state: 'xa_state',
  completion: 'completion',
  wait_queue_head: 'wait_queue_head',
  rw_semaphore: 'rw_semaphore',
  ida: 'ida',
  spinlock: 'spinlock',
};

/** How diagnostics spell each primitive type. */
export const PRIM_SPELLING: Record<PrimName, string> = {
  mutex: 'struct mutex',
  spinlock: 'spinlock_t',
  rwlock: 'rwlock_t',
  refcount: 'refcount_t',
  atomic: 'atomic_t',
  xarray: 'struct xarray',
  xa_state: 'struct xa_state',
  wait_queue_head: 'wait_queue_head_t',
  completion: 'struct completion',
  rw_semaphore: 'struct rw_semaphore',
  ida: 'struct ida',
};

/** Size in bytes of each primitive (LP64). */
export const PRIM_SIZE: Record<PrimName, number> = {
  mutex: 32,
  spinlock: 4,
  rwlock: 8,
  refcount: 4,
  atomic: 4,
  xarray: 16,
  xa_state: 40,
  wait_queue_head: 24,
  completion: 32,
  rw_semaphore: 40,
  ida: 16,
};

/** Alignment in bytes of each primitive. */
export const PRIM_ALIGN: Record<PrimName, number> = {
  mutex: 8,
  spinlock: 4,
  rwlock: 4,
  refcount: 4,
  atomic: 4,
  xarray: 8,
  xa_state: 8,
  wait_queue_head: 8,
  completion: 8,
  rw_semaphore: 8,
  ida: 8,
};

/**
 * Members of primitives that kernel code reads directly: the xa_lock of an
 * xarray (at offset 0, as in struct xarray), the fields of an XA_STATE, the
 * counter inside a refcount_t.
 */
export const PRIM_FIELDS: Partial<Record<PrimName, FieldLayout[]>> = {
  xarray: [{ name: 'xa_lock', offset: 0, type: { k: 'prim', name: 'spinlock' } }],
  xa_state: [
    { name: 'xa', offset: 0, type: { k: 'ptr', to: { k: 'prim', name: 'xarray' } } },
    { name: 'xa_index', offset: 8, type: { k: 'int', name: 'unsigned long', bits: 64, signed: false } },
  ],
  refcount: [{ name: 'refs', offset: 0, type: { k: 'prim', name: 'atomic' } }],
};

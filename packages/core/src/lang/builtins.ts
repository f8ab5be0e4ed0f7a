/**
 * The kernel tables of the front end: names, arities and result types of the
 * kernel built-ins the VM implements natively (see ../kernel/); the special
 * forms lowering expands itself (READ_ONCE, wait_event, container_of, guard,
 * ...; see ./forms/); the kernel primitives' type names, sizes and members;
 * the DEFINE_* macros that declare a primitive.
 *
 * Only ./kernel-api.ts reads these tables; the rest of the front end asks it.
 */
import { type CType, type PrimName, BOOL, INT, LONG, ULONG, UINT, VOID, VOIDP } from './ctype.js';
import type { FieldLayout } from './types.js';

/** Arity (`max` 99: variadic) and result type of a kernel built-in. */
export interface BuiltinSig {
  min: number;
  max: number;
  ret: CType;
}

const s = (min: number, max: number, ret: CType): BuiltinSig => ({ min, max, ret });
const VAR = 99;

/** Every kernel built-in the VM implements, by name, including the internal ones lowering emits. */
export const BUILTIN_SIGS: Record<string, BuiltinSig> = {
  // heap
  kmalloc: s(2, 2, VOIDP), kzalloc: s(2, 2, VOIDP), kcalloc: s(3, 3, VOIDP), kmalloc_array: s(3, 3, VOIDP),
  kvzalloc: s(2, 2, VOIDP), kvmalloc: s(2, 2, VOIDP), kfree: s(1, 1, VOID), kvfree: s(1, 1, VOID),
  // mutex
  mutex_init: s(1, 1, VOID), mutex_lock: s(1, 1, VOID), mutex_unlock: s(1, 1, VOID), mutex_trylock: s(1, 1, INT),
  mutex_lock_interruptible: s(1, 1, INT), mutex_lock_killable: s(1, 1, INT), mutex_lock_nested: s(2, 2, VOID),
  mutex_is_locked: s(1, 1, BOOL), mutex_destroy: s(1, 1, VOID),
  // spinlocks (irq variants behave as plain spinlocks: there are no interrupts in the model)
  spin_lock_init: s(1, 1, VOID), spin_lock: s(1, 1, VOID), spin_unlock: s(1, 1, VOID), spin_trylock: s(1, 1, INT),
  spin_lock_irq: s(1, 1, VOID), spin_unlock_irq: s(1, 1, VOID), spin_lock_bh: s(1, 1, VOID), spin_unlock_bh: s(1, 1, VOID),
  spin_lock_irqsave: s(2, 2, VOID), spin_unlock_irqrestore: s(2, 2, VOID),
  xa_lock: s(1, 1, VOID), xa_unlock: s(1, 1, VOID), xa_lock_irq: s(1, 1, VOID), xa_unlock_irq: s(1, 1, VOID),
  // refcount_t (lib/refcount.c)
  refcount_set: s(2, 2, VOID), refcount_read: s(1, 1, UINT), refcount_inc: s(1, 1, VOID), refcount_add: s(2, 2, VOID),
  refcount_inc_not_zero: s(1, 1, BOOL), refcount_add_not_zero: s(2, 2, BOOL), refcount_dec: s(1, 1, VOID),
  refcount_dec_and_test: s(1, 1, BOOL), refcount_sub_and_test: s(2, 2, BOOL), refcount_dec_if_one: s(1, 1, BOOL),
  refcount_dec_not_one: s(1, 1, BOOL),
  // atomic_t
  atomic_set: s(2, 2, VOID), atomic_read: s(1, 1, INT), atomic_inc: s(1, 1, VOID), atomic_dec: s(1, 1, VOID),
  atomic_add: s(2, 2, VOID), atomic_sub: s(2, 2, VOID), atomic_inc_return: s(1, 1, INT), atomic_dec_return: s(1, 1, INT),
  atomic_dec_and_test: s(1, 1, BOOL), atomic_inc_not_zero: s(1, 1, BOOL), atomic_cmpxchg: s(3, 3, INT), atomic_xchg: s(2, 2, INT),
  atomic_fetch_add: s(2, 2, INT), atomic_add_return: s(2, 2, INT), atomic_sub_return: s(2, 2, INT),
  // xarray
  xa_init: s(1, 1, VOID), xa_init_flags: s(2, 2, VOID), xa_alloc: s(5, 5, INT), xa_load: s(2, 2, VOIDP),
  xa_store: s(4, 4, VOIDP), xa_erase: s(2, 2, VOIDP), xa_cmpxchg: s(5, 5, VOIDP), xa_insert: s(4, 4, INT),
  __xa_store: s(4, 4, VOIDP), __xa_erase: s(2, 2, VOIDP), __xa_cmpxchg: s(5, 5, VOIDP), __xa_alloc: s(5, 5, INT),
  xa_empty: s(1, 1, BOOL), xa_destroy: s(1, 1, VOID), xa_is_zero: s(1, 1, BOOL), xa_err: s(1, 1, INT), xa_is_err: s(1, 1, BOOL),
  xas_load: s(1, 1, VOIDP), xas_store: s(2, 2, VOIDP), xa_mk_value: s(1, 1, VOIDP), xa_to_value: s(1, 1, ULONG),
  // wait queues
  init_waitqueue_head: s(1, 1, VOID), wake_up: s(1, 1, VOID), wake_up_all: s(1, 1, VOID),
  wake_up_interruptible: s(1, 1, VOID), wake_up_interruptible_all: s(1, 1, VOID), waitqueue_active: s(1, 1, BOOL),
  // completions
  init_completion: s(1, 1, VOID), reinit_completion: s(1, 1, VOID), complete: s(1, 1, VOID), complete_all: s(1, 1, VOID),
  wait_for_completion: s(1, 1, VOID), wait_for_completion_timeout: s(2, 2, ULONG), try_wait_for_completion: s(1, 1, BOOL),
  completion_done: s(1, 1, BOOL), wait_for_completion_interruptible: s(1, 1, INT),
  // ida
  ida_init: s(1, 1, VOID), ida_alloc: s(2, 2, INT), ida_alloc_max: s(3, 3, INT), ida_free: s(2, 2, VOID), ida_destroy: s(1, 1, VOID),
  // errors and values
  IS_ERR: s(1, 1, BOOL), IS_ERR_OR_NULL: s(1, 1, BOOL), PTR_ERR: s(1, 1, LONG), ERR_PTR: s(1, 1, VOIDP),
  ERR_CAST: s(1, 1, VOIDP), PTR_ERR_OR_ZERO: s(1, 1, INT), msecs_to_jiffies: s(1, 1, ULONG), jiffies_to_msecs: s(1, 1, UINT),
  // scheduling and misc
  might_sleep: s(0, 0, VOID), cpu_relax: s(0, 0, VOID), cond_resched: s(0, 0, VOID), schedule: s(0, 0, VOID),
  msleep: s(1, 1, VOID), usleep_range: s(2, 2, VOID), udelay: s(1, 1, VOID), synchronize_rcu: s(0, 0, VOID),
  // printk
  printk: s(1, VAR, INT), pr_emerg: s(1, VAR, VOID), pr_alert: s(1, VAR, VOID), pr_crit: s(1, VAR, VOID),
  pr_err: s(1, VAR, VOID), pr_warn: s(1, VAR, VOID), pr_notice: s(1, VAR, VOID), pr_info: s(1, VAR, VOID),
  pr_debug: s(1, VAR, VOID), dev_err: s(2, VAR, VOID), dev_warn: s(2, VAR, VOID), dev_info: s(2, VAR, VOID), dev_dbg: s(2, VAR, VOID),
  BUG: s(0, 0, VOID), panic: s(1, VAR, VOID), __bug_on: s(1, 1, VOID),
  // harness helpers for scenarios (contract and invariant findings)
  EXPECT_RET: s(3, VAR, VOID), __invariant: s(1, 1, VOID),
  __jiffies: s(0, 0, ULONG), __container_of: s(1, 1, VOIDP), __current_task: s(0, 0, INT),
  // internal forms produced by lowering
  __wait_prepare: s(1, 1, VOID), __wait_schedule: s(1, 1, LONG), __wait_finish: s(1, 1, VOID),
  __assert: s(1, 1, VOID), __warn: s(1, 1, INT), __warn_once: s(1, 1, INT),
  __lockdep_assert_held: s(1, 1, VOID), __lockdep_assert_not_held: s(1, 1, VOID),
  __xa_find: s(3, 3, VOIDP),
};

/** Calls that lowering expands itself, with their arguments unevaluated. */
export const SPECIAL_FORMS = new Set([
  'container_of', 'container_of_const', 'list_entry', 'list_first_entry', 'list_last_entry', 'offsetof',
  'READ_ONCE', 'WRITE_ONCE', 'data_race', 'smp_load_acquire', 'smp_store_release', 'smp_mb', 'smp_rmb', 'smp_wmb', 'barrier',
  'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE', 'BUG_ON', 'assert', 'lockdep_assert_held', 'lockdep_assert_not_held',
  'wait_event', 'wait_event_timeout', 'wait_event_interruptible', 'wait_event_interruptible_timeout',
  'wait_event_killable', 'guard', 'XA_STATE', 'likely', 'unlikely', 'BIT', 'BIT_ULL', 'min', 'max', 'min_t', 'max_t',
  'ARRAY_SIZE', 'typeof', 'INVARIANT',
]);

/** Built-ins that only lowering emits; kernel-C cannot call them by name. */
export const INTERNAL_BUILTINS = new Set([
  '__wait_prepare', '__wait_schedule', '__wait_finish', '__assert', '__warn', '__warn_once', '__bug_on',
  '__lockdep_assert_held', '__lockdep_assert_not_held', '__xa_find', '__invariant', '__container_of', '__jiffies',
]);

/** Kernel typedef names that stand for primitives. */
export const PRIM_TYPEDEFS: Record<string, PrimName> = {
  refcount_t: 'refcount', spinlock_t: 'spinlock', raw_spinlock_t: 'spinlock', atomic_t: 'atomic', atomic64_t: 'atomic',
  wait_queue_head_t: 'wait_queue_head',
};

/** Kernel struct tags that stand for primitives. */
export const PRIM_STRUCTS: Record<string, PrimName> = {
  mutex: 'mutex', xarray: 'xarray', xa_state: 'xa_state', completion: 'completion',
  wait_queue_head: 'wait_queue_head', rw_semaphore: 'rw_semaphore', ida: 'ida',
  spinlock: 'spinlock',
};

/** How diagnostics spell each primitive type. */
export const PRIM_SPELLING: Record<PrimName, string> = {
  mutex: 'struct mutex', spinlock: 'spinlock_t', refcount: 'refcount_t', atomic: 'atomic_t',
  xarray: 'struct xarray', xa_state: 'struct xa_state', wait_queue_head: 'wait_queue_head_t',
  completion: 'struct completion', rw_semaphore: 'struct rw_semaphore', ida: 'struct ida',
};

/** Size in bytes of each primitive (LP64). */
export const PRIM_SIZE: Record<PrimName, number> = {
  mutex: 32, spinlock: 4, refcount: 4, atomic: 4, xarray: 16, xa_state: 40, wait_queue_head: 24,
  completion: 32, rw_semaphore: 40, ida: 16,
};

/** Alignment in bytes of each primitive. */
export const PRIM_ALIGN: Record<PrimName, number> = {
  mutex: 8, spinlock: 4, refcount: 4, atomic: 4, xarray: 8, xa_state: 8, wait_queue_head: 8,
  completion: 8, rw_semaphore: 8, ida: 8,
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

/**
 * Global declarations that are kernel macros defining a statically
 * initialised primitive, with the suffix of the primitive's name in
 * `GlobalIR.prims` (`:alloc` for an allocating xarray, `:alloc1` for one
 * whose ids start at 1).
 */
export const DEFINE_MACROS: Record<string, { prim: PrimName; suffix: string }> = {
  DEFINE_MUTEX: { prim: 'mutex', suffix: '' },
  DEFINE_SPINLOCK: { prim: 'spinlock', suffix: '' },
  DEFINE_RAW_SPINLOCK: { prim: 'spinlock', suffix: '' },
  DECLARE_WAIT_QUEUE_HEAD: { prim: 'wait_queue_head', suffix: '' },
  DECLARE_COMPLETION: { prim: 'completion', suffix: '' },
  DEFINE_XARRAY: { prim: 'xarray', suffix: '' },
  DEFINE_XARRAY_ALLOC: { prim: 'xarray', suffix: ':alloc' },
  DEFINE_XARRAY_ALLOC1: { prim: 'xarray', suffix: ':alloc1' },
  DEFINE_IDA: { prim: 'ida', suffix: '' },
};

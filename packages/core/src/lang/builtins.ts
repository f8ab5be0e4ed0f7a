/**
 * Names, arities and result types of the kernel built-ins the VM implements
 * natively (see ../kernel/). Special forms that need their unevaluated
 * arguments (READ_ONCE, wait_event, container_of, guard, ...) are handled by
 * lowering and are listed in {@link SPECIAL_FORMS}.
 */
import { type CType, BOOL, INT, LONG, ULONG, UINT, VOID, VOIDP } from './types.js';

export interface BuiltinSig {
  min: number;
  max: number;
  ret: CType;
  /** Arguments that are lock/primitive pointers (for messages). */
  doc?: string;
}

const s = (min: number, max: number, ret: CType): BuiltinSig => ({ min, max, ret });
const VAR = 99;

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

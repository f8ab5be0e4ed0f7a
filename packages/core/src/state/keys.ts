/**
 * The keys the VM, the primitives and the scheduler agree on, built here and
 * nowhere else.
 *
 * A {@link DepKey} names a location for dependency information (DPOR's
 * "do these two steps touch a common location, one writing it?") and for
 * KCSAN's shadow memory: a byte of memory (`<alloc>:<offset>`), an object's
 * liveness (`<alloc>:*`: every access reads it, kfree writes it), a part of a
 * primitive (an xarray's `#lock` and `#data`), or a task (`task:<tid>`: a
 * sleeper's state, written by wake-ups).
 *
 * A {@link SyncKey} names a synchronisation object for happens-before (a
 * release on it orders everything before with every later acquire): a lock, a
 * wait queue, a completion, an atomic or refcount counter, an xarray, or a
 * variable accessed with smp_load_acquire()/smp_store_release().
 *
 * The schedule's interning (sched/events.ts) treats both as opaque strings.
 */

/** A location for dependencies and KCSAN. */
export type DepKey = string & { readonly __brand: 'DepKey' };

/** A synchronisation object for happens-before. */
export type SyncKey = string & { readonly __brand: 'SyncKey' };

/** The byte of allocation `alloc` at `off`. */
export function memKey(alloc: number, off: number): DepKey {
  return `${alloc}:${off}` as DepKey;
}

/** The liveness of allocation `alloc`: read by every access to it, written by its kfree. */
export function liveKey(alloc: number): DepKey {
  return `${alloc}:*` as DepKey;
}

/**
 * The allocation a memory key (`memKey` or a `partKey` of one) lies in, or
 * undefined for a liveness, task or bad-pointer key.
 */
export function allocOfKey(key: DepKey): number | undefined {
  const colon = key.indexOf(':');
  if (colon <= 0 || key.charCodeAt(colon + 1) === 42 /* '*' */) return undefined;
  const id = Number(key.slice(0, colon));
  return Number.isInteger(id) ? id : undefined;
}

/** A part of the primitive at `key`: an xarray's `lock` (its xa_lock) or its `data` (the slots). */
export function partKey(key: DepKey, part: 'lock' | 'data'): DepKey {
  return `${key}#${part}` as DepKey;
}

/** A task's sleep state: prepare_to_wait and finish_wait write it, wake-ups write it, schedule reads it. */
export function taskKey(tid: number): DepKey {
  return `task:${tid}` as DepKey;
}

/**
 * The clock (jiffies), with `--timeouts anytime`: a timer firing moves it, a
 * sleeper reads it when it prepares to sleep (its deadline counts from then).
 */
export const CLOCK_KEY = 'clock' as DepKey;

/** A pointer that names no memory (its rendering keeps distinct bad pointers apart). */
export function badKey(shown: string): DepKey {
  return `bad:${shown}` as DepKey;
}

/** The kinds of synchronisation object. */
export type SyncKind = 'lock' | 'wq' | 'comp' | 'atomic' | 'rc' | 'xa' | 'var';

/** The synchronisation object of kind `kind` at location `at`. */
export function syncKey(kind: SyncKind, at: DepKey | string): SyncKey {
  return `${kind}:${at}` as SyncKey;
}

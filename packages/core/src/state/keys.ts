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

/**
 * Interned key strings: the same key is the same (flat, already hashed)
 * string every time, so the Maps keyed by them (the scheduler's interning,
 * KCSAN's shadow memory, happens-before sync objects) look them up without
 * building and hashing a new string per access. Per allocation id: its
 * liveness key at [0], the key of byte `off` at [off + 1]. Allocation ids are
 * deterministic (setup's, then `(tid + 1) * 1e6 + seq`), so the cache stays
 * small; it is dropped when it grows past {@link KEY_CACHE_MAX} ids.
 */
const keyCache = new Map<number, (DepKey | undefined)[]>();
const KEY_CACHE_MAX = 1 << 16;
/** Offsets cached per allocation (larger ones are built each time). */
const KEY_CACHE_OFFSETS = 1 << 12;

function keysOf(alloc: number): (DepKey | undefined)[] {
  let ks = keyCache.get(alloc);
  if (ks === undefined) {
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    ks = [];
    keyCache.set(alloc, ks);
  }
  return ks;
}

/** The byte of allocation `alloc` at `off`. */
export function memKey(alloc: number, off: number): DepKey {
  if (off >= 0 && off < KEY_CACHE_OFFSETS && Number.isInteger(off)) {
    const ks = keysOf(alloc);
    return (ks[off + 1] ??= `${alloc}:${off}` as DepKey);
  }
  return `${alloc}:${off}` as DepKey;
}

/** The liveness of allocation `alloc`: read by every access to it, written by its kfree. */
export function liveKey(alloc: number): DepKey {
  const ks = keysOf(alloc);
  return (ks[0] ??= `${alloc}:*` as DepKey);
}

/**
 * The allocation a memory key (`memKey` or a `partKey` of one) lies in, or
 * undefined for a liveness, task or bad-pointer key.
 */
export function allocOfKey(key: DepKey): number | undefined {
  let id = allocCache.get(key);
  if (id === undefined) {
    const colon = key.indexOf(':');
    const n = colon <= 0 || key.charCodeAt(colon + 1) === 42 /* '*' */ ? Number.NaN : Number(key.slice(0, colon));
    id = Number.isInteger(n) ? n : -1;
    if (allocCache.size >= KEY_CACHE_MAX) allocCache.clear();
    allocCache.set(key, id);
  }
  return id < 0 ? undefined : id;
}

/** allocOfKey's answers by key (-1: none); keys are interned, so each is parsed once. */
const allocCache = new Map<string, number>();

/** Cached partKey/syncKey results, by their parts (see {@link keyCache}). */
const derivedCache = new Map<string, Map<string, string>>();

/** `prefix + at + suffix`, the same string for the same parts (cached per `kind`). */
function derived(kind: string, prefix: string, at: string, suffix: string): string {
  let m = derivedCache.get(kind);
  if (m === undefined) derivedCache.set(kind, (m = new Map()));
  let k = m.get(at);
  if (k === undefined) {
    if (m.size >= KEY_CACHE_MAX) m.clear();
    k = `${prefix}${at}${suffix}`;
    m.set(at, k);
  }
  return k;
}

/**
 * A part of the primitive at `key`: an xarray's `lock` (its xa_lock) or its
 * `data` (the slots), or a registered reference count's `zero` (whether it is
 * 0: what a zero test reads and what a write of the count writes, not what a
 * put that leaves a reference adds to; kernel/counts.ts).
 */
export function partKey(key: DepKey, part: 'lock' | 'data' | 'zero'): DepKey {
  return derived(part, '', key, `#${part}`) as DepKey;
}

/**
 * The offset in its allocation of a memory key (`memKey`), or undefined for
 * any other key (a part, a liveness, a task, a bad pointer). Cached by key,
 * as {@link allocOfKey}.
 */
export function offOfKey(key: DepKey): number | undefined {
  let off = offCache.get(key);
  if (off === undefined) {
    const colon = key.indexOf(':');
    const a = colon <= 0 ? Number.NaN : Number(key.slice(0, colon));
    const n = Number.isInteger(a) ? Number(key.slice(colon + 1)) : Number.NaN;
    off = Number.isInteger(n) && n >= 0 ? n : -1;
    if (offCache.size >= KEY_CACHE_MAX) offCache.clear();
    offCache.set(key, off);
  }
  return off < 0 ? undefined : off;
}

/** offOfKey's answers by key (-1: none). */
const offCache = new Map<string, number>();

/**
 * The wake-ups of a wait queue (`wq` its key): every wake_up() writes it (it
 * releases to the woken, KCSAN's happens-before) and a woken return from
 * schedule() reads it (it acquires from every wake-up before it, not only
 * the one that woke it).
 */
export function wakeKey(wq: string): DepKey {
  return `wake:${wq}` as DepKey;
}

/** A task's sleep state: prepare_to_wait and finish_wait write it, wake-ups write it, schedule reads it. */
export function taskKey(tid: number): DepKey {
  return `task:${tid}` as DepKey;
}

/** Allocation ids are `(task + 1) * ALLOC_ID_STRIDE + n`, n counting the task's allocations (vm/services.ts newAllocId); globals' are below. */
export const ALLOC_ID_STRIDE = 1_000_000;

/** The task that made allocation `id` (a stack block's is its owner), -1 for a global. */
export function allocatingTask(id: number): number {
  return Math.floor(id / ALLOC_ID_STRIDE) - 1;
}

/**
 * Task `tid`'s own stack blocks, as the task itself touches them: privately,
 * inside the burst after each of its steps (vm/lower-closures.ts
 * lowerAccess). Every step of the task writes it (sched/events.ts toEvent)
 * and another task's access to one of its stack blocks reads it, so that
 * DPOR places that access between every two steps of the owner: before or
 * after each private read or write of the block.
 */
export function stackKey(tid: number): DepKey {
  return `stack:${tid}` as DepKey;
}

/**
 * The clock (jiffies), with `--timeouts anytime`: a timer firing moves it, a
 * sleeper reads it when it prepares to sleep (its deadline counts from then).
 */
export const CLOCK_KEY = 'clock' as DepKey;

/**
 * The set of pending deadlines, with `--timeouts anytime`: a timer firing
 * reads and writes it, and a step that changes another sleeper's deadline
 * writes it (the explorer adds that write: vm/timers.ts `deadlines`), since a
 * timer fires only when no earlier deadline is pending.
 */
export const TIMERS_KEY = 'timers' as DepKey;

/** A pointer that names no memory (its rendering keeps distinct bad pointers apart). */
export function badKey(shown: string): DepKey {
  return `bad:${shown}` as DepKey;
}

/** The kinds of synchronisation object. */
export type SyncKind = 'lock' | 'readers' | 'wq' | 'comp' | 'atomic' | 'rc' | 'xa' | 'var';

const SYNC_PREFIX: Record<SyncKind, string> = {
  lock: 'lock:',
  readers: 'readers:',
  wq: 'wq:',
  comp: 'comp:',
  atomic: 'atomic:',
  rc: 'rc:',
  xa: 'xa:',
  var: 'var:',
};

/** The synchronisation object of kind `kind` at location `at`. */
export function syncKey(kind: SyncKind, at: DepKey | string): SyncKey {
  return derived(kind, SYNC_PREFIX[kind], at, '') as SyncKey;
}

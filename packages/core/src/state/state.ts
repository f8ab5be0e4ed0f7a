/**
 * VM state as plain data: the heap, the threads with explicit frames (pc and
 * registers), the clock and the kernel log. `cloneState` copies it so an
 * execution can start from a snapshot instead of replaying from the start.
 */
import type { Value } from './values.js';
import type { PrimState } from './prim.js';

/** Where something happened: function, file, line, column. */
export interface StackFrame {
  fn: string;
  file: string;
  line: number;
  column: number;
}

/** A recorded event site: task, step number and call stack. */
export interface Site {
  task: string;
  tid: number;
  step: number;
  stack: StackFrame[];
  /** The stack's hash as state/hash.ts siteHash computes it, for a site that knows it without building its stack. */
  stackHash?(): number;
}

/**
 * A call stack as the VM's sites record it (vm/services.ts): this node's
 * frame, a function and pc, called from `parent`'s stack (null: the
 * outermost frame; the root, with no frame, has fn -1). One node per
 * distinct stack, so a site is a node and its pc-free parts are shared.
 * `hash` is the stack's hash as state/hash.ts siteHash gives it.
 */
export interface SiteNode {
  readonly parent: SiteNode | null;
  readonly fn: number;
  readonly pc: number;
  readonly hash: number;
}

import { allocChanged, fieldChanged, heapTouched } from './hash.js';
import type { HeapMap } from './heap-map.js';

export interface Alloc {
  id: number;
  kind: 'heap' | 'global' | 'stack';
  /** Struct type name, when known (from sizeof or a cast). */
  type?: string;
  /** The static type of a global. */
  ctype?: import('../lang/types.js').CType;
  /** Display name: a global's name, or `kzalloc`. */
  name: string;
  bytes: number;
  /** Values (and primitive states) by byte offset. Missing offsets read as 0. Changed through {@link setField} only. */
  fields: ReadonlyMap<number, Value | PrimState>;
  allocSite?: Site;
  freeSite?: Site;
  /** Owning thread of a stack block. */
  owner?: number;
  /**
   * A stack block whose address may have reached another task: a pointer
   * into it was stored outside its owner's private stack blocks or passed to
   * a built-in that may keep it (vm/escape.ts). While one of a task's live
   * blocks has escaped, the task's returns are visible steps; until then its
   * frames go inside its bursts. Never cleared while the block lives.
   */
  escaped?: boolean;
  /** Constant global: never written after setup. */
  isConst?: boolean;
  /**
   * Copy-on-write ownership: the {@link VmState.gen} of the state that may
   * mutate this object in place. Any other state copies it first
   * ({@link writable}).
   */
  gen?: number;
  /**
   * Digest caches (state/hash.ts): the allocation's hash, valid until it is
   * handed out to be changed ({@link writable}); the two sums of its
   * fields' hashes, once computed kept up to date by {@link setField} (and
   * copied with it); the hash of what never changes (id, allocation site,
   * size).
   */
  hash?: number;
  hf1?: number;
  hf2?: number;
  hstatic?: number;
}

export interface Frame {
  fn: number;
  pc: number;
  regs: Value[];
  /** Allocation id of this frame's addressable locals, or 0. */
  stack: number;
  /**
   * The frame's part of its thread's digest part (state/hash.ts), valid
   * while `hashed` and the frame is not its thread's top one; a call clears
   * it (VM pushFrame: the caller changed while it was the top).
   */
  hashed: boolean;
  hash1: number;
  hash2: number;
  /**
   * Copy-on-write ownership, as {@link Alloc.gen}: a frame below its
   * thread's top one is shared by the copies of the thread (it does not
   * change while it is not the top: state/hash.ts), and the thread that
   * returns to it copies it first unless it carries the state's generation
   * ({@link ownTopFrame}).
   */
  gen: number;
  /**
   * The VM's node for this frame's stack, this frame at `site.pc` included
   * (vm/services.ts site), or null: a cache, valid while the node's fn and
   * pc are the frame's. Only a caller's is used, whose pc does not change
   * while the callee runs (nor do the frames below it).
   */
  site: SiteNode | null;
}

export interface HeldLock {
  /** Memory key of the lock (`alloc:path`). */
  key: string;
  /** lockdep class key and its printable name (`&igroup->lock`). */
  cls: string;
  name: string;
  /** A sleeping lock (mutex, rw_semaphore) or a spinning one (spinlock_t, xa_lock, rwlock_t). */
  kind: 'sleep' | 'spin';
  site: Site;
  /** Held for reading (rwlock_t's read_lock): other readers may hold it too. */
  shared?: boolean;
}

export interface Thread {
  tid: number;
  name: string;
  frames: Frame[];
  done: boolean;
  /** Killed by a fatal finding. */
  dead: boolean;
  /**
   * Copy-on-write ownership: the {@link VmState.gen} of the state that may
   * change this thread in place. Any other state copies it first
   * ({@link writableThread}).
   */
  gen: number;
  /** TASK_RUNNING 0, TASK_INTERRUPTIBLE 1, TASK_UNINTERRUPTIBLE 2. */
  taskState: number;
  held: HeldLock[];
  /** Visible steps executed. */
  steps: number;
  /** Invisible instructions executed since the last visible step. */
  burst: number;
  allocSeq: number;
  /**
   * Visible returns executed (of frames with a stack block), counted in
   * `steps` but not against the step limit (Machine.step).
   */
  rets: number;
  /**
   * Spin-loop detector: per loop, the signature of the previous iteration.
   * Replaced, never changed (copies of the thread share it).
   */
  spin: ReadonlyMap<number, string>;
  /** Shared reads and writes since the last back-edge (spin detection). Replaced, never changed. */
  iterReads: readonly [string, Value][] | null;
  iterWrote: boolean;
  /** WARN_ON_ONCE sites already fired. Replaced, never changed. */
  warnedOnce: ReadonlySet<string>;
  /** Calls this execution made at armed fault sites (fail_nth counts per task: state/fault.ts). */
  faultCalls: number;
  ret?: Value;
  /** Set when the thread timed out of its last sleep. */
  timedOut?: boolean;
  /**
   * jiffies when the thread last prepared to sleep on a wait queue, or when
   * it went to sleep in the timed completion wait it is at (kept at the first
   * timer firing it sleeps through: vm/timers.ts startSleeps): its timeout
   * counts from here.
   */
  sleepStart?: number;
  /** The wait queue of the wait in progress, and the wake-ups that skipped this task (replaced, never changed). */
  sleepWq?: string;
  missedWakes?: readonly { site: Site; fn: string }[];
  /**
   * The thread's part of the state digest (state/hash.ts threadHash), valid
   * while `hashed`: whatever changes what it covers calls
   * {@link threadChanged} (the VM on each step of the thread, a wake-up on
   * the woken, a fatal finding on every thread).
   */
  hashed: boolean;
  hash1: number;
  hash2: number;
}

/** Forget thread `t`'s cached digest part: something it covers is about to change. */
export function threadChanged(t: Thread): void {
  t.hashed = false;
}

export interface VmState {
  /** The allocations by id (copied in time proportional to what changed: ./heap-map.ts). */
  heap: HeapMap;
  threads: Thread[];
  /** Current time in jiffies (HZ = 1000, so one jiffy is one millisecond). */
  jiffies: number;
  /** Kernel log lines. */
  log: { tid: number; level: string; text: string; step: number }[];
  /** Global allocation ids by global index. */
  globals: number[];
  /** Visible steps executed in this execution. */
  step: number;
  /** Copy-on-write generation: allocations with this `gen` belong to this state alone. */
  gen: number;
  /** The heap's part of the state digest, kept up to date incrementally (null until the first digest). */
  heapDigest: HeapDigest | null;
}

/**
 * The heap's part of the state digest (state/hash.ts): two bag sums over the
 * allocations' hashes, valid for the heap as it was when last brought up to
 * date, plus the allocations changed, added or removed since.
 */
export interface HeapDigest {
  b1: number;
  b2: number;
  /** Allocation id to the hash the sums hold for it (hash.ts ABSENT: none), for those changed since. */
  dirty: Map<number, number>;
}

/**
 * `T` with every property present, an optional one possibly undefined: what
 * a copy that lists the properties one by one (one shape for all) must
 * build, so that a property added later is not dropped by it.
 */
export type Complete<T> = { [K in keyof Required<T>]: T[K] };

let generations = 0;

/** A fresh copy-on-write generation. */
export function newGeneration(): number {
  return ++generations;
}

/** A copy of frame `f` owned by generation `gen` (its registers copied). */
function copyFrame(f: Frame, gen: number): Frame {
  return {
    fn: f.fn,
    pc: f.pc,
    regs: f.regs.slice(),
    stack: f.stack,
    hashed: f.hashed,
    hash1: f.hash1,
    hash2: f.hash2,
    gen,
    site: f.site,
  };
}

/**
 * Thread `tid` of state `s`, to be changed: the thread itself when `s` owns
 * it, otherwise a copy put in `s.threads` in its place. The copy shares what
 * is replaced and never changed (held locks, spin signatures, missed
 * wake-ups) and the frames below the top one (only the top frame changes:
 * {@link ownTopFrame} covers a return); its top frame is copied. Every
 * change of a thread goes through a reference obtained here (the VM's step
 * and burst, a wake-up, a fatal finding), and a reference obtained before
 * must not be changed after the state is copied.
 */
export function writableThread(s: VmState, tid: number): Thread {
  const t = s.threads[tid]!;
  if (t.gen === s.gen) return t;
  const frames = t.frames.slice();
  const top = frames.length - 1;
  if (top >= 0) frames[top] = copyFrame(frames[top]!, s.gen);
  // every property, in the order the VM creates them (Machine.init): one shape for all threads
  const c: Complete<Thread> = {
    tid: t.tid,
    name: t.name,
    frames,
    done: t.done,
    dead: t.dead,
    gen: s.gen,
    taskState: t.taskState,
    held: t.held,
    steps: t.steps,
    burst: t.burst,
    allocSeq: t.allocSeq,
    rets: t.rets,
    spin: t.spin,
    iterReads: t.iterReads,
    iterWrote: t.iterWrote,
    warnedOnce: t.warnedOnce,
    faultCalls: t.faultCalls,
    ret: t.ret,
    timedOut: t.timedOut,
    sleepStart: t.sleepStart,
    sleepWq: t.sleepWq,
    missedWakes: t.missedWakes,
    hashed: t.hashed,
    hash1: t.hash1,
    hash2: t.hash2,
  };
  s.threads[tid] = c;
  return c;
}

/** Make the top frame of `t` (a thread `s` owns, just returned to that frame) one `s` may change. */
export function ownTopFrame(s: VmState, t: Thread): Frame | undefined {
  const i = t.frames.length - 1;
  const f = t.frames[i];
  if (f === undefined || f.gen === s.gen) return f;
  return (t.frames[i] = copyFrame(f, s.gen));
}

/**
 * Copy of the state. Allocations and threads are shared, copy on write:
 * both the copy and the original get a new generation, so whichever writes
 * an allocation or changes a thread first copies it ({@link writable},
 * {@link writableThread}). Values and primitive states are immutable and
 * shared.
 */
export function cloneState(s: VmState): VmState {
  s.gen = newGeneration();
  return {
    heap: s.heap.clone(),
    threads: s.threads.slice(),
    jiffies: s.jiffies,
    log: s.log.slice(),
    globals: s.globals,
    step: s.step,
    gen: newGeneration(),
    heapDigest: s.heapDigest ? { b1: s.heapDigest.b1, b2: s.heapDigest.b2, dirty: copyMap(s.heapDigest.dirty) } : null,
  };
}

/** A copy of a map, in its order (`new Map(m)` builds an entry array per entry: this builds none). */
export function copyMap<K, V>(m: ReadonlyMap<K, V>): Map<K, V> {
  const c = new Map<K, V>();
  m.forEach((v, k) => {
    c.set(k, v);
  });
  return c;
}

/**
 * A new allocation. Every allocation is built here or copied by
 * {@link writable}, with every property present in one order, so that all
 * have one shape.
 */
export function newAlloc(a: Pick<Alloc, 'id' | 'kind' | 'name' | 'bytes' | 'fields'> & Partial<Alloc>): Alloc {
  const c: Complete<Alloc> = {
    id: a.id,
    kind: a.kind,
    type: a.type,
    ctype: a.ctype,
    name: a.name,
    bytes: a.bytes,
    fields: a.fields,
    allocSite: a.allocSite,
    freeSite: a.freeSite,
    owner: a.owner,
    escaped: a.escaped,
    isConst: a.isConst,
    gen: a.gen,
    hash: undefined,
    hf1: undefined,
    hf2: undefined,
    hstatic: undefined,
  };
  return c;
}

/** A copy of allocation `a` owned by generation `gen` (its fields copied; digest caches but its hash kept). */
function copyAlloc(a: Alloc, gen: number): Alloc {
  const c: Complete<Alloc> = {
    id: a.id,
    kind: a.kind,
    type: a.type,
    ctype: a.ctype,
    name: a.name,
    bytes: a.bytes,
    fields: copyMap(a.fields),
    allocSite: a.allocSite,
    freeSite: a.freeSite,
    owner: a.owner,
    escaped: a.escaped,
    isConst: a.isConst,
    gen,
    hash: undefined,
    hf1: a.hf1,
    hf2: a.hf2,
    hstatic: a.hstatic,
  };
  return c;
}

/**
 * The version of allocation `a` that state `s` may mutate: `a` itself when
 * `s` owns it, otherwise a copy put in `s.heap` in its place. Every write to
 * an allocation (its fields, its free site, its type) goes through here.
 */
export function writable(s: VmState, a: Alloc): Alloc {
  const inHeap = s.heap.get(a.id);
  const cur = inHeap ?? a;
  heapTouched(s, a.id, inHeap);
  if (cur.gen === s.gen) {
    allocChanged(cur);
    return cur;
  }
  const copy = copyAlloc(cur, s.gen);
  s.heap.set(a.id, copy);
  return copy;
}

/**
 * Set field `off` of allocation `a` (one {@link writable} returned) to `v`:
 * every change of a field goes through here, so that the digest's sums over
 * the fields follow (state/hash.ts fieldChanged).
 */
export function setField(a: Alloc, off: number, v: Value | PrimState): void {
  const fields = a.fields as Map<number, Value | PrimState>;
  if (a.hf1 !== undefined) {
    // a primitive state (or another value object but a pointer) is new each time it changes, and hashing one
    // costs more than a number: the sums are computed again at the next digest, for the last one only
    if (typeof v === 'object' && (v as { t?: string }).t !== 'p') a.hf1 = a.hf2 = undefined;
    else fieldChanged(a, off, fields.get(off), v);
  }
  fields.set(off, v);
}

/** Put a new allocation in the heap (every addition goes through here: the digest's sums follow). */
export function heapSet(s: VmState, a: Alloc): void {
  heapTouched(s, a.id, s.heap.get(a.id));
  s.heap.set(a.id, a);
}

/** Take allocation `id` out of the heap (every removal goes through here: the digest's sums follow). */
export function heapDelete(s: VmState, id: number): void {
  heapTouched(s, id, s.heap.get(id));
  s.heap.delete(id);
}

/**
 * The interface between the VM and the kernel primitives.
 *
 * A primitive (one file in this folder: mutex.ts, xarray.ts, ...) exports a
 * {@link Primitive}: its built-in functions, and when it is a C type held by
 * value (`struct mutex`, `struct xarray`), how a statically defined or zeroed
 * instance starts and how reports show it. `registry.ts` lists them.
 *
 * A built-in is a {@link Builtin}. Pure built-ins run inside a thread's local
 * burst; step built-ins are visible steps the scheduler interleaves, with the
 * dependency information DPOR needs ({@link Deps}, keys from state/keys.ts)
 * and, for blocking ones, an enabledness test, the task they wait for
 * (`owner`, for the hung-task wait-for graph) and their timeout deadline.
 *
 * Primitives see the VM only through {@link KernelCtx}, which vm/machine.ts
 * implements.
 */
import type { Instr, Op, Program } from '../lang/ir.js';
import type { BuiltinSig } from './sig.js';
import type { PrimName } from '../lang/ctype.js';
import type { Alloc, Thread } from '../state/state.js';
import type { Value } from '../state/values.js';
import type { LockClass, PrimState } from '../state/prim.js';
import type { DepKey, SyncKey } from '../state/keys.js';
import type { ReportCtx } from '../detect/ctx.js';
import type { Finding } from '../detect/finding.js';
import type { LockdepGraph } from '../detect/lockdep.js';

export type BuiltinInstr = Extract<Instr, { op: Op.Builtin }>;

/** Dependency info of a pending visible step, as the scheduler sees it. */
export interface Deps {
  /** Memory/object keys read and written. */
  reads: DepKey[];
  writes: DepKey[];
  /**
   * Keys changed by a commutative addition whose result nobody sees
   * (atomic_inc, atomic_add, ...): independent of other additions to the key,
   * dependent with its reads and writes (sched/events.ts).
   */
  adds?: DepKey[];
  /**
   * Keys of the reads and writes above that are plain (KCSAN checks them,
   * and they are not marked): only such an access can race with a marked
   * one, which stateful DPOR's key uses (sched/projection.ts).
   */
  plain?: DepKey[];
  /** Lock acquisition: the lock's key (DPOR races it with the previous acquisition only). */
  acq?: DepKey;
  /**
   * The acquisition is shared (rwlock_t's read_lock): it races with the
   * previous exclusive acquisition only, and an exclusive one races with the
   * shared ones since too.
   */
  acqShared?: boolean;
  /**
   * A shared holder's release (read_unlock): a read of the lock that an
   * exclusive acquisition, which races with the other reads of the lock
   * since its last write (mutex_is_locked, completion_done), never comes
   * before.
   */
  release?: boolean;
  /** A trylock that will succeed: also races like a plain write on the lock (it could have failed). */
  acqTry?: boolean;
  /** Never the later event of a race: it could not have run earlier (a timer firing at quiescence). */
  noRace?: boolean;
  /**
   * The end of a spin-wait: enabled only while something it waited on has
   * changed, so a reversal can find it disabled (sched/dpor.ts `reverse`).
   */
  resume?: boolean;
  /** Dependent with every event (a timeout that fires because nothing else can run). */
  global?: boolean;
  /**
   * An addition to this key (one of `adds`) that leaves its counter one
   * addition away from a value that changes what the next one does (a
   * file_ref_put() that leaves one reference: the next put is the last).
   * Two such additions commute where both can run, but a thread whose
   * addition was put to sleep before this one ran wakes up: its addition
   * would now be that next one (sched/events.ts `wakes`).
   */
  leavesOne?: DepKey;
  /**
   * A reference count's operation whose kind (addition or write) depends on
   * the count it finds (kernel/counts.ts): the count's key, the operation
   * and the count before it. A wakeup sequence made of events of another
   * execution runs them on other counts; the scheduler gives its puts the
   * kinds they will have there (sched/counter-kinds.ts).
   */
  counter?: {
    key: DepKey;
    op: 'get' | 'put' | 'read' | 'test' | 'add' | 'set' | 'dec_if_one' | 'dec_not_one';
    before: number;
    delta?: number;
  };
}

/**
 * `d` with other `reads` and `writes` (the rest of it unchanged), built with
 * every field of {@link Deps} in one order: one object shape whatever `d`
 * has, where a spread (`{ ...d, reads }`) copies only the fields `d` has and
 * gives each combination its own shape (every reader of a step's dependencies
 * then meets many), and costs a generic copy per step.
 */
export function withKeys(d: Deps, reads: DepKey[], writes: DepKey[]): Deps {
  return {
    reads,
    writes,
    adds: d.adds,
    plain: d.plain,
    acq: d.acq,
    acqShared: d.acqShared,
    release: d.release,
    acqTry: d.acqTry,
    noRace: d.noRace,
    resume: d.resume,
    global: d.global,
    leavesOne: d.leavesOne,
    counter: d.counter,
  };
}

/** What a primitive may use of the VM. */
export interface KernelCtx extends ReportCtx {
  /** The program (file names for lock classes keyed by their init site). */
  readonly prog: Program;
  /** lockdep's class graph, shared by every execution of one exploration. */
  readonly lockdep: LockdepGraph;
  /** Findings of the current execution so far (WARN_ON_ONCE fires once per execution). */
  readonly findings: readonly Finding[];
  /** The schedule so far (thread per step), for findings that record it. */
  currentSchedule(): number[];
  /** The clock in jiffies (HZ = 1000: one jiffy is one millisecond). */
  jiffies: number;
  /**
   * A timer fires: the clock jumps to `to` (if later), after every task
   * asleep in a timed completion wait has kept the clock of now as its
   * sleep's start (vm/timers.ts startSleeps). With `to` now, only the
   * latter (a complete() about to wake such tasks).
   */
  timerFires(to: number): void;
  /**
   * Thread `tid`, to be changed (a waker changes a sleeper's task state):
   * copied first when a copy of the state shares it (state.ts writableThread).
   */
  thread(tid: number): Thread;
  /** Every thread, the setup/check task last. */
  threads(): readonly Thread[];
  /**
   * Resolve a pointer to memory, reporting a NULL, bad, freed or out-of-scope
   * pointer as a fatal finding (then throws Fault).
   */
  resolve(t: Thread, v: Value, what: string): { alloc: Alloc; off: number; key: DepKey };
  /** The dependency key of the memory a pointer names, without checks (for {@link Deps}). */
  keyOf(v: Value): DepKey;
  /**
   * A read that never faults: the allocation a pointer names (live or freed),
   * or undefined when `v` is no pointer or names nothing (a returned frame).
   */
  peekAlloc(v: Value): Alloc | undefined;
  /** A read that never faults: the cell a pointer names (a value, a primitive's state, or undefined). */
  peek(v: Value): Value | PrimState | undefined;
  /**
   * Does the program declare a primitive of type `prim` where `v` points? By
   * a stack block's locals, or its allocation's type (a global's, a heap
   * object's, an array of them: vm/declared.ts); false when no type is known.
   * For memory no call has given a state yet.
   */
  declares(v: Value, prim: PrimName): boolean;
  /** The primitive state at an offset (undefined for zeroed memory). */
  getPrim<T extends PrimState>(a: Alloc, off: number): T | undefined;
  setPrim<T extends PrimState>(a: Alloc, off: number, s: T): void;
  /** The number at an offset (refcounts, atomics; 0 for zeroed memory). */
  getNum(a: Alloc, off: number): number;
  setNum(a: Alloc, off: number, n: number): void;
  /** The version of `a` this execution may write (copy on write). */
  mut(a: Alloc): Alloc;
  /** kmalloc: a new zeroed allocation (an oops past the allocation budget). */
  allocate(t: Thread, bytes: number, type: string | undefined, what: string): Value;
  /** kfree of allocation `alloc` by `t`: scheduling at synchronisation points watches it (vm/refine.ts). */
  freed(t: Thread, alloc: number): void;
  /** KCSAN: a marked or plain access of `t` to `key`. */
  kcsanAccess(t: Thread, key: DepKey, write: boolean, marked: boolean, what: string, v: Value): void;
  /**
   * The spin-loop detector (detect/livelock.ts): a built-in's read of the
   * number at (`alloc`, `off`), value `v`, or its write there, as a load or
   * store tells it (a loop over `atomic_read()` spins on what it reads).
   * `zero`: the read is a zero test of a registered count (kernel/counts.ts),
   * `v` whether the count is not 0 (1 or 0), and a spin-wait on it waits for
   * that to change.
   */
  spinAccess(t: Thread, alloc: number, off: number, write: boolean, v: Value, zero?: boolean): void;
  /** KCSAN's check of an atomic addition returning nothing (detect/kcsan.ts Kcsan.add); `v` the new value. */
  kcsanAdd(t: Thread, key: DepKey, what: string, v: Value): void;
  /** Happens-before: acquire, release, or both (an atomic read-modify-write) on a sync object. */
  hbAcquire(t: Thread, key: SyncKey): void;
  hbRelease(t: Thread, key: SyncKey): void;
  hbRmw(t: Thread, key: SyncKey): void;
  /** Append a kernel log line. */
  log(t: Thread, level: string, text: string): void;
  /** Timeouts may fire while other threads can run (`--timeouts anytime`; ScenarioSpec.timeouts). */
  readonly anytimeTimeouts: boolean;
  /** Fault injection: true when this call at `site` is to fail (vm/services.ts shouldFail). */
  shouldFail(t: Thread, site: string): boolean;
}

/** One kernel built-in function, as the VM runs it. */
export interface Builtin {
  kind: 'pure' | 'step';
  /**
   * The indexes of the pointer arguments the built-in never keeps: it reads
   * or writes through them, but stores neither the pointer nor a pointer it
   * reads from there. A pointer into a task's stack passed in any other
   * argument may reach another task, so the block escapes (vm/escape.ts).
   * Undefined: none (every argument may be kept).
   */
  noEscape?: readonly number[];
  deps?(k: KernelCtx, t: Thread, args: Value[], ins: BuiltinInstr): Deps;
  enabled?(k: KernelCtx, t: Thread, args: Value[], ins: BuiltinInstr): boolean;
  exec(k: KernelCtx, t: Thread, args: Value[], ins: BuiltinInstr): Value;
  /** A blocking acquisition: the task holding what `t` waits for (the hung-task wait-for graph). */
  owner?(k: KernelCtx, t: Thread, args: Value[], ins: BuiltinInstr): number | undefined;
  /**
   * A timed sleep: the jiffy at which its timeout fires while `t` is blocked
   * here, or undefined when it is not (or not yet) sleeping.
   */
  timeout?(k: KernelCtx, t: Thread, args: Value[], ins: BuiltinInstr): number | undefined;
}

export type BuiltinTable = Record<string, Builtin>;

/** A kernel primitive: one file in this folder, one line in registry.ts. */
export interface Primitive {
  /** The primitive's name, as files and docs call it (`mutex`, `kref`). */
  name: string;
  /** Its built-in functions by name. */
  builtins: BuiltinTable;
  /** Their signatures (arity and result type) as kernel-C sees them: one for each built-in. */
  sigs: Record<string, BuiltinSig>;
  /**
   * The DEFINE_* / DECLARE_* macros that declare a static instance of its C
   * type, with the flags its state starts with (`DEFINE_XARRAY_ALLOC1`: 3).
   */
  defines?: Record<string, number>;
  /**
   * When the primitive is a C type held by value: its name in the C type
   * table (`mutex` for `struct mutex`, `refcount` for `refcount_t`; see
   * lang/types.ts). An object holding one is a kernel object in reports.
   */
  ctype?: PrimName;
  /** When that type keeps a state object in memory (a lock, an xarray; not a counter). */
  state?: PrimitiveState;
}

/** How a primitive's state starts and how reports show it. */
export interface PrimitiveState {
  /** The tag of its state ({@link PrimState}.p). */
  tag: string;
  /**
   * The state of a statically defined instance (`DEFINE_MUTEX(m)`, or a
   * global of the type): `cls` is its lockdep class, `flags` an xarray's
   * `XA_FLAGS_ALLOC*` (0 otherwise).
   */
  init(cls: LockClass, flags: number): PrimState;
  /** The state as a report shows it (`locked by unbind`), or undefined to leave it out. */
  show?(s: PrimState, k: ReportCtx, taskName: (tid: number) => string): string | undefined;
}

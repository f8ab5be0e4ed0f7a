/**
 * The VM: runs a compiled kernel-C program as a scenario (setup, threads,
 * check) over plain-data state, one visible step at a time.
 *
 * A thread runs its thread-private instructions (register arithmetic, its own
 * stack) in a burst and stops before the next visible operation: a load or
 * store of shared memory, or a kernel primitive. The explorer decides which
 * thread's pending operation runs next; detectors (KASAN, lockdep, KCSAN, ...)
 * observe every step.
 */
import { type Instr, type Program, Op } from '../lang/ir.js';
import { NO_DEPS } from './lower-visible.js';
import { HIDDEN, type LoweredFunction, NEXT, VISIBLE, loweredProgram } from './lower-closures.js';
import { noteBuiltinArgs } from './escape.js';
import type { VisibleFn } from './lower-visible.js';
import { type InstrKey, instrKey } from './refine.js';
import {
  type Alloc,
  type Frame,
  type StackFrame,
  type Complete,
  type Thread,
  cloneState,
  heapDelete,
  heapSet,
  newAlloc,
  newGeneration,
  ownTopFrame,
  threadChanged,
  writableThread,
} from '../state/state.js';
import { type Value, XA_ZERO, ptr } from '../state/values.js';
import { HeapMap } from '../state/heap-map.js';
import { type PrimState, isPrim } from '../state/prim.js';
import { memKey } from '../state/keys.js';
import { Fault } from '../state/fault.js';
import {
  type Digest,
  type DigestSet,
  type Hash64,
  heapDigest,
  stateHash,
  stateHashFromScratch,
} from '../state/hash.js';
import type { BuiltinInstr, Deps } from '../kernel/api.js';
import { BUILTINS, STATE_BY_CTYPE } from '../kernel/registry.js';
import type { Finding } from '../detect/finding.js';
import { Kcsan } from '../detect/kcsan.js';
import type { LiveEntries } from '../detect/kcsan-digest.js';
import { heldOnReturn } from '../detect/lockdep.js';
import { stackOverflow } from '../detect/oops.js';
import { blockedAlone, deadlock } from '../detect/hungtask.js';
import { leakCheck } from '../detect/kmemleak.js';
import { endlessBurst, tooManySteps } from '../detect/livelock.js';
import { firstTimeout, startSleeps, timeoutDue } from './timers.js';
import {
  DEFAULT_LIMITS,
  type Limits,
  type ScenarioSpec,
  SharedDetectors,
  VmServices,
  describeStep,
} from './services.js';

export {
  DEFAULT_LIMITS,
  SharedDetectors,
  type Checkpoint,
  type Limits,
  type ScenarioSpec,
  type ThreadSpec,
} from './services.js';

export class Machine extends VmServices {
  /** Findings of the setup run (reported once). */
  setupFindings: Finding[] = [];
  /** The program's functions lowered to closures (./lower-closures.ts), shared by its machines. */
  private readonly lowered: LoweredFunction[];
  private initialAllocCount = 0;

  constructor(prog: Program, spec: ScenarioSpec, shared = new SharedDetectors(), limits: Limits = DEFAULT_LIMITS) {
    super(prog, spec, shared, limits);
    this.lowered = loweredProgram(prog, BUILTINS);
    for (const t of [spec.setup, spec.check, ...spec.threads.map((x) => x.fn)]) {
      if (t !== undefined && !prog.fnIndex.has(t)) throw new Error(`teardown: scenario function '${t}' is not defined`);
    }
  }

  // ---------------------------------------------------------------- setup and executions

  /** Build the initial state: globals, then run `setup` alone. Findings of setup go to `setupFindings`. */
  init(): void {
    const heap = new Map<number, Alloc>();
    const globals: number[] = [];
    const gen = newGeneration();
    this.prog.globals.forEach((g, i) => {
      const id = i + 1;
      globals.push(id);
      const fields = new Map<number, Value | PrimState>();
      for (const [off, v] of g.init) {
        if (typeof v === 'number') fields.set(off, v);
        else if (v.t === 'str') fields.set(off, { t: 's', s: v.s });
        else if (v.t === 'fn') fields.set(off, { t: 'f', fn: v.fn });
        else if (v.t === 'zero') fields.set(off, XA_ZERO);
        else if (v.t === 'gaddr') fields.set(off, ptr(v.g + 1, v.off));
      }
      for (const { off, name, flags } of g.prims) {
        const t = off === 0 ? g.type : undefined;
        const prim = t?.k === 'prim' ? STATE_BY_CTYPE.get(t.name) : undefined;
        if (prim) fields.set(off, prim.init({ key: `static:${name}`, name }, flags));
      }
      heap.set(
        id,
        newAlloc({
          id,
          kind: 'global',
          name: g.name,
          bytes: Math.max(1, g.bytes),
          fields,
          isConst: g.isConst,
          type: g.type.k === 'struct' ? g.type.name : undefined,
          ctype: g.type,
          gen,
        }),
      );
    });
    const threads: Complete<Thread>[] = [];
    for (let i = 0; i <= this.nworkers; i++) {
      threads.push({
        tid: i,
        name: i < this.nworkers ? this.spec.threads[i]!.name : 'setup',
        frames: [],
        done: true,
        dead: false,
        gen,
        taskState: 0,
        held: [],
        steps: 0,
        burst: 0,
        allocSeq: 0,
        rets: 0,
        spin: new Map(),
        iterReads: null,
        iterWrote: false,
        warnedOnce: new Set(),
        faultCalls: 0,
        ret: undefined,
        timedOut: undefined,
        sleepStart: undefined,
        sleepWq: undefined,
        missedWakes: undefined,
        hashed: false,
        hash1: 0,
        hash2: 0,
      });
    }
    this.state = { heap: new HeapMap(heap), threads, jiffies: 0, log: [], globals, step: 0, gen, heapDigest: null };
    this.spin.reset(this.nworkers + 1);
    this.kcsan = new Kcsan(this.nworkers + 1, this.shared.kcsanReported, (v) => this.show(v));
    this.findings = [];
    this.fatal = null;
    this.allocCount = 0;
    if (this.spec.setup) {
      this.runAlone(this.spec.setup, 'setup');
    }
    this.setupFindings = this.findings;
    // threads start after setup
    const st = this.state;
    for (let i = 0; i < this.nworkers; i++) {
      const t = st.threads[i]!;
      t.done = false;
      this.pushFrame(t, this.prog.fnIndex.get(this.spec.threads[i]!.fn)!, []);
    }
    st.step = 0;
    this.initial = cloneState(st);
    this.initialAllocCount = this.allocCount;
  }

  /** True when setup ended in a fatal finding: there is nothing to explore. */
  get setupFailed(): boolean {
    return this.setupFindings.some((f) => f.fatal);
  }

  /** Start a new execution from the state after setup. */
  begin(): void {
    // the check memo digests every end state: keep the heap's part up to date from the initial state on
    // (state/hash.ts), so that each digest hashes only what its execution changed
    if (this.checkMemo && this.spec.check && !this.initial!.heapDigest) heapDigest(this.initial!);
    this.state = cloneState(this.initial!);
    this.findings = [];
    this.fatal = null;
    this.injections = [];
    this.allocCount = this.initialAllocCount;
    this.kcsan = this.kcsan.fresh();
    this.spin.reset(this.nworkers + 1);
    this.refiner?.reset();
    for (let i = 0; i < this.nworkers; i++) this.safeAdvance(writableThread(this.state, i));
  }

  /** Run a thread to its next visible step; a fault ends the execution (already reported). */
  private safeAdvance(t: Thread): void {
    try {
      this.advance(t);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
    }
  }

  /** Run one function to completion on the setup/check task (no interleaving). */
  private runAlone(fn: string, name: string): void {
    const st = this.state;
    const t = writableThread(st, this.nworkers);
    t.name = name;
    t.done = false;
    t.dead = false;
    this.pushFrame(t, this.prog.fnIndex.get(fn)!, []);
    try {
      this.advance(t);
      while (!t.done && !this.fatal) {
        if (!this.enabled(t.tid)) {
          const to = this.timeoutOf(t);
          if (to) {
            this.step(t.tid);
            continue;
          }
          blockedAlone(this, t);
          break;
        }
        this.step(t.tid);
      }
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
    }
  }

  /**
   * End states whose check phase (`check` run alone, then the leak check)
   * reported nothing, by {@link endStateDigest}; null: no memo (every
   * execution runs its check). Owned by the explorer, one set per
   * exploration (sched/explorer.ts), so a fault plan or a program never
   * meets another's entries.
   */
  checkMemo: DigestSet | null = null;

  /**
   * After the threads: run `check` alone, then look for leaks. With a
   * {@link checkMemo}, an end state whose check phase reported nothing
   * before is not checked again: the check phase is deterministic (one
   * task, alone) and depends only on that state, so it would report nothing
   * again. Only silent outcomes are remembered: a finding is reported by
   * every execution that reaches it, since the explorer keeps the simplest
   * counterexample per key.
   */
  finish(): void {
    if (this.fatal) return;
    // without a `check`, the leak check alone costs less than the digest
    const memo = this.spec.check ? this.checkMemo : null;
    const key = memo ? this.endStateDigest() : undefined;
    if (key !== undefined && memo!.has(key)) return;
    const reported = this.reported;
    if (this.spec.check) {
      this.kcsan.joinAll(this.nworkers);
      this.runAlone(this.spec.check, 'check');
      if (this.fatal) return;
    }
    leakCheck(this);
    if (key !== undefined && this.reported === reported) memo!.add(key);
  }

  /**
   * Digest of the state a check phase starts from: the VM state, the
   * allocation count and the spin-wait detector's state. Not KCSAN's: the
   * check task joins every thread's clock first, so none of its accesses
   * can race, whatever the shadow memory holds. Lockdep's graph is shared
   * by the exploration and only grows: a check phase that added no edge
   * closing a cycle adds none later (its edges are in the graph already).
   */
  private endStateDigest(): Digest {
    return stateHash(this.state, this.endDigestExtra);
  }

  /** The allocation count and the spin detector: {@link endStateDigest}'s last part. */
  private readonly endDigestExtra = (h: Hash64): void => {
    h.seq(this.allocCount);
    this.spin.hashInto(h, this.state.threads);
  };

  // ---------------------------------------------------------------- scheduling interface

  isDone(tid: number): boolean {
    const t = this.state.threads[tid]!;
    return t.done || t.dead;
  }

  /**
   * Has thread `tid` a stack block (a frame with a local whose address is
   * taken)? Only then may the burst after its next step touch memory another
   * task can reach: a block made later is unknown to the others until a
   * later step publishes it (state/keys.ts stackKey).
   */
  hasStackBlock(tid: number): boolean {
    const frames = this.state.threads[tid]!.frames;
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i]!.stack !== 0) return true;
    return false;
  }

  /** Can thread `tid`'s pending operation run now? */
  enabled(tid: number): boolean {
    const t = this.state.threads[tid]!;
    if (t.done || t.dead) return false;
    const f = t.frames[t.frames.length - 1]!;
    const l = this.lowered[f.fn]!;
    const op = l.kind[f.pc]!;
    if (op === Op.Builtin) {
      const impl = l.impls[f.pc]!;
      if (!impl.enabled || impl.enabled(this, t, this.queryArgs(f, l), this.builtinAt(f))) return true;
      return this.anytimeTimeouts && timeoutDue(this, t);
    }
    if (op === Op.BackEdge) return this.spin.enabled(this, t);
    return true;
  }

  /** A timed sleeper whose timeout may fire now that nothing else can run, or -1 (./timers.ts). */
  fireableTimeout(): number {
    return firstTimeout(this);
  }

  timerFires(to: number): void {
    startSleeps(this, (tid) => writableThread(this.state, tid));
    if (to > this.state.jiffies) this.state.jiffies = to;
  }

  /** Is `t`'s pending operation a timed sleep (a built-in with a deadline query), blocked in it or not? */
  pendingTimed(t: Thread): boolean {
    const f = t.frames[t.frames.length - 1];
    if (!f) return false;
    const l = this.lowered[f.fn]!;
    return l.kind[f.pc] === Op.Builtin && l.impls[f.pc]!.timeout !== undefined;
  }

  /** Deadline (jiffies) of a timed sleep the thread is blocked in, if any. */
  timeoutOf(t: Thread): number | undefined {
    const f = t.frames[t.frames.length - 1];
    if (!f) return undefined;
    const l = this.lowered[f.fn]!;
    const impl = l.impls[f.pc];
    if (impl?.timeout === undefined) return undefined;
    return impl.timeout(this, t, this.queryArgs(f, l), this.builtinAt(f));
  }

  /**
   * Dependency information of thread `tid`'s pending operation. With
   * `killed`, also of a thread a fatal finding stopped before it finished
   * (what it was about to do).
   */
  deps(tid: number, killed = false): Deps {
    const t = this.state.threads[tid]!;
    if (t.done || (t.dead && !killed) || !t.frames.length) return NO_DEPS;
    const f = t.frames[t.frames.length - 1]!;
    const l = this.lowered[f.fn]!;
    switch (l.kind[f.pc]) {
      case Op.Load:
      case Op.Store:
        return l.deps[f.pc]!(f.regs, f, this, tid);
      case Op.Ret: {
        // a visible return (a frame with a stack block: ./lower-visible.ts lowerVisibleReturn)
        const d = l.deps[f.pc];
        return d ? d(f.regs, f, this, tid) : NO_DEPS;
      }
      case Op.Builtin: {
        const impl = l.impls[f.pc]!;
        if (!impl.deps) return NO_DEPS;
        return this.withLiveness(impl.deps(this, t, this.queryArgs(f, l), this.builtinAt(f)), tid);
      }
      case Op.BackEdge: {
        // the end of a spin-wait reads what it waited on (KCSAN checks those reads), so it races with the writes
        // to it like any read: a later write can make the awaited value come back and disable it again, and
        // only running it before that write reaches the race of its reads with the write that enabled it
        // (docs/scheduler.md, "Dependencies")
        return { reads: this.spin.waitKeys(tid), writes: [], resume: true };
      }
      default:
        return NO_DEPS;
    }
  }

  /** A short description of the pending operation (`mutex_lock(&igroup->lock)`, `read idev->vdev`). */
  pendingLabel(tid: number): string {
    const t = this.state.threads[tid]!;
    if (t.done) return 'exited';
    const f = t.frames[t.frames.length - 1]!;
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    return describeStep(ins);
  }

  /** Location (function, file, line, column) of thread `tid`'s pending operation. */
  pendingFrame(tid: number): StackFrame {
    const t = this.state.threads[tid]!;
    const f = t.frames[t.frames.length - 1];
    if (!f) return { fn: '-', file: '-', line: 0, column: 0 };
    return this.frameAt(f.fn, f.pc);
  }

  /** Execute thread `tid`'s pending visible operation, then run it up to its next one. */
  step(tid: number): void {
    const st = this.state;
    const t = writableThread(st, tid);
    threadChanged(t);
    this.refiner?.visibleStep(tid);
    // a visible return (./lower-visible.ts lowerVisibleReturn) is a step, but not one against the step limit: a
    // loop calling a function with a stack block is no more endless than one calling any other function
    const top = t.frames[t.frames.length - 1];
    const ret = top !== undefined && this.lowered[top.fn]!.kind[top.pc] === Op.Ret;
    try {
      this.execVisible(t);
      t.steps++;
      if (ret) t.rets++;
      st.step++;
      if (t.steps - t.rets > this.limits.stepsPerThread && !t.done) tooManySteps(this, t, this.limits.stepsPerThread);
      this.advance(t);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
    }
  }

  // ---------------------------------------------------------------- interpreter

  /**
   * Thread-private instructions run here until the next visible operation:
   * the lowered closures of ./lower-closures.ts, one call per instruction.
   * `burst` counts the instructions run, the visible one it stops at
   * included (the scheduler charges them as work).
   */
  private advance(t: Thread): void {
    const lowered = this.lowered;
    const limit = this.limits.burst;
    let burst = 0;
    // instructions of the hidden steps run so far (./refine.ts): charged, not counted against the limit
    let hidden = 0;
    threadChanged(t);
    for (;;) {
      if (t.done || t.dead || this.fatal) return;
      const f = t.frames[t.frames.length - 1]!;
      const ops = lowered[f.fn]!.ops;
      const regs = f.regs;
      let r: number;
      do {
        if (++burst > limit) {
          endlessBurst(this, t, limit);
          throw new Fault('livelock');
        }
        r = ops[f.pc]!(this, t, f, regs);
      } while (r === NEXT);
      if (r === VISIBLE) {
        t.burst = hidden + burst;
        return;
      }
      if (r === HIDDEN) {
        hidden += burst;
        burst = 0;
      }
    }
  }

  /**
   * Run a plain access inside the burst (scheduling at synchronisation
   * points, ./refine.ts): the visible step's work (KASAN, the access, the
   * spin detector's notes, KCSAN), with the refiner told which instruction
   * runs, counted as a step of its thread as the visible step would be.
   */
  hiddenAccess(t: Thread, f: Frame, regs: Value[], vis: VisibleFn, key: InstrKey): void {
    const r = this.refiner!;
    r.current = key;
    r.hiddenStep(t.tid);
    try {
      vis(this, t, f, regs);
    } finally {
      r.current = -1;
    }
    t.steps++;
    this.state.step++;
    if (t.steps - t.rets > this.limits.stepsPerThread && !t.done) {
      tooManySteps(this, t, this.limits.stepsPerThread);
      throw new Fault('livelock');
    }
  }

  /**
   * Is thread `tid`'s pending operation a plain access that scheduling at
   * synchronisation points with `visible` scheduled instructions would run
   * inside the burst? (sched/sync-points.ts turns a schedule of such an
   * exploration into the one-step-per-access schedule of this machine.)
   */
  wouldHide(tid: number, visible: ReadonlySet<InstrKey>): boolean {
    const t = this.state.threads[tid]!;
    if (t.done || t.dead || !t.frames.length) return false;
    const f = t.frames[t.frames.length - 1]!;
    const l = this.lowered[f.fn]!;
    if (!l.hideable[f.pc] || visible.has(instrKey(f.fn, f.pc))) return false;
    const b = f.regs[(this.prog.functions[f.fn]!.code[f.pc] as { base: number }).base];
    if (typeof b !== 'object' || b.t !== 'p') return false;
    // a stack block, live or gone (lower-closures.ts lowerAccess: never hidden)
    const a = this.state.heap.get(b.a);
    return a !== undefined && a.kind !== 'stack';
  }

  /** Execute the pending visible instruction of `t` (the one `advance` stopped at). */
  private execVisible(t: Thread): void {
    const f = t.frames[t.frames.length - 1]!;
    const l = this.lowered[f.fn]!;
    const regs = f.regs;
    const pc = f.pc;
    const vis = l.visible[pc];
    if (vis !== undefined) {
      vis(this, t, f, regs);
      return;
    }
    // the lowered function's arrays by pc rather than the instruction's fields (instructions of every kind
    // have their own shapes: a read of one of their fields is a megamorphic one)
    switch (l.kind[pc]) {
      case Op.Builtin: {
        const impl = l.impls[pc]!;
        const args = this.args(f, l.argRegs[pc]!);
        noteBuiltinArgs(this, impl, args);
        const r = impl.exec(this, t, args, this.builtinAt(f));
        if (t.frames[t.frames.length - 1] === f) {
          regs[l.retDst[pc]!] = r;
          f.pc++;
        }
        return;
      }
      case Op.BackEdge: {
        // resume from a spin-wait: the awaited value changed
        const ins = this.prog.functions[f.fn]!.code[pc] as Extract<Instr, { op: Op.BackEdge }>;
        for (const [a, p] of this.spin.resume(t.tid, ins.loop, t)) {
          const v = this.state.heap.get(a)?.fields.get(p);
          this.kcsanAccess(t, memKey(a, p), false, true, this.where(a, p), v === undefined || isPrim(v) ? 0 : v);
        }
        f.pc++;
        return;
      }
      default:
        f.pc++;
    }
  }

  /** The values of registers `a` of frame `f`, in a fresh array (a built-in's exec may keep it). */
  private args(f: Frame, a: number[]): Value[] {
    const out = new Array<Value>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = f.regs[a[i]!]!;
    return out;
  }

  /** Call function `fn` on `t` with `args` (a stack block for its addressable locals); recursion too deep is a finding. */
  pushFrame(t: Thread, fn: number, args: Value[]): void {
    const F = this.prog.functions[fn]!;
    if (t.frames.length >= this.limits.depth) {
      stackOverflow(this, t, this.limits.depth, F.name);
      throw new Fault('recursion');
    }
    if (F.code.length === 0) throw new Error(`teardown: function '${F.name}' has no body`);
    const regs = new Array<Value>(F.nregs).fill(0);
    for (let i = 0; i < args.length && i < F.params.length; i++) regs[i] = args[i]!;
    let stack = 0;
    if (F.stackLocals.length) {
      stack = this.newAllocId(t);
      heapSet(
        this.state,
        newAlloc({
          id: stack,
          kind: 'stack',
          name: this.lowered[fn]!.stackName,
          bytes: Math.max(1, F.stackSize),
          fields: new Map(),
          owner: t.tid,
          gen: this.state.gen,
        }),
      );
    }
    threadChanged(t);
    // the caller was the top frame until now, its cached digest part stale
    const caller = t.frames[t.frames.length - 1];
    if (caller) caller.hashed = false;
    t.frames.push({ fn, pc: 0, regs, stack, hashed: false, hash1: 0, hash2: 0, gen: this.state.gen, site: null });
  }

  /** Return from `t`'s top frame with `v` (to the caller's result register; the thread ends with its last frame). */
  popFrame(t: Thread, v: Value): void {
    const f = t.frames.pop()!;
    if (f.stack) heapDelete(this.state, f.stack);
    // the caller's frame may be shared with a copy of the thread (a checkpoint's): it is about to change
    const caller = ownTopFrame(this.state, t);
    if (!caller) {
      t.done = true;
      t.ret = v;
      heldOnReturn(this, t);
      return;
    }
    const dst = this.lowered[caller.fn]!.retDst[caller.pc - 1]!;
    if (dst >= 0) caller.regs[dst] = v;
  }

  /**
   * Digest of the whole execution state, detector state included (see
   * ../state/hash.ts for when pruning on it is sound).
   */
  stateDigest(): Digest {
    return stateHash(this.state, this.digestExtra);
  }

  /** {@link stateDigest} computed from scratch, no cached or incremental part used (what it must equal: tests). */
  stateDigestFromScratch(): Digest {
    return stateHashFromScratch(this.state, this.digestExtra);
  }

  /** The detector state and allocation count, the digest's last part. */
  private readonly digestExtra = (h: Hash64): void => {
    h.seq(this.allocCount);
    this.kcsan.hashInto(h, this.state.threads);
    this.spin.hashInto(h, this.state.threads);
  };

  /** {@link stateDigest} but for KCSAN's part: stateful DPOR's key with {@link kcsanLive} (../sched/projection.ts). */
  programDigest(): Digest {
    return stateHash(this.state, this.programExtra);
  }

  private readonly programExtra = (h: Hash64): void => {
    h.seq(this.allocCount);
    this.spin.hashInto(h, this.state.threads);
  };

  /** KCSAN's live entries, each with the clocks covering it (detect/kcsan.ts liveEntries); locations by {@link kcsanLocKey}. */
  kcsanLive(out: LiveEntries): void {
    this.kcsan.liveEntries(this.state.threads, out);
  }

  /** The dependency key of a location id of {@link kcsanLive}'s. */
  kcsanLocKey(id: number): string {
    return this.kcsan.locKey(id);
  }

  /** Is `tid` blocked in a spin-wait (for livelock reports)? */
  isSpinning(tid: number): boolean {
    return this.spin.isSpinning(tid);
  }

  // ---------------------------------------------------------------- end of execution

  /** Every unfinished thread is blocked: report the deadlock (with its wait-for cycle) or the stuck spin. */
  reportStuck(): void {
    const stuck = this.state.threads.slice(0, this.nworkers).filter((t) => !t.done && !t.dead);
    if (stuck.length === 0) return;
    const spinning = stuck.filter((t) => this.spin.isSpinning(t.tid));
    if (spinning.length === stuck.length) this.spin.spinsForever(this, spinning);
    else deadlock(this, stuck, (t) => this.waitsFor(t));
  }

  /** The task `t` waits for: the owner of the lock its pending acquisition blocks on. */
  private waitsFor(t: Thread): number | undefined {
    const f = t.frames[t.frames.length - 1];
    if (!f) return undefined;
    const l = this.lowered[f.fn]!;
    const impl = l.impls[f.pc];
    if (impl?.owner === undefined) return undefined;
    return impl.owner(this, t, this.queryArgs(f, l), this.builtinAt(f));
  }

  /**
   * The arguments of the built-in frame `f` is at, for a query (enabled,
   * deps, timeout, owner): read into the instruction's scratch array, which
   * the query does not keep (exec gets a fresh array).
   */
  private queryArgs(f: Frame, l: LoweredFunction): Value[] {
    const regs = l.argRegs[f.pc]!;
    const out = l.queryArgs[f.pc]!;
    for (let i = 0; i < regs.length; i++) out[i] = f.regs[regs[i]!]!;
    return out;
  }

  /** The built-in call instruction frame `f` is at (the caller checked that it is one). */
  private builtinAt(f: Frame): BuiltinInstr {
    return this.prog.functions[f.fn]!.code[f.pc] as BuiltinInstr;
  }
}

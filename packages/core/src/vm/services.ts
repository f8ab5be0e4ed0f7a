/**
 * What the VM offers the kernel primitives ({@link KernelCtx}) and the
 * detectors ({@link DetectCtx}): memory access with KASAN's checks, object
 * and value names as reports print them, call stacks, the kernel log, the
 * happens-before and KCSAN hooks, and where findings go. The interpreter
 * and the scheduler interface build on it (./machine.ts).
 */
import { type Instr, Op, type Program } from '../lang/ir.js';
import { type CType, memberAt } from '../lang/types.js';
import type { PrimName } from '../lang/ctype.js';
import type { Alloc, Frame, Site, SiteNode, StackFrame, Thread, VmState } from '../state/state.js';
import { cloneState, heapSet, newAlloc, setField, threadChanged, writable, writableThread } from '../state/state.js';
import { type Value, ptr, showValue } from '../state/values.js';
import { type PrimState, isPrim } from '../state/prim.js';
import {
  ALLOC_ID_STRIDE,
  type DepKey,
  type SyncKey,
  allocOfKey,
  offOfKey,
  allocatingTask,
  badKey,
  liveKey,
  memKey,
  stackKey,
} from '../state/keys.js';
import { Fault, type InjectedFault, type Injection } from '../state/fault.js';
import { FNV_START, fmix, fnvOn, frameText, heapDigest } from '../state/hash.js';
import { type Deps, type KernelCtx, withKeys } from '../kernel/api.js';
import { STATE_BY_TAG } from '../kernel/registry.js';
import { isCountAt, writesZero, zeroKey } from '../kernel/counts.js';
import type { DetectCtx } from '../detect/ctx.js';
import type { Finding, ObjectSnapshot } from '../detect/finding.js';
import type { Kcsan } from '../detect/kcsan.js';
import type { RaceRefiner } from './refine.js';
import { LockdepGraph } from '../detect/lockdep.js';
import { declaresPrim } from './declared.js';
import { SpinDetector } from '../detect/livelock.js';
import { badDeref, oops } from '../detect/oops.js';
import { outOfRange, useAfterFree, useAfterReturn } from '../detect/kasan.js';

/** One thread of a scenario: the function it runs and its task name. */
export interface ThreadSpec {
  fn: string;
  name: string;
}

/**
 * Fault injection for a scenario: the call sites that may fail, and at most
 * how many failures one execution injects (docs/scheduler.md, "Fault
 * injection"). The explorer tries every fault plan of up to `max` entries
 * (sched/faults.ts); `plan` fixes one (replay, minimisation).
 */
export interface FaultSpec {
  /** Armed fault sites: `kmalloc` (every slab allocation), `copy_to_user`, or a name passed to should_fail(). */
  sites: string[];
  /** Most failures per execution (default 1). */
  max?: number;
  /** The one plan to run: no other is tried. */
  plan?: InjectedFault[];
}

/** A scenario: an optional setup, two or more threads, an optional check, and the fault sites it arms. */
export interface ScenarioSpec {
  setup?: string;
  threads: ThreadSpec[];
  check?: string;
  faults?: FaultSpec;
  /**
   * When a timed sleep's timeout may fire (docs/scheduler.md, "Timeouts"):
   * `quiescent` (default, for grading) only when no other thread can run;
   * `anytime` at any step after the sleeper sleeps, while others still run,
   * in deadline order (for demonstrations: `--timeouts anytime`).
   */
  timeouts?: 'quiescent' | 'anytime';
}

/** Budgets that keep any program from running away. */
export interface Limits {
  /** Visible steps per thread per execution before a livelock finding. */
  stepsPerThread: number;
  /** Thread-private instructions between two visible steps before a livelock finding. */
  burst: number;
  /** Allocations per execution before the heap is declared exhausted. */
  allocs: number;
  /** Call depth before a stack overflow oops. */
  depth: number;
}

export const DEFAULT_LIMITS: Limits = { stepsPerThread: 4000, burst: 200_000, allocs: 5000, depth: 200 };

/** State shared by all executions of one exploration: lockdep's graph and dedup sets. */
export class SharedDetectors {
  readonly lockdep = new LockdepGraph();
  readonly kcsanReported = new Set<string>();

  /**
   * `only`: record only the findings with this key, for runs that look for
   * one finding (the minimiser's replays and searches, a finding's trace).
   * The others are still detected, and a fatal one still ends the execution,
   * but they are not recorded, so no schedule is attached to each of them (a
   * replay of a long racy execution reaches thousands). Default: all.
   */
  constructor(readonly only?: string) {}
}

/**
 * A node of VmServices' trie of the call stacks met so far (state.ts
 * SiteNode): the FNV state of its stack's text, outermost frame first, and
 * the nodes of the stacks that call on from it.
 */
interface StackNode extends SiteNode {
  readonly parent: StackNode | null;
  readonly fnv: number;
  readonly kids: Map<number, StackNode>;
}

/**
 * A site: task, step and a node of the stack trie, its frames made when
 * first asked for. A site is made at every access KCSAN checks, and most
 * are never asked.
 */
class LazySite implements Site {
  // declared and assigned in the constructor: fields defined as a class's are defined one by one, then assigned
  declare private readonly m: VmServices;
  declare readonly task: string;
  declare readonly tid: number;
  declare readonly step: number;
  declare private readonly node: StackNode;
  declare private frames?: StackFrame[];
  constructor(m: VmServices, task: string, tid: number, step: number, node: StackNode) {
    this.m = m;
    this.task = task;
    this.tid = tid;
    this.step = step;
    this.node = node;
  }
  get stack(): StackFrame[] {
    if (!this.frames) {
      const out: StackFrame[] = [];
      for (let n: StackNode | null = this.node; n !== null && n.parent !== null; n = n.parent)
        out.push(this.m.frameAt(n.fn, n.pc));
      this.frames = out;
    }
    return this.frames;
  }
  stackHash(): number {
    return this.node.hash;
  }
  toJSON(): Site {
    return { task: this.task, tid: this.tid, step: this.step, stack: this.stack };
  }
}

export abstract class VmServices implements KernelCtx, DetectCtx {
  readonly prog: Program;
  readonly spec: ScenarioSpec;
  readonly limits: Limits;
  readonly shared: SharedDetectors;
  /** Number of worker threads; the setup/check task is thread `nworkers`. */
  readonly nworkers: number;
  state!: VmState;
  /** Findings of the current execution, in order. */
  findings: Finding[] = [];
  /** Set when a fatal finding ended the execution. */
  fatal: Finding | null = null;
  /** Findings reported so far by this machine, recorded or not (`SharedDetectors.only`), fatal or not. */
  reported = 0;
  /**
   * Scheduling at synchronisation points (./refine.ts): plain accesses run
   * inside the burst unless the refiner's `visible` names them. Null: every
   * shared access is a visible step.
   */
  refiner: RaceRefiner | null = null;
  /** The explorer's view of the schedule so far (thread per step), for detectors that record it. */
  currentSchedule: () => number[] = () => [];
  /** The state after setup (undefined while setup runs). */
  protected initial?: VmState;
  protected kcsan!: Kcsan;
  /** The spin-loop detector (the lowered back-edges call it). */
  spin = new SpinDetector();
  protected allocCount = 0;
  /** The failures injected in the current execution, in order. */
  injections: Injection[] = [];
  private readonly faultSites: ReadonlySet<string>;
  private readonly faultPlan: readonly InjectedFault[];

  constructor(prog: Program, spec: ScenarioSpec, shared: SharedDetectors, limits: Limits) {
    this.prog = prog;
    this.spec = spec;
    this.shared = shared;
    this.limits = limits;
    this.nworkers = spec.threads.length;
    this.faultSites = new Set(spec.faults?.sites ?? []);
    this.faultPlan = spec.faults?.plan ?? [];
  }

  abstract pendingLabel(tid: number): string;
  abstract timerFires(to: number): void;

  /** Timeouts fire at any step (`--timeouts anytime`), not only at quiescence. */
  get anytimeTimeouts(): boolean {
    return this.spec.timeouts === 'anytime';
  }

  get lockdep(): LockdepGraph {
    return this.shared.lockdep;
  }
  get jiffies(): number {
    return this.state.jiffies;
  }
  set jiffies(j: number) {
    this.state.jiffies = j;
  }
  thread(tid: number): Thread {
    return writableThread(this.state, tid);
  }
  threads(): readonly Thread[] {
    return this.state.threads;
  }

  /**
   * A built-in's dependencies plus the liveness of every heap object and
   * stack block whose memory it touches, as a load or store has them: kfree
   * writes a heap object's, the return of its frame a stack block's, so
   * `mutex_unlock(&obj->lock)` and `kfree(obj)` in two threads are
   * dependent (either order may be the use-after-free), and so are
   * `complete(&done)` and the return of the function with `done` on its
   * stack. Also the zero part of every registered count it writes
   * ({@link zeroOf}): this is where every built-in's writes pass, so a
   * write of a count by any built-in is one its zero tests see.
   */
  protected withLiveness(d: Deps, tid: number): Deps {
    let extra: DepKey[] | undefined;
    let zeros: DepKey[] | undefined;
    for (const k of d.reads) extra = this.liveOf(k, d, extra, tid);
    if (d.adds) for (const k of d.adds) extra = this.liveOf(k, d, extra, tid);
    for (const k of d.writes) {
      extra = this.liveOf(k, d, extra, tid);
      zeros = this.zeroOf(k, d, zeros);
    }
    if (!extra && !zeros) return d;
    return withKeys(d, extra ? d.reads.concat(extra) : d.reads, zeros ? d.writes.concat(zeros) : d.writes);
  }

  /**
   * withLiveness for a written key `k`: `zeros` with the zero part of the
   * count at `k` when it is a registered count and the write one that writes
   * it (kernel/counts.ts writesZero: what its zero tests read), unless `d`
   * has it already.
   */
  private zeroOf(k: DepKey, d: Deps, zeros: DepKey[] | undefined): DepKey[] | undefined {
    const id = allocOfKey(k);
    if (id === undefined) return zeros;
    const off = offOfKey(k);
    const a = off === undefined ? undefined : this.state.heap.get(id);
    if (a === undefined || !isCountAt(a, off!) || !writesZero(d, k)) return zeros;
    const z = zeroKey(k);
    if (!d.writes.includes(z) && !zeros?.includes(z)) (zeros ??= []).push(z);
    return zeros;
  }

  /**
   * withLiveness for one key of task `tid`'s step: `extra` with the liveness
   * of key `k`'s allocation, if `d` and it lack it, and the owner's
   * state/keys.ts stackKey when the allocation is another task's stack block.
   */
  private liveOf(k: DepKey, d: Deps, extra: DepKey[] | undefined, tid: number): DepKey[] | undefined {
    const id = allocOfKey(k);
    if (id === undefined) return extra;
    // a heap object (kfree writes its liveness) or a stack block, live or gone (its frame's return writes it);
    // globals never go
    const a = this.state.heap.get(id);
    const kind = a?.kind ?? 'stack';
    if (kind !== 'heap' && kind !== 'stack') return extra;
    const l = liveKey(id);
    if (!d.writes.includes(l) && !d.reads.includes(l) && !extra?.includes(l)) (extra ??= []).push(l);
    if (a !== undefined && kind === 'stack' && allocatingTask(id) !== tid) {
      const s = stackKey(allocatingTask(id));
      if (!d.reads.includes(s) && !extra?.includes(s)) (extra ??= []).push(s);
    }
    return extra;
  }

  // ---------------------------------------------------------------- fault injection

  /**
   * Should this call at fault site `site` fail? Only at an armed site, only
   * in a scenario thread (setup and check never fail), and only when the
   * fault plan names this thread's count of armed calls so far: fail_nth,
   * per task (state/fault.ts). An injected failure is recorded.
   */
  shouldFail(t: Thread, site: string): boolean {
    if (t.tid >= this.nworkers || !this.faultSites.has(site)) return false;
    const nth = ++t.faultCalls;
    if (!this.faultPlan.some((p) => p.tid === t.tid && p.nth === nth)) return false;
    this.injections.push({ tid: t.tid, nth, site, step: this.state.step, stack: this.site(t).stack });
    return true;
  }

  // ---------------------------------------------------------------- sites and findings

  /**
   * The current call stack of `t`, recorded lazily: the trie node of its
   * frames, found from the node its caller frame keeps (Frame.site: the
   * frames below the top one do not change while it runs), so a site costs
   * one lookup, the top frame's, and no array.
   */
  site(t: Thread): Site {
    const frames = t.frames;
    const n = frames.length;
    let node = this.stacks;
    if (n > 0) {
      const top = frames[n - 1]!;
      node = this.child(n > 1 ? this.nodeOf(frames, n - 2) : this.stacks, top.fn, top.pc);
    }
    return new LazySite(this, t.name, t.tid, this.state.step, node);
  }

  /** The root of the trie of the stacks met so far ({@link site}): no frame. */
  private readonly stacks: StackNode = {
    parent: null,
    fn: -1,
    pc: -1,
    fnv: FNV_START,
    hash: fmix(FNV_START),
    kids: new Map(),
  };

  /**
   * The trie node of `frames[0..i]` (outermost first), kept in `frames[i]`
   * (Frame.site) and taken from there while its function and pc are still
   * the frame's: a caller's pc is fixed while its callee runs, and a frame
   * that ran on as the top since has another pc.
   */
  private nodeOf(frames: readonly Frame[], i: number): StackNode {
    const f = frames[i]!;
    const kept = f.site as StackNode | null;
    if (kept !== null && kept.pc === f.pc && kept.fn === f.fn) return kept;
    const node = this.child(i > 0 ? this.nodeOf(frames, i - 1) : this.stacks, f.fn, f.pc);
    // a frame shared by copies of its thread is the same stack in each: any of them may keep the node
    f.site = node;
    return node;
  }

  /**
   * The node of stack `n` called on into function `fn` at `pc`: its hash is
   * state/hash.ts siteHash's, the FNV of the frames' text joined by `/`,
   * outermost first, carried on from `n`'s state.
   */
  private child(n: StackNode, fn: number, pc: number): StackNode {
    // a small integer key (a Map hashes one without a heap number) while it fits; the other form is negative
    const key = fn < 0x4000 && pc < 0x10000 ? fn * 0x10000 + pc : -(fn * 0x4000000 + pc) - 1;
    let c = n.kids.get(key);
    if (c === undefined) {
      const fnv = fnvOn(n === this.stacks ? n.fnv : fnvOn(n.fnv, '/'), frameText(this.frameAt(fn, pc)));
      c = { parent: n, fn, pc, fnv, hash: fmix(fnv), kids: new Map() };
      n.kids.set(key, c);
    }
    return c;
  }

  frameAt(fn: number, pc: number): StackFrame {
    const F = this.prog.functions[fn]!;
    const ins = F.code[Math.min(pc, F.code.length - 1)];
    return {
      fn: F.name,
      file: this.prog.files[ins?.file ?? F.file]?.name ?? '?',
      line: ins?.line ?? F.line,
      column: ins?.column ?? 1,
    };
  }

  /** Is the file a learner file? */
  isLearnerFile(name: string): boolean {
    return this.prog.files.some((f) => f.name === name && f.role === 'learner');
  }

  records(key: string): boolean {
    return this.shared.only === undefined || key === this.shared.only;
  }

  /** Record a finding; a fatal one ends the execution (the caller throws Fault). */
  report(f: Finding): void {
    if (this.fatal) return;
    this.reported++;
    if (this.records(f.key)) this.findings.push(f);
    if (f.fatal) {
      this.fatal = f;
      this.refiner?.fatal();
      const threads = this.state.threads;
      for (let i = 0; i < threads.length; i++)
        if (!threads[i]!.done) {
          const t = writableThread(this.state, i);
          threadChanged(t);
          t.dead = true;
        }
    }
  }

  /** Report an oops (divide error, unmodelled operation) and stop the execution. */
  oops(t: Thread, msg: string): never {
    oops(this, t, msg);
    throw new Fault(msg);
  }

  // ---------------------------------------------------------------- memory

  /** Resolve a pointer to memory, reporting NULL, bad, freed or out-of-scope pointers (fatal). */
  resolve(t: Thread, v: Value, what: string): { alloc: Alloc; off: number; key: DepKey } {
    if (typeof v !== 'object' || v.t !== 'p' || v.a === 0) {
      badDeref(this, t, v, what);
      throw new Fault('bad pointer');
    }
    const a = this.state.heap.get(v.a);
    if (!a) {
      useAfterReturn(this, t, v, what);
      throw new Fault('stack');
    }
    if (a.freeSite) {
      useAfterFree(this, t, a, what);
      throw new Fault('uaf');
    }
    if (v.o < 0 || v.o >= a.bytes) {
      outOfRange(this, t, a, v.o, 1, what);
      throw new Fault('oob');
    }
    return { alloc: a, off: v.o, key: memKey(v.a, v.o) };
  }

  /** Key of the memory a pointer value names (no checks), for dependency info. */
  keyOf(v: Value): DepKey {
    if (typeof v === 'object' && v.t === 'p') return memKey(v.a, v.o);
    return badKey(showValue(v));
  }

  peekAlloc(v: Value): Alloc | undefined {
    return typeof v === 'object' && v.t === 'p' ? this.state.heap.get(v.a) : undefined;
  }

  peek(v: Value): Value | PrimState | undefined {
    return typeof v === 'object' && v.t === 'p' ? this.state.heap.get(v.a)?.fields.get(v.o) : undefined;
  }

  /** Read a primitive's state (or undefined for zeroed memory). */
  getPrim<T extends PrimState>(a: Alloc, off: number): T | undefined {
    const v = (this.state.heap.get(a.id) ?? a).fields.get(off);
    return isPrim(v) ? (v as T) : undefined;
  }

  setPrim<T extends PrimState>(a: Alloc, off: number, s: T): void {
    setField(this.mut(a), off, s);
  }

  /** Read a number stored at an offset (refcounts, atomics). */
  getNum(a: Alloc, off: number): number {
    const v = (this.state.heap.get(a.id) ?? a).fields.get(off);
    return typeof v === 'number' ? v : 0;
  }

  setNum(a: Alloc, off: number, n: number): void {
    setField(this.mut(a), off, n);
  }

  /** The version of `a` this execution may write (copy on write: see state/state.ts). */
  mut(a: Alloc): Alloc {
    return writable(this.state, a);
  }

  newAllocId(t: Thread): number {
    return (t.tid + 1) * ALLOC_ID_STRIDE + ++t.allocSeq;
  }

  /** kmalloc: a new allocation, zeroed (all memory reads 0 until written). */
  allocate(t: Thread, bytes: number, type: string | undefined, what: string): Value {
    if (++this.allocCount > this.limits.allocs) {
      this.oops(t, `out of memory: more than ${this.limits.allocs} allocations in one execution`);
    }
    const id = this.newAllocId(t);
    heapSet(
      this.state,
      newAlloc({
        id,
        kind: 'heap',
        type,
        name: what,
        bytes,
        fields: new Map(),
        allocSite: this.site(t),
        gen: this.state.gen,
      }),
    );
    return ptr(id, 0);
  }

  // ---------------------------------------------------------------- KCSAN, happens-before, log

  spinAccess(t: Thread, alloc: number, off: number, write: boolean, v: Value, zero = false): void {
    if (write) this.spin.noteWrite(t.tid);
    else this.spin.noteRead(t.tid, alloc, off, v, zero);
  }

  kcsanAccess(t: Thread, key: DepKey, write: boolean, marked: boolean, what: string, v: Value): void {
    if (t.tid >= this.nworkers && this.initial === undefined) return; // setup runs alone
    if (this.refiner !== null) this.refinerAccess(t, key, write);
    const found = this.kcsan.access(t.tid, key, write, marked, this.site(t), what, v, this);
    if (found) for (const f of found) this.report(f);
  }

  kcsanAdd(t: Thread, key: DepKey, what: string, v: Value): void {
    if (t.tid >= this.nworkers && this.initial === undefined) return; // setup runs alone
    if (this.refiner !== null) this.refinerAccess(t, key, true);
    const found = this.kcsan.add(t.tid, key, this.site(t), what, v, this);
    if (found) for (const f of found) this.report(f);
  }

  /**
   * Tell the race refiner (./refine.ts) about an access: every access KCSAN
   * checks, and the ones it does not (`data_race()`-style model accesses),
   * which can conflict with a hidden one all the same.
   */
  refinerAccess(t: Thread, key: DepKey, write: boolean): void {
    if (t.tid >= this.nworkers && this.initial === undefined) return;
    this.refiner!.access(t.tid, this.kcsan.clock(t.tid), key, write);
  }

  /** kfree of allocation `alloc` by `t` (kernel/heap.ts): the race refiner's conflict with its hidden accesses. */
  freed(t: Thread, alloc: number): void {
    if (this.refiner !== null && t.tid < this.nworkers) this.refiner.free(t.tid, this.kcsan.clock(t.tid), alloc);
  }

  /** A hidden access of `t` found allocation `alloc` freed (vm/lower-visible.ts): was its kfree concurrent? */
  freedBefore(t: Thread, alloc: number): void {
    if (this.refiner !== null && t.tid < this.nworkers) this.refiner.freedBefore(t.tid, this.kcsan.clock(t.tid), alloc);
  }

  hbAcquire(t: Thread, key: SyncKey): void {
    this.kcsan.acquire(t.tid, key);
  }
  hbRelease(t: Thread, key: SyncKey): void {
    this.kcsan.release(t.tid, key);
  }
  hbRmw(t: Thread, key: SyncKey): void {
    this.kcsan.rmw(t.tid, key);
  }

  /** Append a kernel log line. */
  log(t: Thread, level: string, text: string): void {
    this.state.log.push({ tid: t.tid, level, text, step: this.state.step });
  }

  // ---------------------------------------------------------------- names for reports

  /** Printable name of an allocation for traces: `iommufd_device#A1` (allocated by task A), or a global's name. */
  allocName(id: number): string {
    const a = this.state.heap.get(id) ?? this.initial?.heap.get(id);
    if (!a) return `obj#${id}`;
    if (a.kind === 'global') return a.name;
    if (a.kind === 'stack') return `${a.name}`;
    const tid = allocatingTask(id);
    const seq = id % ALLOC_ID_STRIDE;
    const who = tid >= this.nworkers ? 's' : String.fromCharCode(65 + tid);
    return `${a.type ?? a.name}#${who}${seq}`;
  }

  /** The static type of an allocation, when known. */
  allocType(a: Alloc): CType | undefined {
    return a.ctype ?? (a.type ? { k: 'struct', name: a.type } : undefined);
  }

  /** Does the program declare a `prim` where `v` points? (./declared.ts declaresPrim.) */
  declares(v: Value, prim: PrimName): boolean {
    if (typeof v !== 'object' || v.t !== 'p') return false;
    const a = this.state.heap.get(v.a) ?? this.initial?.heap.get(v.a);
    return a !== undefined && declaresPrim(this.prog, a, this.allocType(a), v.o, prim);
  }

  /** `name.member` for an allocation and offset (the member name from the type's layout, when known). */
  where(id: number, off: number, outer = false): string {
    const a = this.state.heap.get(id) ?? this.initial?.heap.get(id);
    const name = this.allocName(id);
    if (!a) return off ? `${name}+${off}` : name;
    const t = this.allocType(a);
    const m = t ? memberAt(t, off, this.prog.structs, 0, outer) : undefined;
    if (m === undefined) return off ? `${name}+${off}` : name;
    return m ? (m.startsWith('[') ? `${name}${m}` : `${name}.${m}`) : name;
  }

  /** A value as reports show it (`&iommufd_device#A1.obj.users`, `NULL`, `-ENOENT`...). */
  show(v: Value): string {
    return showValue(
      v,
      (a, off) => (off === 0 ? this.allocName(a) : `&${this.where(a, off, true)}`),
      (fn) => this.prog.functions[fn]?.name ?? `fn#${fn}`,
    );
  }

  /** Snapshot of an object for reports: its counters, pointers and primitives (as each shows itself) by member name. */
  snapshot(id: number): ObjectSnapshot | undefined {
    const a = this.state.heap.get(id);
    if (!a) return undefined;
    const t = this.allocType(a);
    const fields: Record<string, string> = {};
    const task = (tid: number) => this.state.threads[tid]?.name ?? 'undefined';
    for (const [off, v] of [...a.fields.entries()].sort((x, y) => x[0] - y[0])) {
      // a negative offset is the model's own (kernel/counts.ts: a reference count's registration)
      if (off < 0) continue;
      const m = (t ? memberAt(t, off, this.prog.structs) : undefined) || `+${off}`;
      if (isPrim(v)) {
        const shown = STATE_BY_TAG.get(v.p)?.show?.(v, this, task);
        if (shown !== undefined) fields[m] = shown;
        continue;
      }
      fields[m] = this.show(v);
    }
    return { name: this.allocName(id), type: a.type, state: a.freeSite ? 'freed' : 'live', fields };
  }

  // ---------------------------------------------------------------- checkpoints

  /**
   * The execution so far, for {@link restoreCheckpoint}: the VM state (copy on write,
   * state/state.ts cloneState) and the per-execution detector state (KCSAN's
   * clocks and shadow, the spin detector, findings, injected failures). The
   * explorer keeps these along its path so that an execution starts from the
   * deepest one its schedule shares instead of replaying from the start.
   * Only between steps of a running execution, never after a fatal finding.
   */
  checkpoint(): Checkpoint {
    if (this.fatal) throw new Error('teardown: no checkpoint after a fatal finding');
    // a heap digest kept up to date (state/hash.ts) is brought up to date here, so that the copies start with
    // nothing changed since (their digests, and the copies made of them, do not carry this prefix's changes)
    if (this.state.heapDigest) heapDigest(this.state);
    return {
      state: cloneState(this.state),
      findings: this.findings.slice(),
      injections: this.injections.slice(),
      allocCount: this.allocCount,
      kcsan: this.kcsan.clone(),
      spin: this.spin.clone(),
      refiner: this.refiner?.save(),
    };
  }

  /** Continue from a snapshot, as if its execution had just been replayed to it (begin() for a prefix). */
  restoreCheckpoint(s: Checkpoint): void {
    this.state = cloneState(s.state);
    this.findings = s.findings.slice();
    this.fatal = null;
    this.injections = s.injections.slice();
    this.allocCount = s.allocCount;
    this.kcsan = s.kcsan.clone();
    this.spin = s.spin.clone();
    if (this.refiner) this.refiner.restore(s.refiner);
  }
}

/** A short description of a visible operation (`mutex_lock(&igroup->lock)`, `read idev->vdev`): trace labels. */
export function describeStep(ins: Instr): string {
  switch (ins.op) {
    case Op.Load:
      return `read ${ins.what}`;
    case Op.Store:
      return `write ${ins.what}`;
    case Op.Builtin: {
      const n = ins.name.startsWith('__wait_') ? (ins.extra?.text ?? ins.name) : ins.name;
      if (ins.name.startsWith('__wait_')) return `${ins.name.slice(7)}: ${n}`;
      return `${n}(${(ins.extra?.argText ?? []).join(', ')})`;
    }
    case Op.BackEdge:
      return 'spin (waiting for a change)';
    case Op.Ret:
      return 'return (the stack frame goes)';
    default:
      return 'step';
  }
}

/** What VmServices.checkpoint keeps (opaque to its users). */
export interface Checkpoint {
  readonly state: VmState;
  readonly findings: Finding[];
  readonly injections: Injection[];
  readonly allocCount: number;
  readonly kcsan: Kcsan;
  readonly spin: SpinDetector;
  /** The race refiner's history (./refine.ts), when scheduling at synchronisation points. */
  readonly refiner: unknown;
}

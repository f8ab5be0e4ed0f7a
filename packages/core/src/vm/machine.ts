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
import { type CType, memberAt } from '../lang/types.js';
import { convInt, bitop } from '../lang/declare.js';
import { ERRNO_NAME } from '../lang/constants.js';
import { type Alloc, type Frame, type Site, type StackFrame, type Thread, type VmState, cloneState, newGeneration, writable } from './state.js';
import { type Value, type Ptr, XA_ZERO, ptr, showValue, truthy, valEq } from './values.js';
import type { BuiltinImpl, BuiltinInstr, Deps } from '../kernel/api.js';
import { Fault } from '../kernel/api.js';
import { BUILTINS } from '../kernel/registry.js';
import { type PrimState, isPrim } from '../kernel/prim.js';
import type { Finding, FindingKind, ObjectSnapshot } from '../detect/finding.js';
import { siteToAccess, where } from '../detect/finding.js';
import { Kcsan } from '../detect/kcsan.js';
import { LockdepGraph } from '../detect/lockdep.js';
import { digest, stateText } from './hash.js';

/** One thread of a scenario: the function it runs and its task name. */
export interface ThreadSpec { fn: string; name: string }

/** A scenario: an optional setup, two or more threads, an optional check. */
export interface ScenarioSpec {
  setup?: string;
  threads: ThreadSpec[];
  check?: string;
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
}

const NO_DEPS: Deps = { reads: [], writes: [] };

/** Lazily materialised call stack, so recording a site is cheap. */
class LazySite implements Site {
  private frames?: StackFrame[];
  constructor(private readonly m: Machine, readonly task: string, readonly tid: number, readonly step: number, private readonly packed: number[]) {}
  get stack(): StackFrame[] {
    if (!this.frames) {
      const out: StackFrame[] = [];
      for (let i = this.packed.length - 2; i >= 0; i -= 2) out.push(this.m.frameAt(this.packed[i]!, this.packed[i + 1]!));
      this.frames = out;
    }
    return this.frames;
  }
  toJSON(): Site { return { task: this.task, tid: this.tid, step: this.step, stack: this.stack }; }
}

export class Machine {
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
  /** Findings of the setup run (reported once). */
  setupFindings: Finding[] = [];
  /** The explorer's view of the schedule so far (thread per step), for detectors that record it. */
  currentSchedule: () => number[] = () => [];
  private initial!: VmState;
  private kcsan!: Kcsan;
  private impls = new Map<Instr, BuiltinImpl>();
  private readLog: [number, number, Value][][] = [];
  private writeCount: number[] = [];
  private loopMarks: Map<number, [number, number]>[] = [];
  private allocCount = 0;

  constructor(prog: Program, spec: ScenarioSpec, shared = new SharedDetectors(), limits: Limits = DEFAULT_LIMITS) {
    this.prog = prog;
    this.spec = spec;
    this.shared = shared;
    this.limits = limits;
    this.nworkers = spec.threads.length;
    for (const f of prog.functions) {
      for (const ins of f.code) {
        if (ins.op === Op.Builtin) {
          const impl = BUILTINS[ins.name];
          if (!impl) throw new Error(`teardown: no implementation for built-in '${ins.name}'`);
          this.impls.set(ins, impl);
        }
      }
    }
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
      for (const [path, clsName] of g.prims) {
        const cls = { key: `static:${clsName.split(':')[0]}`, name: clsName.split(':')[0]! };
        const t = path === 0 ? g.type : undefined;
        if (t?.k === 'prim') {
          if (t.name === 'mutex') fields.set(path, { p: 'mutex', owner: -1, cls });
          else if (t.name === 'spinlock') fields.set(path, { p: 'spin', owner: -1, cls });
          else if (t.name === 'xarray') fields.set(path, { p: 'xa', entries: [], flags: clsName.endsWith(':alloc1') ? 3 : clsName.endsWith(':alloc') ? 1 : 0, lockOwner: -1, cls });
          else if (t.name === 'wait_queue_head') fields.set(path, { p: 'wq', waiters: [] });
          else if (t.name === 'completion') fields.set(path, { p: 'comp', done: 0 });
          else if (t.name === 'ida') fields.set(path, { p: 'ida', used: [] });
        }
      }
      heap.set(id, { id, kind: 'global', name: g.name, bytes: Math.max(1, g.bytes), fields, isConst: g.isConst, type: g.type.k === 'struct' ? g.type.name : undefined, ctype: g.type, gen });
    });
    const threads: Thread[] = [];
    for (let i = 0; i <= this.nworkers; i++) {
      threads.push({
        tid: i, name: i < this.nworkers ? this.spec.threads[i]!.name : 'setup', frames: [], done: true, dead: false,
        taskState: 0, held: [], steps: 0, burst: 0, allocSeq: 0, spin: new Map(), iterReads: null, iterWrote: false,
        warnedOnce: new Set(),
      });
    }
    this.state = { heap, threads, jiffies: 0, log: [], globals, step: 0, gen };
    this.resetLogs();
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
      this.pushFrame(t, this.prog.fnIndex.get(this.spec.threads[i]!.fn)!, [], null);
    }
    st.step = 0;
    this.initial = cloneState(st);
    this.initialAllocCount = this.allocCount;
  }

  private initialAllocCount = 0;

  /** True when setup ended in a fatal finding: there is nothing to explore. */
  get setupFailed(): boolean { return this.setupFindings.some((f) => f.fatal); }

  /** Start a new execution from the state after setup. */
  begin(): void {
    this.state = cloneState(this.initial);
    this.findings = [];
    this.fatal = null;
    this.allocCount = this.initialAllocCount;
    this.kcsan = new Kcsan(this.nworkers + 1, this.shared.kcsanReported, (v) => this.show(v));
    this.resetLogs();
    for (let i = 0; i < this.nworkers; i++) this.safeAdvance(this.state.threads[i]!);
  }

  /** Run a thread to its next visible step; a fault ends the execution (already reported). */
  private safeAdvance(t: Thread): void {
    try {
      this.advance(t);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
    }
  }

  private resetLogs(): void {
    const n = this.nworkers + 1;
    this.readLog = Array.from({ length: n }, () => []);
    this.writeCount = new Array(n).fill(0);
    this.loopMarks = Array.from({ length: n }, () => new Map());
  }

  /** Run one function to completion on the setup/check task (no interleaving). */
  private runAlone(fn: string, name: string): void {
    const st = this.state;
    const t = st.threads[this.nworkers]!;
    t.name = name;
    t.done = false;
    t.dead = false;
    this.pushFrame(t, this.prog.fnIndex.get(fn)!, [], null);
    try {
      this.advance(t);
      while (!t.done && !this.fatal) {
        if (!this.enabled(t.tid)) {
          const to = this.pendingTimeout(t);
          if (to) { this.step(t.tid); continue; }
          this.reportStuckAlone(t);
          break;
        }
        this.step(t.tid);
      }
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
    }
  }

  private reportStuckAlone(t: Thread): void {
    this.report({
      kind: 'deadlock',
      title: `INFO: task ${t.name} blocked for more than 120 seconds.`,
      details: [`${t.name} is blocked in ${this.pendingLabel(t.tid)} and no other task can wake it.`],
      accesses: [siteToAccess(this.pendingLabel(t.tid), this.site(t))],
      objects: [], fatal: true, key: `deadlock:${t.name}:${where(this.site(t).stack)}`, origin: this.originOf([this.site(t)]),
    });
  }

  /** After the threads: run `check` alone, then look for leaks. */
  finish(): void {
    if (this.fatal) return;
    const st = this.state;
    if (this.spec.check) {
      const t = st.threads[this.nworkers]!;
      this.kcsan.joinAll(this.nworkers);
      this.runAlone(this.spec.check, 'check');
      if (this.fatal) return;
      void t;
    }
    this.leakCheck();
  }

  // ---------------------------------------------------------------- scheduling interface

  isDone(tid: number): boolean {
    const t = this.state.threads[tid]!;
    return t.done || t.dead;
  }

  /** Can thread `tid`'s pending operation run now? */
  enabled(tid: number): boolean {
    const t = this.state.threads[tid]!;
    if (t.done || t.dead) return false;
    const f = t.frames[t.frames.length - 1]!;
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    if (ins.op === Op.Builtin) {
      const impl = this.impls.get(ins)!;
      if (impl.enabled) return impl.enabled(this, t, this.args(f, ins), ins);
      return true;
    }
    if (ins.op === Op.BackEdge) return this.awaitEnabled(t);
    return true;
  }

  /** A timed sleeper whose timeout may fire now that nothing else can run, or -1. */
  fireableTimeout(): number {
    let best = -1;
    let bestDeadline = Infinity;
    for (let i = 0; i < this.nworkers; i++) {
      const t = this.state.threads[i]!;
      if (t.done || t.dead) continue;
      const d = this.pendingTimeout(t);
      if (d !== undefined && d < bestDeadline) { best = i; bestDeadline = d; }
    }
    return best;
  }

  /** Deadline of a timed sleep the thread is blocked in, if any. */
  private pendingTimeout(t: Thread): number | undefined {
    const f = t.frames[t.frames.length - 1];
    if (!f) return undefined;
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    if (ins.op !== Op.Builtin) return undefined;
    if (ins.name === '__wait_schedule' && ins.extra?.timed && t.taskState !== 0) {
      const rem = f.regs[ins.args[0]!] as number;
      return (t.sleepStart ?? this.state.jiffies) + rem;
    }
    if (ins.name === 'wait_for_completion_timeout') {
      const impl = this.impls.get(ins)!;
      if (!impl.enabled!(this, t, this.args(f, ins), ins)) return this.state.jiffies + (f.regs[ins.args[1]!] as number);
    }
    return undefined;
  }

  /** Dependency information of thread `tid`'s pending operation. */
  deps(tid: number): Deps {
    const t = this.state.threads[tid]!;
    if (t.done || t.dead) return NO_DEPS;
    const f = t.frames[t.frames.length - 1]!;
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    switch (ins.op) {
      case Op.Load:
      case Op.Store: {
        const base = f.regs[ins.base]!;
        if (typeof base !== 'object' || base.t !== 'p') return NO_DEPS;
        const key = `${base.a}:${base.o + ins.off}`;
        const live = `${base.a}:*`;
        return ins.op === Op.Load ? { reads: [key, live], writes: [] } : { reads: [live], writes: [key] };
      }
      case Op.Builtin: {
        const impl = this.impls.get(ins)!;
        return impl.deps ? impl.deps(this, t, this.args(f, ins), ins) : NO_DEPS;
      }
      case Op.BackEdge: {
        const reads = (this.awaiting.get(tid) ?? []).map(([a, p]) => `${a}:${p}`);
        return { reads, writes: [], noRace: true };
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
    return this.describe(ins);
  }

  describe(ins: Instr): string {
    switch (ins.op) {
      case Op.Load: return `read ${ins.what}`;
      case Op.Store: return `write ${ins.what}`;
      case Op.Builtin: {
        const n = ins.name.startsWith('__wait_') ? (ins.extra?.text ?? ins.name) : ins.name;
        if (ins.name.startsWith('__wait_')) return `${ins.name.slice(7)}: ${n}`;
        return `${n}(${(ins.extra?.argText ?? []).join(', ')})`;
      }
      case Op.BackEdge: return 'spin (waiting for a change)';
      default: return 'step';
    }
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
    const t = st.threads[tid]!;
    try {
      this.execVisible(t);
      t.steps++;
      st.step++;
      if (t.steps > this.limits.stepsPerThread && !t.done) {
        this.report({
          kind: 'livelock',
          title: `livelock: task ${t.name} ran ${this.limits.stepsPerThread} steps without finishing`,
          details: [`The task never blocked and never ended; it is at ${where(this.site(t).stack)}.`, 'A loop that waits for another task must sleep or spin on a value another task changes.'],
          accesses: [siteToAccess('still running', this.site(t))],
          objects: [], fatal: true, key: `livelock:${where(this.site(t).stack)}`, origin: this.originOf([this.site(t)]),
        });
      }
      this.advance(t);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
    }
  }

  // ---------------------------------------------------------------- interpreter

  /** Thread-private instructions run here until the next visible operation. */
  private advance(t: Thread): void {
    const fns = this.prog.functions;
    let burst = 0;
    for (;;) {
      if (t.done || t.dead || this.fatal) return;
      const f = t.frames[t.frames.length - 1]!;
      const code = fns[f.fn]!.code;
      const ins = code[f.pc]!;
      const regs = f.regs;
      if (++burst > this.limits.burst) {
        this.report({
          kind: 'livelock',
          title: `livelock: task ${t.name} looped ${this.limits.burst} instructions without a visible step`,
          details: ['A loop that only touches local variables never ends.'],
          accesses: [siteToAccess('looping', this.site(t))],
          objects: [], fatal: true, key: `livelock:${where(this.site(t).stack)}`, origin: this.originOf([this.site(t)]),
        });
        throw new Fault('livelock');
      }
      switch (ins.op) {
        case Op.Const: {
          const v = ins.value;
          regs[ins.dst] = typeof v === 'number' ? v : v.t === 'str' ? { t: 's', s: v.s } : v.t === 'fn' ? { t: 'f', fn: v.fn } : v.t === 'zero' ? XA_ZERO : ptr(v.g + 1, v.off);
          f.pc++;
          break;
        }
        case Op.Mov: regs[ins.dst] = regs[ins.src]!; f.pc++; break;
        case Op.Bin: regs[ins.dst] = this.bin(t, ins, regs[ins.a]!, regs[ins.b]!); f.pc++; break;
        case Op.Un: {
          const a = regs[ins.a]!;
          let r: Value;
          if (ins.uop === '!') r = truthy(a) ? 0 : 1;
          else if (typeof a !== 'number') r = this.oops(t, `arithmetic '${ins.uop}' on a pointer`);
          else r = ins.uop === '-' ? -a : ins.uop === '~' ? bitop(a, 0, (x) => ~x) : a;
          if (ins.conv && typeof r === 'number') r = conv(r, ins.conv);
          regs[ins.dst] = r;
          f.pc++;
          break;
        }
        case Op.Cast: {
          let v = regs[ins.src]!;
          if (ins.conv) {
            if (ins.conv.bool) v = truthy(v) ? 1 : 0;
            else if (typeof v === 'number') v = conv(v, ins.conv);
          }
          if (ins.tag && typeof v === 'object' && v.t === 'p' && v.o === 0) {
            const a = this.state.heap.get(v.a);
            if (a && !a.type) this.mut(a).type = ins.tag;
          }
          regs[ins.dst] = v;
          f.pc++;
          break;
        }
        case Op.Jmp: f.pc = ins.target; break;
        case Op.Jz: f.pc = truthy(regs[ins.src]!) ? f.pc + 1 : ins.target; break;
        case Op.Jnz: f.pc = truthy(regs[ins.src]!) ? ins.target : f.pc + 1; break;
        case Op.Nop: f.pc++; break;
        case Op.Addr: {
          const b = regs[ins.base]!;
          if (typeof b === 'object' && b.t === 'p') regs[ins.dst] = ptr(b.a, b.o + ins.off);
          else if (ins.off === 0) regs[ins.dst] = b;
          else if (b === 0) regs[ins.dst] = ptr(0, ins.off);
          else regs[ins.dst] = { t: 'b', why: `${showValue(b)} + ${ins.off}` };
          f.pc++;
          break;
        }
        case Op.Index: {
          const b = regs[ins.base]!;
          const i = regs[ins.idx]!;
          if (typeof b !== 'object' || b.t !== 'p' || typeof i !== 'number') { regs[ins.dst] = { t: 'b', why: 'array index' }; f.pc++; break; }
          if (ins.n > 0 && (i < 0 || i >= ins.n)) {
            this.outOfBounds(t, b, i, ins.n);
          }
          regs[ins.dst] = ptr(b.a, b.o + i * ins.elem);
          f.pc++;
          break;
        }
        case Op.PtrAdd: {
          const b = regs[ins.base]!;
          const n = regs[ins.n]!;
          regs[ins.dst] = this.ptrAdd(b, typeof n === 'number' ? (ins.neg ? -n : n) * ins.elem : NaN);
          f.pc++;
          break;
        }
        case Op.GAddr: regs[ins.dst] = ptr(this.state.globals[ins.g]!, 0); f.pc++; break;
        case Op.SAddr: regs[ins.dst] = ptr(f.stack, 0); f.pc++; break;
        case Op.Load:
        case Op.Store: {
          const b = regs[ins.base]!;
          if (typeof b !== 'object' || b.t !== 'p' || b.a === 0) {
            this.badDeref(t, b, ins.what, ins.op === Op.Store);
            throw new Fault('bad deref');
          }
          const a = this.state.heap.get(b.a);
          if (!a) { this.useAfterReturn(t, b, ins.what); throw new Fault('stack uaf'); }
          const off = b.o + ins.off;
          if (off < 0 || off + ins.size > a.bytes) { this.outOfRange(t, a, off, ins.size, ins.what); throw new Fault('oob'); }
          const priv = (a.kind === 'stack' && a.owner === t.tid) || (ins.op === Op.Load && a.isConst === true);
          if (!priv || a.freeSite) { t.burst = burst; return; }
          if (ins.op === Op.Load) {
            const v = a.fields.get(off);
            regs[ins.dst] = v === undefined || isPrim(v) ? 0 : v;
          } else {
            let v = regs[ins.src]!;
            if (ins.conv && typeof v === 'number') v = conv(v, ins.conv);
            this.mut(a).fields.set(off, v);
          }
          f.pc++;
          break;
        }
        case Op.Call: {
          f.pc++;
          this.pushFrame(t, ins.fn, ins.args.map((r) => regs[r]!), ins.dst);
          break;
        }
        case Op.CallInd: {
          const fv = regs[ins.fnReg]!;
          if (typeof fv !== 'object' || fv.t !== 'f') {
            this.badCall(t, fv, ins.what);
            throw new Fault('bad call');
          }
          f.pc++;
          this.pushFrame(t, fv.fn, ins.args.map((r) => regs[r]!), ins.dst);
          break;
        }
        case Op.Ret: {
          const v = regs[ins.src]!;
          this.popFrame(t, v);
          break;
        }
        case Op.Builtin: {
          const impl = this.impls.get(ins)!;
          if (impl.kind === 'step') { t.burst = burst; return; }
          const r = impl.exec(this, t, this.args(f, ins), ins);
          if (t.frames[t.frames.length - 1] === f) {
            regs[ins.dst] = r;
            f.pc++;
          }
          break;
        }
        case Op.BackEdge: {
          if (this.spinCheck(t, f, ins.loop)) { t.burst = burst; return; }
          f.pc++;
          break;
        }
      }
    }
  }

  /** Execute the pending visible instruction of `t` (the one `advance` stopped at). */
  private execVisible(t: Thread): void {
    const f = t.frames[t.frames.length - 1]!;
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    const regs = f.regs;
    switch (ins.op) {
      case Op.Load:
      case Op.Store: {
        const b = regs[ins.base] as Ptr;
        const a = this.state.heap.get(b.a)!;
        const path = b.o + ins.off;
        const key = `${b.a}:${path}`;
        if (a.freeSite) {
          this.useAfterFree(t, a, ins.op === Op.Store ? `write of ${ins.what}` : `read of ${ins.what}`);
          throw new Fault('uaf');
        }
        if (ins.op === Op.Load) {
          const v0 = a.fields.get(path);
          const v = v0 === undefined || isPrim(v0) ? 0 : v0;
          regs[ins.dst] = v;
          this.noteRead(t, b.a, path, v);
          if (!ins.unchecked) this.kcsanAccess(t, key, false, ins.marked, ins.what, v);
          if (ins.acquire) this.hbAcquire(t, `var:${key}`);
        } else {
          let v = regs[ins.src]!;
          if (ins.conv && typeof v === 'number') v = conv(v, ins.conv);
          if (ins.release) this.hbRelease(t, `var:${key}`);
          this.mut(a).fields.set(path, v);
          this.noteWrite(t);
          if (!ins.unchecked) this.kcsanAccess(t, key, true, ins.marked, ins.what, v);
        }
        f.pc++;
        return;
      }
      case Op.Builtin: {
        const impl = this.impls.get(ins)!;
        const r = impl.exec(this, t, this.args(f, ins), ins);
        if (t.frames[t.frames.length - 1] === f) {
          regs[ins.dst] = r;
          f.pc++;
        }
        return;
      }
      case Op.BackEdge: {
        // resume from a spin-wait: the awaited value changed
        const reads = this.awaiting.get(t.tid) ?? [];
        this.awaiting.delete(t.tid);
        for (const [a, p] of reads) {
          const al = this.state.heap.get(a);
          const v = al?.fields.get(p);
          this.kcsanAccess(t, `${a}:${p}`, false, true, this.where(a, p), v === undefined || isPrim(v) ? 0 : v);
        }
        t.spin.delete(ins.loop);
        f.pc++;
        return;
      }
      default:
        f.pc++;
    }
  }

  private args(f: Frame, ins: { args: number[] }): Value[] {
    const a = ins.args;
    const out = new Array<Value>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = f.regs[a[i]!]!;
    return out;
  }

  private pushFrame(t: Thread, fn: number, args: Value[], _dst: number | null): void {
    const F = this.prog.functions[fn]!;
    if (t.frames.length >= this.limits.depth) {
      this.report({
        kind: 'oops', title: `BUG: stack guard page was hit (call depth ${this.limits.depth} in ${F.name})`,
        details: ['Unbounded recursion.'], accesses: [siteToAccess(`call ${F.name}`, this.site(t))], objects: [], fatal: true,
        key: `oops:recursion:${F.name}`, origin: this.originOf([this.site(t)]),
      });
      throw new Fault('recursion');
    }
    if (F.code.length === 0) throw new Error(`teardown: function '${F.name}' has no body`);
    const regs = new Array<Value>(F.nregs).fill(0);
    for (let i = 0; i < args.length && i < F.params.length; i++) regs[i] = args[i]!;
    let stack = 0;
    if (F.stackLocals.length) {
      stack = this.newAllocId(t);
      this.state.heap.set(stack, { id: stack, kind: 'stack', name: `${F.name} locals`, bytes: Math.max(1, F.stackSize), fields: new Map(), owner: t.tid, gen: this.state.gen });
    }
    t.frames.push({ fn, pc: 0, regs, stack });
  }

  private popFrame(t: Thread, v: Value): void {
    const f = t.frames.pop()!;
    if (f.stack) this.state.heap.delete(f.stack);
    const caller = t.frames[t.frames.length - 1];
    if (!caller) {
      t.done = true;
      t.ret = v;
      this.threadExit(t);
      return;
    }
    const cins = this.prog.functions[caller.fn]!.code[caller.pc - 1]!;
    if (cins.op === Op.Call || cins.op === Op.CallInd) caller.regs[cins.dst] = v;
  }

  /** A thread returned to user space: it must not hold locks. */
  private threadExit(t: Thread): void {
    for (const h of t.held) {
      this.report({
        kind: 'lock-misuse',
        title: 'WARNING: lock held when returning to user space!',
        details: [`${t.name} is leaving the kernel with locks still held!`, `1 lock held by ${t.name}:`, ` #0: (${h.name}) taken at ${where(h.site.stack)}`],
        accesses: [siteToAccess(`lock(${h.name})`, h.site)],
        objects: [], fatal: false, key: `lock-misuse:held-on-return:${where(h.site.stack)}`, origin: this.originOf([h.site]),
      });
    }
  }

  private bin(t: Thread, ins: Extract<Instr, { op: Op.Bin }>, a: Value, b: Value): Value {
    const op = ins.bop;
    if (typeof a === 'number' && typeof b === 'number') {
      let x = a, y = b;
      if (ins.unsigned) { if (x < 0) x += 2 ** 64; if (y < 0) y += 2 ** 64; }
      let r: number;
      switch (op) {
        case '+': r = a + b; break;
        case '-': r = a - b; break;
        case '*': r = a * b; break;
        case '/': if (b === 0) return this.oops(t, 'divide error: 0000 [#1] (division by zero)'); r = Math.trunc(a / b); break;
        case '%': if (b === 0) return this.oops(t, 'divide error: 0000 [#1] (modulo by zero)'); r = a % b; break;
        case '<<': r = a * 2 ** b; break;
        case '>>': r = Math.floor(x / 2 ** b); break;
        case '&': r = bitop(a, b, (p, q) => p & q); break;
        case '|': r = bitop(a, b, (p, q) => p | q); break;
        case '^': r = bitop(a, b, (p, q) => p ^ q); break;
        case '==': return a === b ? 1 : 0;
        case '!=': return a !== b ? 1 : 0;
        case '<': return x < y ? 1 : 0;
        case '>': return x > y ? 1 : 0;
        case '<=': return x <= y ? 1 : 0;
        case '>=': return x >= y ? 1 : 0;
      }
      return ins.conv ? conv(r, ins.conv) : r;
    }
    if (op === '==') return valEq(a, b) ? 1 : 0;
    if (op === '!=') return valEq(a, b) ? 0 : 1;
    if (typeof a === 'object' && typeof b === 'object' && a.t === 'p' && b.t === 'p' && a.a === b.a) {
      switch (op) {
        case '-': return (a.o - b.o) / (ins.elem ?? 1);
        case '<': return a.o < b.o ? 1 : 0;
        case '>': return a.o > b.o ? 1 : 0;
        case '<=': return a.o <= b.o ? 1 : 0;
        case '>=': return a.o >= b.o ? 1 : 0;
      }
    }
    if ((op === '&' || op === '|') && (typeof a === 'object' || typeof b === 'object')) {
      return this.oops(t, 'bit operations on pointer values are not modelled');
    }
    return this.oops(t, `'${op}' on ${showValue(a)} and ${showValue(b)} is not modelled (pointer arithmetic outside an array)`);
  }

  private ptrAdd(b: Value, n: number): Value {
    if (n === 0) return b;
    if (typeof b === 'object' && b.t === 'p' && Number.isFinite(n)) return ptr(b.a, b.o + n);
    if (b === 0 && Number.isFinite(n)) return ptr(0, n);
    return { t: 'b', why: `${showValue(b)} + ${n}` };
  }

  // ---------------------------------------------------------------- spin detection

  private awaiting = new Map<number, [number, number, Value][]>();

  private noteRead(t: Thread, a: number, path: number, v: Value): void {
    const log = this.readLog[t.tid]!;
    if (log.length < 4096) log.push([a, path, v]);
  }

  private noteWrite(t: Thread): void {
    this.writeCount[t.tid]!++;
  }

  /**
   * At a loop back-edge: if this iteration wrote no shared memory and ended in
   * the same local state, after reading the same values, as the previous one,
   * the loop is spinning. The thread then waits (blocked) until one of the
   * values it read changes, as Lincheck's spin-cycle detection does.
   */
  private spinCheck(t: Thread, f: Frame, loop: number): boolean {
    const marks = this.loopMarks[t.tid]!;
    const log = this.readLog[t.tid]!;
    const writes = this.writeCount[t.tid]!;
    const prev = marks.get(loop);
    marks.set(loop, [log.length, writes]);
    if (!prev) return false;
    if (writes !== prev[1]) { t.spin.delete(loop); return false; }
    const reads = log.slice(prev[0]);
    let sig = `${f.pc}|`;
    for (const r of f.regs) sig += sigOf(r) + ',';
    if (f.stack) {
      const s = this.state.heap.get(f.stack);
      if (s) for (const [k, v] of s.fields) sig += `${k}=${isPrim(v) ? JSON.stringify(v) : sigOf(v)};`;
    }
    sig += '|';
    for (const [a, p, v] of reads) sig += `${a}:${p}=${sigOf(v)};`;
    const last = t.spin.get(loop);
    t.spin.set(loop, sig);
    if (last !== sig) return false;
    if (reads.length === 0) {
      this.report({
        kind: 'livelock',
        title: `livelock: task ${t.name} spins in a loop that reads no shared memory`,
        details: ['Nothing another task does can end this loop.'],
        accesses: [siteToAccess('spinning', this.site(t))],
        objects: [], fatal: true, key: `livelock:${where(this.site(t).stack)}`, origin: this.originOf([this.site(t)]),
      });
      throw new Fault('livelock');
    }
    const uniq = new Map<string, [number, number, Value]>();
    for (const r of reads) uniq.set(`${r[0]}:${r[1]}`, r);
    this.awaiting.set(t.tid, [...uniq.values()]);
    return true;
  }

  private awaitEnabled(t: Thread): boolean {
    const reads = this.awaiting.get(t.tid);
    if (!reads) return true;
    for (const [a, p, v] of reads) {
      const al = this.state.heap.get(a);
      if (!al || al.freeSite) return true;
      const cur = al.fields.get(p);
      if (!valEq(cur === undefined || isPrim(cur) ? 0 : cur, v)) return true;
    }
    return false;
  }

  /**
   * Digest of the whole execution state, detector state included (see
   * ./hash.ts for when pruning on it is sound).
   */
  stateDigest(): string {
    const spin = this.readLog.map((l, t) => `${t}:${l.length}:${this.writeCount[t]}:${[...this.loopMarks[t]!.entries()].map(([k, x]) => `${k}.${x[0]}.${x[1]}`).join(',')}:${[...this.state.threads[t]!.spin.entries()].map(([k, x]) => `${k}=${digest(x)}`).join(',')}:${JSON.stringify(this.awaiting.get(t) ?? null)}`).join(';');
    return digest(stateText(this.state, `${this.kcsan.stateText()}|${spin}`));
  }

  /** Is `tid` blocked in a spin-wait (for livelock reports)? */
  isSpinning(tid: number): boolean { return this.awaiting.has(tid); }

  // ---------------------------------------------------------------- helpers for primitives

  /** The current call stack of `t`, recorded lazily. */
  site(t: Thread): Site {
    const packed: number[] = [];
    for (const f of t.frames) packed.push(f.fn, f.pc);
    return new LazySite(this, t.name, t.tid, this.state.step, packed);
  }

  frameAt(fn: number, pc: number): StackFrame {
    const F = this.prog.functions[fn]!;
    const ins = F.code[Math.min(pc, F.code.length - 1)];
    return { fn: F.name, file: this.prog.files[ins?.file ?? F.file]?.name ?? '?', line: ins?.line ?? F.line, column: ins?.column ?? 1 };
  }

  /** Is the file a learner file? */
  isLearnerFile(name: string): boolean {
    return this.prog.files.some((f) => f.name === name && f.role === 'learner');
  }

  /** 'model' when the innermost frame of every site is in model (prelude or harness) code. */
  originOf(sites: Site[]): 'learner' | 'model' {
    for (const s of sites) {
      const f = s.stack[0];
      if (!f || this.isLearnerFile(f.file)) return 'learner';
    }
    return 'model';
  }

  /** Record a finding; a fatal one ends the execution (the caller throws Fault). */
  report(f: Finding): void {
    if (this.fatal) return;
    this.findings.push(f);
    if (f.fatal) {
      this.fatal = f;
      for (const t of this.state.threads) if (!t.done) t.dead = true;
    }
  }

  /** Report an oops (divide error, unmodelled operation) and stop the execution. */
  oops(t: Thread, msg: string): never {
    const s = this.site(t);
    this.report({ kind: 'oops', title: `Oops: ${msg}`, details: [`at ${where(s.stack)}`], accesses: [siteToAccess(msg, s)], objects: [], fatal: true, key: `oops:${where(s.stack)}`, origin: this.originOf([s]) });
    throw new Fault(msg);
  }

  /** Resolve a pointer to memory, reporting NULL, bad, freed or out-of-scope pointers (fatal). */
  resolve(t: Thread, v: Value, what: string): { alloc: Alloc; off: number; key: string } {
    if (typeof v !== 'object' || v.t !== 'p' || v.a === 0) {
      this.badDeref(t, v, what, true);
      throw new Fault('bad pointer');
    }
    const a = this.state.heap.get(v.a);
    if (!a) { this.useAfterReturn(t, v, what); throw new Fault('stack'); }
    if (a.freeSite) { this.useAfterFree(t, a, what); throw new Fault('uaf'); }
    if (v.o < 0 || v.o >= a.bytes) { this.outOfRange(t, a, v.o, 1, what); throw new Fault('oob'); }
    return { alloc: a, off: v.o, key: `${v.a}:${v.o}` };
  }

  /** Key of the memory a pointer value names (no checks), for dependency info. */
  keyOf(v: Value): string {
    if (typeof v === 'object' && v.t === 'p') return `${v.a}:${v.o}`;
    return `bad:${showValue(v)}`;
  }

  /** Read a primitive's state (or undefined for zeroed memory). */
  getPrim<T extends PrimState>(a: Alloc, off: number): T | undefined {
    const v = (this.state.heap.get(a.id) ?? a).fields.get(off);
    return isPrim(v) ? (v as T) : undefined;
  }

  setPrim(a: Alloc, off: number, s: PrimState): void {
    this.mut(a).fields.set(off, s);
  }

  /** Read a number stored at an offset (refcounts, atomics). */
  getNum(a: Alloc, off: number): number {
    const v = (this.state.heap.get(a.id) ?? a).fields.get(off);
    return typeof v === 'number' ? v : 0;
  }

  setNum(a: Alloc, off: number, n: number): void {
    this.mut(a).fields.set(off, n);
  }

  /** The version of `a` this execution may write (copy on write: see vm/state.ts). */
  mut(a: Alloc): Alloc {
    return writable(this.state, a);
  }

  kcsanAccess(t: Thread, key: string, write: boolean, marked: boolean, what: string, v: Value): void {
    if (t.tid >= this.nworkers && this.phaseSetup()) return;
    const f = this.kcsan.access(t.tid, key, write, marked, this.site(t), what, v, (s) => this.originOf(s));
    if (f) this.report(f);
  }

  private phaseSetup(): boolean { return this.initial === undefined; }

  hbAcquire(t: Thread, key: string): void { this.kcsan.acquire(t.tid, key); }
  hbRelease(t: Thread, key: string): void { this.kcsan.release(t.tid, key); }
  hbRmw(t: Thread, key: string): void { this.kcsan.rmw(t.tid, key); }

  /** Append a kernel log line. */
  log(t: Thread, level: string, text: string): void {
    this.state.log.push({ tid: t.tid, level, text, step: this.state.step });
  }

  newAllocId(t: Thread): number {
    return (t.tid + 1) * 1_000_000 + ++t.allocSeq;
  }

  /** kmalloc: a new allocation, zeroed (all memory reads 0 until written). */
  allocate(t: Thread, bytes: number, type: string | undefined, what: string): Value {
    if (++this.allocCount > this.limits.allocs) {
      this.oops(t, `out of memory: more than ${this.limits.allocs} allocations in one execution`);
    }
    const id = this.newAllocId(t);
    this.state.heap.set(id, { id, kind: 'heap', type, name: what, bytes, fields: new Map(), allocSite: this.site(t), gen: this.state.gen });
    return ptr(id, 0);
  }

  /** Printable name of an allocation for traces: `iommufd_device#A1` (allocated by task A), or a global's name. */
  allocName(id: number): string {
    const a = this.state.heap.get(id) ?? this.initial?.heap.get(id);
    if (!a) return `obj#${id}`;
    if (a.kind === 'global') return a.name;
    if (a.kind === 'stack') return `${a.name}`;
    const tid = Math.floor(id / 1_000_000) - 1;
    const seq = id % 1_000_000;
    const who = tid >= this.nworkers ? 's' : String.fromCharCode(65 + tid);
    return `${a.type ?? a.name}#${who}${seq}`;
  }

  /** The static type of an allocation, when known. */
  allocType(a: Alloc): CType | undefined {
    return a.ctype ?? (a.type ? { k: 'struct', name: a.type } : undefined);
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
    return showValue(v, (a, off) => (off === 0 ? this.allocName(a) : `&${this.where(a, off, true)}`), (fn) => this.prog.functions[fn]?.name ?? `fn#${fn}`);
  }

  /** Snapshot of an object for reports: its counters and pointers by member name. */
  snapshot(id: number): ObjectSnapshot | undefined {
    const a = this.state.heap.get(id);
    if (!a) return undefined;
    const t = this.allocType(a);
    const fields: Record<string, string> = {};
    for (const [off, v] of [...a.fields.entries()].sort((x, y) => x[0] - y[0])) {
      const m = (t ? memberAt(t, off, this.prog.structs) : undefined) || `+${off}`;
      if (isPrim(v)) {
        if (v.p === 'mutex' || v.p === 'spin') fields[m] = v.owner < 0 ? 'unlocked' : `locked by ${this.state.threads[v.owner]?.name}`;
        else if (v.p === 'xa') fields[m] = `{${v.entries.map(([i, e]) => `${i}: ${this.show(e)}`).join(', ')}}`;
        continue;
      }
      fields[m] = this.show(v);
    }
    return { name: this.allocName(id), type: a.type, state: a.freeSite ? 'freed' : 'live', fields };
  }

  // ---------------------------------------------------------------- fault reports

  private badDeref(t: Thread, v: Value, what: string, _write: boolean): void {
    const s = this.site(t);
    let kind: FindingKind = 'null-deref';
    let title: string;
    if (v === 0 || (typeof v === 'object' && v.t === 'p' && v.a === 0)) {
      title = `BUG: kernel NULL pointer dereference in ${s.stack[0]?.fn ?? '?'}`;
    } else if (typeof v === 'object' && v.t === 'e') {
      kind = 'bad-pointer';
      title = `BUG: unable to handle page fault for address: ${errAddr(v.e)} (ERR_PTR(${v.e < 0 && ERRNO_NAME.has(-v.e) ? '-' + ERRNO_NAME.get(-v.e) : v.e})) in ${s.stack[0]?.fn ?? '?'}`;
    } else if (typeof v === 'object' && v.t === 'z') {
      title = `BUG: kernel NULL pointer dereference, address: 0000000000000406 (XA_ZERO_ENTRY) in ${s.stack[0]?.fn ?? '?'}`;
    } else {
      kind = 'bad-pointer';
      title = `BUG: unable to handle page fault (${showValue(v)}) in ${s.stack[0]?.fn ?? '?'}`;
    }
    this.report({ kind, title, details: [`while accessing ${what}`], accesses: [siteToAccess(`access ${what}`, s)], objects: [], fatal: true, key: `${kind}:${where(s.stack)}`, origin: this.originOf([s]) });
  }

  private badCall(t: Thread, v: Value, what: string): void {
    const s = this.site(t);
    const nul = v === 0;
    this.report({
      kind: nul ? 'null-deref' : 'bad-pointer',
      title: nul ? `BUG: kernel NULL pointer dereference (call through NULL ${what}) in ${s.stack[0]?.fn ?? '?'}` : `BUG: unable to handle page fault (call through ${showValue(v)}) in ${s.stack[0]?.fn ?? '?'}`,
      details: [`calling ${what}`], accesses: [siteToAccess(`call ${what}`, s)], objects: [], fatal: true,
      key: `${nul ? 'null-deref' : 'bad-pointer'}:call:${where(s.stack)}`, origin: this.originOf([s]),
    });
  }

  /** KASAN: an access to freed memory. */
  useAfterFree(t: Thread, a: Alloc, what: string): void {
    const s = this.site(t);
    const fn = s.stack[0]?.fn ?? '?';
    const title = `BUG: KASAN: slab-use-after-free in ${fn}`;
    const details = [
      `${what} by task ${t.name}`,
      '',
      ...s.stack.map((f) => ` ${f.fn} (${f.file}:${f.line})`),
      '',
      `Allocated by task ${a.allocSite?.task ?? '?'}:`,
      ...(a.allocSite?.stack ?? []).map((f) => ` ${f.fn} (${f.file}:${f.line})`),
      '',
      `Freed by task ${a.freeSite?.task ?? '?'}:`,
      ...(a.freeSite?.stack ?? []).map((f) => ` ${f.fn} (${f.file}:${f.line})`),
      '',
      `The buggy address belongs to the object ${this.allocName(a.id)}${a.type ? ` (struct ${a.type})` : ''} of ${a.bytes} bytes`,
    ];
    const sites = [s, ...(a.freeSite ? [a.freeSite] : [])];
    this.report({
      kind: 'use-after-free', title, details,
      accesses: [siteToAccess(what, s)],
      alloc: a.allocSite ? siteToAccess('kmalloc', a.allocSite) : undefined,
      free: a.freeSite ? siteToAccess('kfree', a.freeSite) : undefined,
      objects: [this.snapshot(a.id)!].filter(Boolean),
      fatal: true, key: `use-after-free:${where(s.stack)}:${a.freeSite ? where(a.freeSite.stack) : ''}`, origin: this.originOf(sites),
    });
  }

  private useAfterReturn(t: Thread, v: Value, what: string): void {
    const s = this.site(t);
    this.report({
      kind: 'use-after-free', title: `BUG: KASAN: stack-use-after-return in ${s.stack[0]?.fn ?? '?'}`,
      details: [`${what}: the pointer ${showValue(v)} points into a stack frame that has returned`],
      accesses: [siteToAccess(what, s)], objects: [], fatal: true, key: `use-after-return:${where(s.stack)}`, origin: this.originOf([s]),
    });
  }

  /** KASAN: an access outside the object (a bad container_of, an overrun). */
  private outOfRange(t: Thread, a: Alloc, off: number, size: number, what: string): void {
    const s = this.site(t);
    const region = a.kind === 'global' ? 'global' : a.kind === 'stack' ? 'stack' : 'slab';
    this.report({
      kind: 'bad-pointer', title: `BUG: KASAN: ${region}-out-of-bounds in ${s.stack[0]?.fn ?? '?'}`,
      details: [`${what}: ${size} bytes at offset ${off} of ${this.allocName(a.id)}${a.type ? ` (struct ${a.type})` : ''}, which has ${a.bytes} bytes`],
      accesses: [siteToAccess(what, s)], objects: [this.snapshot(a.id)!].filter(Boolean), fatal: true, key: `oob:${where(s.stack)}`, origin: this.originOf([s]),
    });
  }

  private outOfBounds(t: Thread, b: Ptr, i: number, n: number): never {
    const s = this.site(t);
    const a = this.state.heap.get(b.a);
    const region = a?.kind === 'global' ? 'global' : a?.kind === 'stack' ? 'stack' : 'slab';
    this.report({
      kind: 'bad-pointer', title: `BUG: KASAN: ${region}-out-of-bounds in ${s.stack[0]?.fn ?? '?'}`,
      details: [`index ${i} is outside the array of ${n} elements (${this.where(b.a, b.o)})`],
      accesses: [siteToAccess(`index ${i}`, s)], objects: [], fatal: true, key: `oob:${where(s.stack)}`, origin: this.originOf([s]),
    });
    throw new Fault('oob');
  }

  // ---------------------------------------------------------------- end of execution

  /** Every unfinished thread is blocked: report the deadlock (with its wait-for cycle) or the stuck spin. */
  reportStuck(): void {
    const st = this.state;
    const stuck = st.threads.slice(0, this.nworkers).filter((t) => !t.done && !t.dead);
    if (stuck.length === 0) return;
    const spinning = stuck.filter((t) => this.awaiting.has(t.tid));
    if (spinning.length === stuck.length) {
      const t = spinning[0]!;
      const s = this.site(t);
      const reads = (this.awaiting.get(t.tid) ?? []).map(([a, p, v]) => `${this.where(a, p)} == ${this.show(v)}`);
      this.report({
        kind: 'livelock', title: `livelock: task ${t.name} spins forever in ${s.stack[0]?.fn ?? '?'}`,
        details: [`It waits for a change to ${reads.join(', ')}, and no other task can make one.`],
        accesses: spinning.map((x) => siteToAccess('spinning', this.site(x))), objects: [], fatal: true,
        key: `livelock:${spinning.map((x) => where(this.site(x).stack)).sort().join('|')}`, origin: this.originOf(spinning.map((x) => this.site(x))),
      });
      return;
    }
    // wait-for graph over mutex owners
    const waitsFor = new Map<number, number>();
    const lines: string[] = [];
    for (const t of stuck) {
      const own = this.mutexOwnerWaitedOn(t);
      if (own !== undefined) waitsFor.set(t.tid, own.owner);
      lines.push(`task ${t.name} is blocked in ${this.pendingLabel(t.tid)} at ${where(this.site(t).stack)}${own ? `, held by ${own.owner >= 0 ? st.threads[own.owner]!.name : 'nobody'}` : ''}`);
      for (const h of t.held) lines.push(`   holding ${h.name} (taken at ${where(h.site.stack)})`);
    }
    // find a cycle
    let cycle: number[] = [];
    for (const start of waitsFor.keys()) {
      const seen: number[] = [];
      let c: number | undefined = start;
      while (c !== undefined && !seen.includes(c)) { seen.push(c); c = waitsFor.get(c); }
      if (c !== undefined) { cycle = seen.slice(seen.indexOf(c)); break; }
    }
    const first = stuck[0]!;
    const title = cycle.length > 1
      ? `INFO: task ${st.threads[cycle[0]!]!.name} blocked for more than 120 seconds (deadlock: ${cycle.map((x) => st.threads[x]!.name).join(' -> ')} -> ${st.threads[cycle[0]!]!.name})`
      : `INFO: task ${first.name} blocked for more than 120 seconds.`;
    const sites = stuck.map((t) => this.site(t));
    this.report({
      kind: 'deadlock', title, details: lines,
      accesses: stuck.map((t) => siteToAccess(this.pendingLabel(t.tid), this.site(t))),
      objects: [], fatal: true, key: `deadlock:${sites.map((s) => where(s.stack)).sort().join('|')}`, origin: this.originOf(sites),
    });
  }

  private mutexOwnerWaitedOn(t: Thread): { owner: number } | undefined {
    const f = t.frames[t.frames.length - 1];
    if (!f) return undefined;
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    if (ins.op !== Op.Builtin) return undefined;
    const impl = this.impls.get(ins) as BuiltinImpl & { owner?: (m: Machine, t: Thread, args: Value[]) => number | undefined };
    if (!impl.owner) return undefined;
    const o = impl.owner(this, t, this.args(f, ins));
    return o === undefined ? undefined : { owner: o };
  }

  /** kmemleak: heap objects still allocated after the scenario's final teardown. */
  private leakCheck(): void {
    const bySite = new Map<string, Alloc[]>();
    for (const a of this.state.heap.values()) {
      if (a.kind !== 'heap' || a.freeSite) continue;
      const k = a.allocSite ? where(a.allocSite.stack) : '?';
      const arr = bySite.get(k) ?? [];
      arr.push(a);
      bySite.set(k, arr);
    }
    for (const [k, allocs] of bySite) {
      const a = allocs[0]!;
      const s = a.allocSite!;
      this.report({
        kind: 'leak',
        title: `kmemleak: unreferenced object ${a.type ? `(struct ${a.type}) ` : ''}of ${a.bytes} bytes allocated in ${s.stack[0]?.fn ?? '?'}`,
        details: [
          `unreferenced object ${this.allocName(a.id)} (size ${a.bytes}):`,
          `  comm "${s.task}"`,
          '  backtrace:',
          ...s.stack.map((f) => `    ${f.fn} (${f.file}:${f.line})`),
          ...(allocs.length > 1 ? [`(${allocs.length} objects allocated here are still live)`] : []),
        ],
        accesses: [siteToAccess('kmalloc', s)], alloc: siteToAccess('kmalloc', s),
        objects: allocs.map((x) => this.snapshot(x.id)!).filter(Boolean),
        fatal: false, key: `leak:${k}`, origin: this.originOf([s]),
      });
    }
  }
}

function conv(v: number, c: { bits: number; signed: boolean; bool?: boolean }): number {
  if (c.bool) return v ? 1 : 0;
  return convInt(v, c.bits, c.signed);
}

function lastIndex(o: string): [string, number] | undefined {
  const m = /^(.*)\[(-?\d+)\]$/.exec(o);
  return m ? [m[1]!, Number(m[2])] : undefined;
}

function errAddr(e: number): string {
  return (2n ** 64n + BigInt(e)).toString(16).padStart(16, '0');
}

function sigOf(v: Value): string {
  if (typeof v === 'number') return String(v);
  switch (v.t) {
    case 'p': return `p${v.a}+${v.o}`;
    case 'f': return `f${v.fn}`;
    case 'e': return `e${v.e}`;
    case 'z': return 'z';
    case 'v': return `v${v.v}`;
    case 's': return `s${v.s}`;
    case 'b': return `b${v.why}`;
  }
}

export type { CType };

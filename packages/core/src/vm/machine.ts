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
import { type BinInstr, binop, conv, ptrAdd } from './arith.js';
import { bitop } from '../lang/declare.js';
import { type Alloc, type Frame, type StackFrame, type Thread, cloneState, newGeneration } from '../state/state.js';
import { type Value, type Ptr, XA_ZERO, ptr, showValue, truthy } from '../state/values.js';
import { type PrimState, isPrim } from '../state/prim.js';
import { liveKey, memKey, syncKey } from '../state/keys.js';
import { Fault } from '../state/fault.js';
import { stateHash, textHash } from '../state/hash64.js';
import type { Builtin, Deps } from '../kernel/api.js';
import { BUILTINS, STATE_BY_CTYPE } from '../kernel/registry.js';
import type { Finding } from '../detect/finding.js';
import { Kcsan } from '../detect/kcsan.js';
import { heldOnReturn } from '../detect/lockdep.js';
import { outOfBounds, outOfRange, useAfterFree, useAfterReturn } from '../detect/kasan.js';
import { badCall, badDeref, stackOverflow } from '../detect/oops.js';
import { blockedAlone, deadlock } from '../detect/hungtask.js';
import { leakCheck } from '../detect/kmemleak.js';
import { endlessBurst, tooManySteps } from '../detect/livelock.js';
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

const NO_DEPS: Deps = { reads: [], writes: [] };

export class Machine extends VmServices {
  /** Findings of the setup run (reported once). */
  setupFindings: Finding[] = [];
  private impls = new Map<Instr, Builtin>();
  private initialAllocCount = 0;

  constructor(prog: Program, spec: ScenarioSpec, shared = new SharedDetectors(), limits: Limits = DEFAULT_LIMITS) {
    super(prog, spec, shared, limits);
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
      for (const { off, name, flags } of g.prims) {
        const t = off === 0 ? g.type : undefined;
        const prim = t?.k === 'prim' ? STATE_BY_CTYPE.get(t.name) : undefined;
        if (prim) fields.set(off, prim.init({ key: `static:${name}`, name }, flags));
      }
      heap.set(id, {
        id,
        kind: 'global',
        name: g.name,
        bytes: Math.max(1, g.bytes),
        fields,
        isConst: g.isConst,
        type: g.type.k === 'struct' ? g.type.name : undefined,
        ctype: g.type,
        gen,
      });
    });
    const threads: Thread[] = [];
    for (let i = 0; i <= this.nworkers; i++) {
      threads.push({
        tid: i,
        name: i < this.nworkers ? this.spec.threads[i]!.name : 'setup',
        frames: [],
        done: true,
        dead: false,
        taskState: 0,
        held: [],
        steps: 0,
        burst: 0,
        allocSeq: 0,
        spin: new Map(),
        iterReads: null,
        iterWrote: false,
        warnedOnce: new Set(),
        faultCalls: 0,
      });
    }
    this.state = { heap, threads, jiffies: 0, log: [], globals, step: 0, gen };
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
    this.state = cloneState(this.initial!);
    this.findings = [];
    this.fatal = null;
    this.injections = [];
    this.allocCount = this.initialAllocCount;
    this.kcsan = new Kcsan(this.nworkers + 1, this.shared.kcsanReported, (v) => this.show(v));
    this.spin.reset(this.nworkers + 1);
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

  /** Run one function to completion on the setup/check task (no interleaving). */
  private runAlone(fn: string, name: string): void {
    const st = this.state;
    const t = st.threads[this.nworkers]!;
    t.name = name;
    t.done = false;
    t.dead = false;
    this.pushFrame(t, this.prog.fnIndex.get(fn)!, []);
    try {
      this.advance(t);
      while (!t.done && !this.fatal) {
        if (!this.enabled(t.tid)) {
          const to = this.pendingTimeout(t);
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

  /** After the threads: run `check` alone, then look for leaks. */
  finish(): void {
    if (this.fatal) return;
    if (this.spec.check) {
      this.kcsan.joinAll(this.nworkers);
      this.runAlone(this.spec.check, 'check');
      if (this.fatal) return;
    }
    leakCheck(this);
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
      if (!impl.enabled || impl.enabled(this, t, this.args(f, ins), ins)) return true;
      return this.anytimeTimeouts && this.timeoutDue(t);
    }
    if (ins.op === Op.BackEdge) return this.spin.enabled(this, t);
    return true;
  }

  /**
   * `--timeouts anytime`: may `t`'s timer fire now? When it sleeps with a
   * deadline no other sleeper's comes before: time runs forward, so a timer
   * fires only after every earlier one has (or its sleeper was woken).
   */
  private timeoutDue(t: Thread): boolean {
    const d = this.pendingTimeout(t);
    if (d === undefined) return false;
    for (let i = 0; i < this.nworkers; i++) {
      const u = this.state.threads[i]!;
      // a timeout deadline is defined only while its sleeper is blocked (Builtin.timeout)
      if (u === t || u.done || u.dead) continue;
      const e = this.pendingTimeout(u);
      if (e !== undefined && e < d) return false;
    }
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
      if (d !== undefined && d < bestDeadline) {
        best = i;
        bestDeadline = d;
      }
    }
    return best;
  }

  /** Deadline of a timed sleep the thread is blocked in, if any. */
  private pendingTimeout(t: Thread): number | undefined {
    const f = t.frames[t.frames.length - 1];
    if (!f) return undefined;
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    if (ins.op !== Op.Builtin) return undefined;
    return this.impls.get(ins)!.timeout?.(this, t, this.args(f, ins), ins);
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
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    switch (ins.op) {
      case Op.Load:
      case Op.Store: {
        const base = f.regs[ins.base]!;
        if (typeof base !== 'object' || base.t !== 'p') return NO_DEPS;
        const key = memKey(base.a, base.o + ins.off);
        const live = liveKey(base.a);
        return ins.op === Op.Load ? { reads: [key, live], writes: [] } : { reads: [live], writes: [key] };
      }
      case Op.Builtin: {
        const impl = this.impls.get(ins)!;
        return impl.deps ? this.withLiveness(impl.deps(this, t, this.args(f, ins), ins)) : NO_DEPS;
      }
      case Op.BackEdge: {
        return { reads: this.spin.waitKeys(tid), writes: [], noRace: true };
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
    const t = st.threads[tid]!;
    try {
      this.execVisible(t);
      t.steps++;
      st.step++;
      if (t.steps > this.limits.stepsPerThread && !t.done) tooManySteps(this, t, this.limits.stepsPerThread);
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
        endlessBurst(this, t, this.limits.burst);
        throw new Fault('livelock');
      }
      switch (ins.op) {
        case Op.Const: {
          const v = ins.value;
          regs[ins.dst] =
            typeof v === 'number'
              ? v
              : v.t === 'str'
                ? { t: 's', s: v.s }
                : v.t === 'fn'
                  ? { t: 'f', fn: v.fn }
                  : v.t === 'zero'
                    ? XA_ZERO
                    : ptr(v.g + 1, v.off);
          f.pc++;
          break;
        }
        case Op.Mov:
          regs[ins.dst] = regs[ins.src]!;
          f.pc++;
          break;
        case Op.Bin:
          regs[ins.dst] = this.binary(t, ins, regs[ins.a]!, regs[ins.b]!);
          f.pc++;
          break;
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
        case Op.Jmp:
          f.pc = ins.target;
          break;
        case Op.Jz:
          f.pc = truthy(regs[ins.src]!) ? f.pc + 1 : ins.target;
          break;
        case Op.Jnz:
          f.pc = truthy(regs[ins.src]!) ? ins.target : f.pc + 1;
          break;
        case Op.Nop:
          f.pc++;
          break;
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
          if (typeof b !== 'object' || b.t !== 'p' || typeof i !== 'number') {
            regs[ins.dst] = { t: 'b', why: 'array index' };
            f.pc++;
            break;
          }
          if (ins.n > 0 && (i < 0 || i >= ins.n)) {
            outOfBounds(this, t, b, i, ins.n);
            throw new Fault('oob');
          }
          regs[ins.dst] = ptr(b.a, b.o + i * ins.elem);
          f.pc++;
          break;
        }
        case Op.PtrAdd: {
          const b = regs[ins.base]!;
          const n = regs[ins.n]!;
          regs[ins.dst] = ptrAdd(b, typeof n === 'number' ? (ins.neg ? -n : n) * ins.elem : NaN);
          f.pc++;
          break;
        }
        case Op.GAddr:
          regs[ins.dst] = ptr(this.state.globals[ins.g]!, 0);
          f.pc++;
          break;
        case Op.SAddr:
          regs[ins.dst] = ptr(f.stack, 0);
          f.pc++;
          break;
        case Op.Load:
        case Op.Store: {
          const b = regs[ins.base]!;
          if (typeof b !== 'object' || b.t !== 'p' || b.a === 0) {
            badDeref(this, t, b, ins.what);
            throw new Fault('bad deref');
          }
          const a = this.state.heap.get(b.a);
          if (!a) {
            useAfterReturn(this, t, b, ins.what);
            throw new Fault('stack uaf');
          }
          const off = b.o + ins.off;
          if (off < 0 || off + ins.size > a.bytes) {
            outOfRange(this, t, a, off, ins.size, ins.what);
            throw new Fault('oob');
          }
          const priv = (a.kind === 'stack' && a.owner === t.tid) || (ins.op === Op.Load && a.isConst === true);
          if (!priv || a.freeSite) {
            t.burst = burst;
            return;
          }
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
          this.pushFrame(
            t,
            ins.fn,
            ins.args.map((r) => regs[r]!),
          );
          break;
        }
        case Op.CallInd: {
          const fv = regs[ins.fnReg]!;
          if (typeof fv !== 'object' || fv.t !== 'f') {
            badCall(this, t, fv, ins.what);
            throw new Fault('bad call');
          }
          f.pc++;
          this.pushFrame(
            t,
            fv.fn,
            ins.args.map((r) => regs[r]!),
          );
          break;
        }
        case Op.Ret: {
          const v = regs[ins.src]!;
          this.popFrame(t, v);
          break;
        }
        case Op.Builtin: {
          const impl = this.impls.get(ins)!;
          if (impl.kind === 'step') {
            t.burst = burst;
            return;
          }
          const r = impl.exec(this, t, this.args(f, ins), ins);
          if (t.frames[t.frames.length - 1] === f) {
            regs[ins.dst] = r;
            f.pc++;
          }
          break;
        }
        case Op.BackEdge: {
          if (this.spin.backEdge(this, t, f, ins.loop)) {
            if (this.fatal) throw new Fault('livelock');
            t.burst = burst;
            return;
          }
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
        const key = memKey(b.a, path);
        if (a.freeSite) {
          useAfterFree(this, t, a, ins.op === Op.Store ? `write of ${ins.what}` : `read of ${ins.what}`);
          throw new Fault('uaf');
        }
        if (ins.op === Op.Load) {
          const v0 = a.fields.get(path);
          const v = v0 === undefined || isPrim(v0) ? 0 : v0;
          regs[ins.dst] = v;
          this.spin.noteRead(t.tid, b.a, path, v);
          if (!ins.unchecked) this.kcsanAccess(t, key, false, ins.marked, ins.what, v);
          if (ins.acquire) this.hbAcquire(t, syncKey('var', key));
        } else {
          let v = regs[ins.src]!;
          if (ins.conv && typeof v === 'number') v = conv(v, ins.conv);
          if (ins.release) this.hbRelease(t, syncKey('var', key));
          this.mut(a).fields.set(path, v);
          this.spin.noteWrite(t.tid);
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

  private args(f: Frame, ins: { args: number[] }): Value[] {
    const a = ins.args;
    const out = new Array<Value>(a.length);
    for (let i = 0; i < a.length; i++) out[i] = f.regs[a[i]!]!;
    return out;
  }

  private pushFrame(t: Thread, fn: number, args: Value[]): void {
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
      this.state.heap.set(stack, {
        id: stack,
        kind: 'stack',
        name: `${F.name} locals`,
        bytes: Math.max(1, F.stackSize),
        fields: new Map(),
        owner: t.tid,
        gen: this.state.gen,
      });
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
      heldOnReturn(this, t);
      return;
    }
    const cins = this.prog.functions[caller.fn]!.code[caller.pc - 1]!;
    if (cins.op === Op.Call || cins.op === Op.CallInd) caller.regs[cins.dst] = v;
  }

  /** A binary operator; an operation the model cannot do is an oops. */
  private binary(t: Thread, ins: BinInstr, a: Value, b: Value): Value {
    const r = binop(ins, a, b);
    return typeof r === 'object' && 'oops' in r ? this.oops(t, r.oops) : r;
  }

  /**
   * Digest of the whole execution state, detector state included (see
   * ../state/hash.ts for when pruning on it is sound).
   */
  stateDigest(): string {
    return stateHash(this.state, (h) => {
      h.seq(this.allocCount);
      this.kcsan.hashInto(h);
      h.seq(textHash(this.spin.stateText(this.state.threads)));
    });
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
    const ins = this.prog.functions[f.fn]!.code[f.pc]!;
    if (ins.op !== Op.Builtin) return undefined;
    return this.impls.get(ins)!.owner?.(this, t, this.args(f, ins), ins);
  }
}

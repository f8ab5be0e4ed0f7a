/**
 * Lowering of a function's IR to JavaScript closures, once per machine: one
 * closure per instruction, its operands (registers, offsets, targets, the
 * built-in's implementation) resolved at lowering time and captured as
 * constants. The interpreter then calls `code[pc](m, t, f, regs)` instead of
 * switching on the opcode and reading the operands out of instruction
 * objects of a dozen different shapes (megamorphic property loads, the main
 * cost of the old loop).
 *
 * No source text is generated or evaluated (no `eval`, no `new Function`):
 * the closures are ordinary functions of this module, so the browser worker
 * keeps a strict Content-Security-Policy and untrusted learner code never
 * becomes JavaScript.
 *
 * Each closure runs one thread-private instruction of the burst
 * ({@link Machine.advance}) and returns what the loop does next:
 * {@link NEXT} (same frame, go on), {@link VISIBLE} (stop: the instruction
 * is a visible operation, left pending for the scheduler) or {@link RECHECK}
 * (the frame stack, the thread or the machine may have changed: a call, a
 * return, a built-in, a spin check). The semantics are those of the switch
 * it replaces, instruction for instruction, so the burst counts (and the
 * deterministic work they charge) are unchanged.
 */
import { type FunctionIR, type Instr, Op } from '../lang/ir.js';
import { bitop } from '../lang/declare.js';
import { type Alloc, type Frame, type Thread, setField } from '../state/state.js';
import { type Value, XA_ZERO, ptr, showValue, truthy } from '../state/values.js';
import { isPrim } from '../state/prim.js';
import { Fault } from '../state/fault.js';
import type { Builtin } from '../kernel/api.js';
import { outOfBounds, outOfRange } from '../detect/kasan.js';
import { badCall, badDeref } from '../detect/oops.js';
import { type BinInstr, binop, conv, ptrAdd } from './arith.js';
import type { Machine } from './machine.js';
import {
  type DepsFn,
  type VisibleFn,
  lowerAccessDeps,
  lowerReturnDeps,
  lowerVisibleAccess,
  lowerVisibleReturn,
} from './lower-visible.js';
import { type InstrKey, instrKey } from './refine.js';
import { noteBuiltinArgs, noteStore, stackEscaped } from './escape.js';
import { stackBlockName } from './declared.js';

/** Continue with the next instruction of the same frame. */
export const NEXT = 0;
/** Stop the burst: the instruction at pc is visible. */
export const VISIBLE = 1;
/** Continue, but re-read the thread's top frame and its done/dead/fatal flags first. */
export const RECHECK = 2;
/**
 * A plain access ran inside the burst as a step of its own (Machine.refiner,
 * ./refine.ts): continue as after {@link RECHECK}, the burst limit counting
 * afresh, as after a visible step.
 */
export const HIDDEN = 3;

/** One lowered instruction: runs it on thread `t` whose top frame is `f` (registers `regs`). */
export type OpFn = (m: Machine, t: Thread, f: Frame, regs: Value[]) => number;

/** A function's code, lowered: `ops[pc]` runs instruction pc; `retDst[pc]` is a call's result register, or -1. */
export interface LoweredFunction {
  ops: OpFn[];
  /**
   * For a Call/CallInd at pc: where the callee's return value goes (read by
   * popFrame at `caller.pc - 1`); for a Builtin: where its result goes (read
   * by Machine.execVisible).
   */
  retDst: Int32Array;
  /** For a Builtin at pc: its implementation (looked up once). */
  impls: (Builtin | undefined)[];
  /** The opcode at pc (an {@link Op}), for the scheduler-facing queries. */
  kind: Uint8Array;
  /**
   * For a Load/Store at pc, and a Ret of a function with a stack block: its
   * visible step and its dependency information (./lower-visible.ts).
   */
  visible: (VisibleFn | undefined)[];
  /**
   * For a Load/Store at pc: 1 when it is a plain access that scheduling at
   * synchronisation points may run inside the burst (not marked, not an
   * acquire or release, checked by KCSAN); ./refine.ts.
   */
  hideable: Uint8Array;
  deps: (DepsFn | undefined)[];
  /** For a Builtin at pc: its argument registers, and a scratch array for the queries (enabled, deps, timeout, owner). */
  argRegs: (number[] | undefined)[];
  queryArgs: (Value[] | undefined)[];
  /** The name of the function's stack block (`<function> locals`), made once rather than at every call. */
  stackName: string;
}

/** The registers `args` name, read from `regs` (a fresh array: built-ins may keep it). */
function readArgs(regs: Value[], args: number[]): Value[] {
  const out = new Array<Value>(args.length);
  for (let i = 0; i < args.length; i++) out[i] = regs[args[i]!]!;
  return out;
}

/** A binary operator; an operation the model cannot do is an oops (as Machine.binary did). */
function binary(m: Machine, t: Thread, ins: BinInstr, a: Value, b: Value): Value {
  const r = binop(ins, a, b);
  return typeof r === 'object' && 'oops' in r ? m.oops(t, r.oops) : r;
}

/** Lower a binary instruction, with a fast path for integer operands of the common operators. */
function lowerBin(ins: BinInstr): OpFn {
  const { dst, a, b } = ins;
  const slow: OpFn = (m, t, f, regs) => {
    regs[dst] = binary(m, t, ins, regs[a]!, regs[b]!);
    f.pc++;
    return NEXT;
  };
  // integer fast paths: exactly binop's results for two numbers, without the conversion step when none is asked
  if (ins.conv || ins.unsigned) return slow;
  switch (ins.bop) {
    case '+':
      return (m, t, f, regs) => {
        const x = regs[a]!;
        const y = regs[b]!;
        regs[dst] = typeof x === 'number' && typeof y === 'number' ? x + y : binary(m, t, ins, x, y);
        f.pc++;
        return NEXT;
      };
    case '-':
      return (m, t, f, regs) => {
        const x = regs[a]!;
        const y = regs[b]!;
        regs[dst] = typeof x === 'number' && typeof y === 'number' ? x - y : binary(m, t, ins, x, y);
        f.pc++;
        return NEXT;
      };
    case '==':
      return (m, t, f, regs) => {
        const x = regs[a]!;
        const y = regs[b]!;
        regs[dst] = typeof x === 'number' && typeof y === 'number' ? (x === y ? 1 : 0) : binary(m, t, ins, x, y);
        f.pc++;
        return NEXT;
      };
    case '!=':
      return (m, t, f, regs) => {
        const x = regs[a]!;
        const y = regs[b]!;
        regs[dst] = typeof x === 'number' && typeof y === 'number' ? (x !== y ? 1 : 0) : binary(m, t, ins, x, y);
        f.pc++;
        return NEXT;
      };
    case '<':
      return (m, t, f, regs) => {
        const x = regs[a]!;
        const y = regs[b]!;
        regs[dst] = typeof x === 'number' && typeof y === 'number' ? (x < y ? 1 : 0) : binary(m, t, ins, x, y);
        f.pc++;
        return NEXT;
      };
    default:
      return slow;
  }
}

/**
 * Lower one instruction (at `pc` of a function) to its closure. `impl` is
 * the built-in's implementation for an `Op.Builtin`.
 */
function lowerInstr(
  ins: Instr,
  pc: number,
  impl: Builtin | undefined,
  vis: VisibleFn | undefined,
  key: InstrKey,
  allReturnsVisible: boolean,
): OpFn {
  const next = pc + 1;
  switch (ins.op) {
    case Op.Const: {
      const v = ins.value;
      const dst = ins.dst;
      if (typeof v === 'number')
        return (_m, _t, f, regs) => {
          regs[dst] = v;
          f.pc = next;
          return NEXT;
        };
      if (v.t === 'str') {
        const s = v.s;
        return (_m, _t, f, regs) => {
          regs[dst] = { t: 's', s };
          f.pc = next;
          return NEXT;
        };
      }
      if (v.t === 'fn') {
        const fn = v.fn;
        return (_m, _t, f, regs) => {
          regs[dst] = { t: 'f', fn };
          f.pc = next;
          return NEXT;
        };
      }
      if (v.t === 'zero')
        return (_m, _t, f, regs) => {
          regs[dst] = XA_ZERO;
          f.pc = next;
          return NEXT;
        };
      const g = v.g + 1;
      const off = v.off;
      return (_m, _t, f, regs) => {
        regs[dst] = ptr(g, off);
        f.pc = next;
        return NEXT;
      };
    }
    case Op.Mov: {
      const { dst, src } = ins;
      return (_m, _t, f, regs) => {
        regs[dst] = regs[src]!;
        f.pc = next;
        return NEXT;
      };
    }
    case Op.Bin:
      return lowerBin(ins);
    case Op.Un: {
      const { dst, uop, a: ra, conv: c } = ins;
      return (m, t, f, regs) => {
        const a = regs[ra]!;
        let r: Value;
        if (uop === '!') r = truthy(a) ? 0 : 1;
        else if (typeof a !== 'number') r = m.oops(t, `arithmetic '${uop}' on a pointer`);
        else r = uop === '-' ? -a : uop === '~' ? bitop(a, 0, (x) => ~x) : a;
        if (c && typeof r === 'number') r = conv(r, c);
        regs[dst] = r;
        f.pc = next;
        return NEXT;
      };
    }
    case Op.Cast: {
      const { dst, src, conv: c, tag } = ins;
      return (m, _t, f, regs) => {
        let v = regs[src]!;
        if (c) {
          if (c.bool) v = truthy(v) ? 1 : 0;
          else if (typeof v === 'number') v = conv(v, c);
        }
        if (tag && typeof v === 'object' && v.t === 'p' && v.o === 0) {
          const a = m.state.heap.get(v.a);
          if (a && !a.type) m.mut(a).type = tag;
        }
        regs[dst] = v;
        f.pc = next;
        return NEXT;
      };
    }
    case Op.Jmp: {
      const target = ins.target;
      return (_m, _t, f) => {
        f.pc = target;
        return NEXT;
      };
    }
    case Op.Jz: {
      const { src, target } = ins;
      return (_m, _t, f, regs) => {
        f.pc = truthy(regs[src]!) ? next : target;
        return NEXT;
      };
    }
    case Op.Jnz: {
      const { src, target } = ins;
      return (_m, _t, f, regs) => {
        f.pc = truthy(regs[src]!) ? target : next;
        return NEXT;
      };
    }
    case Op.Nop:
      return (_m, _t, f) => {
        f.pc = next;
        return NEXT;
      };
    case Op.Addr: {
      const { dst, base, off } = ins;
      return (_m, _t, f, regs) => {
        const b = regs[base]!;
        if (typeof b === 'object' && b.t === 'p') regs[dst] = ptr(b.a, b.o + off);
        else if (off === 0) regs[dst] = b;
        else if (b === 0) regs[dst] = ptr(0, off);
        else regs[dst] = { t: 'b', why: `${showValue(b)} + ${off}` };
        f.pc = next;
        return NEXT;
      };
    }
    case Op.Index: {
      const { dst, base, idx, n, elem } = ins;
      return (m, t, f, regs) => {
        const b = regs[base]!;
        const i = regs[idx]!;
        if (typeof b !== 'object' || b.t !== 'p' || typeof i !== 'number') {
          regs[dst] = { t: 'b', why: 'array index' };
          f.pc = next;
          return NEXT;
        }
        if (n > 0 && (i < 0 || i >= n)) {
          outOfBounds(m, t, b, i, n);
          throw new Fault('oob');
        }
        regs[dst] = ptr(b.a, b.o + i * elem);
        f.pc = next;
        return NEXT;
      };
    }
    case Op.PtrAdd: {
      const { dst, base, n: rn, neg, elem } = ins;
      return (_m, _t, f, regs) => {
        const b = regs[base]!;
        const n = regs[rn]!;
        regs[dst] = ptrAdd(b, typeof n === 'number' ? (neg ? -n : n) * elem : NaN);
        f.pc = next;
        return NEXT;
      };
    }
    case Op.GAddr: {
      const { dst, g } = ins;
      return (m, _t, f, regs) => {
        regs[dst] = ptr(m.state.globals[g]!, 0);
        f.pc = next;
        return NEXT;
      };
    }
    case Op.SAddr: {
      const dst = ins.dst;
      return (_m, _t, f, regs) => {
        regs[dst] = ptr(f.stack, 0);
        f.pc = next;
        return NEXT;
      };
    }
    case Op.Load:
    case Op.Store:
      return lowerAccess(ins, next, vis!, key);
    case Op.Call: {
      const { fn, args } = ins;
      return (m, t, f, regs) => {
        f.pc = next;
        m.pushFrame(t, fn, readArgs(regs, args));
        return RECHECK;
      };
    }
    case Op.CallInd: {
      const { fnReg, args, what } = ins;
      return (m, t, f, regs) => {
        const fv = regs[fnReg]!;
        if (typeof fv !== 'object' || fv.t !== 'f') {
          badCall(m, t, fv, what);
          throw new Fault('bad call');
        }
        f.pc = next;
        m.pushFrame(t, fv.fn, readArgs(regs, args));
        return RECHECK;
      };
    }
    case Op.Ret: {
      const src = ins.src;
      // a frame with a stack block returns in a visible step (./lower-visible.ts lowerVisibleReturn) once
      // another task may hold a pointer into one of its task's live blocks (./escape.ts); until then the
      // return is private
      if (vis && allReturnsVisible) return () => VISIBLE;
      if (vis)
        return (m, t, _f, regs) => {
          if (stackEscaped(m, t)) return VISIBLE;
          m.popFrame(t, regs[src]!);
          return RECHECK;
        };
      return (m, t, _f, regs) => {
        m.popFrame(t, regs[src]!);
        return RECHECK;
      };
    }
    case Op.Builtin: {
      const b = impl!;
      if (b.kind === 'step') return () => VISIBLE;
      const { args, dst } = ins;
      return (m, t, f, regs) => {
        const a = readArgs(regs, args);
        noteBuiltinArgs(m, b, a);
        const r = b.exec(m, t, a, ins);
        if (t.frames[t.frames.length - 1] === f) {
          regs[dst] = r;
          f.pc = next;
        }
        return RECHECK;
      };
    }
    case Op.BackEdge: {
      const loop = ins.loop;
      return (m, t, f) => {
        if (m.spin.backEdge(m, t, f, loop)) {
          if (m.fatal) throw new Fault('livelock');
          return VISIBLE;
        }
        f.pc = next;
        return RECHECK;
      };
    }
  }
}

/**
 * A load or a store: thread-private when the memory is the thread's own
 * stack block (or, for a load, a constant global) and still live; otherwise
 * visible, left for the scheduler (Machine.execVisible runs it).
 */
function lowerAccess(
  ins: Extract<Instr, { op: Op.Load | Op.Store }>,
  next: number,
  vis: VisibleFn,
  key: InstrKey,
): OpFn {
  const { base, off, size, what } = ins;
  const hideable = isHideable(ins);
  /** Shared memory: a visible step, or (./refine.ts) a hidden one run here. */
  const shared = (m: Machine, t: Thread, f: Frame, regs: Value[], a: Alloc): number => {
    const r = m.refiner;
    if (r === null || !hideable || a.kind === 'stack' || !r.hides(key)) return VISIBLE;
    m.hiddenAccess(t, f, regs, vis, key);
    return HIDDEN;
  };
  const check = (m: Machine, t: Thread, b: Value) => {
    if (typeof b !== 'object' || b.t !== 'p' || b.a === 0) {
      badDeref(m, t, b, what);
      throw new Fault('bad deref');
    }
    const a = m.state.heap.get(b.a);
    // a stack block that is gone (its frame returned; heap objects stay, poisoned): the access is a visible
    // step, which reports the use-after-return (./lower-visible.ts), so that it is an event reading the
    // block's liveness and DPOR orders it against the return
    if (!a) return undefined;
    const o = b.o + off;
    if (o < 0 || o + size > a.bytes) {
      outOfRange(m, t, a, o, size, what);
      throw new Fault('oob');
    }
    return a;
  };
  if (ins.op === Op.Load) {
    const dst = ins.dst;
    return (m, t, f, regs) => {
      const b = regs[base]!;
      const a = check(m, t, b);
      if (a === undefined) return VISIBLE;
      if (!((a.kind === 'stack' && a.owner === t.tid) || a.isConst === true) || a.freeSite)
        return shared(m, t, f, regs, a);
      const v = a.fields.get((b as { o: number }).o + off);
      regs[dst] = v === undefined || isPrim(v) ? 0 : v;
      f.pc = next;
      return NEXT;
    };
  }
  const { src, conv: c } = ins;
  return (m, t, f, regs) => {
    const b = regs[base]!;
    const a = check(m, t, b);
    if (a === undefined) return VISIBLE;
    if (!(a.kind === 'stack' && a.owner === t.tid) || a.freeSite) return shared(m, t, f, regs, a);
    let v = regs[src]!;
    if (c && typeof v === 'number') v = conv(v, c);
    // a pointer stored into an escaped block of the owner's reaches whoever reads it (./escape.ts)
    if (a.escaped === true && typeof v === 'object') noteStore(m, a, v);
    setField(m.mut(a), (b as { o: number }).o + off, v);
    f.pc = next;
    return NEXT;
  };
}

/** May scheduling at synchronisation points hide this access (./refine.ts)? Plain, checked, no ordering. */
function isHideable(ins: Extract<Instr, { op: Op.Load | Op.Store }>): boolean {
  if (ins.marked || ins.unchecked === true) return false;
  return ins.op === Op.Load ? ins.acquire !== true : ins.release !== true;
}

/**
 * Lower every instruction of `fn`, function number `index` of its program
 * (built-ins resolved through `builtins`; a missing one is an error).
 */
export function lowerFunction(
  fn: FunctionIR,
  builtins: Readonly<Record<string, Builtin>>,
  index = 0,
  allReturnsVisible = false,
): LoweredFunction {
  const n = fn.code.length;
  const ops = new Array<OpFn>(n);
  const retDst = new Int32Array(n).fill(-1);
  const impls = new Array<Builtin | undefined>(n);
  const kind = new Uint8Array(n);
  const visible = new Array<VisibleFn | undefined>(n);
  const hideable = new Uint8Array(n);
  const deps = new Array<DepsFn | undefined>(n);
  const argRegs = new Array<number[] | undefined>(n);
  const queryArgs = new Array<Value[] | undefined>(n);
  for (let pc = 0; pc < n; pc++) {
    const ins = fn.code[pc]!;
    kind[pc] = ins.op;
    if (ins.op === Op.Load || ins.op === Op.Store) {
      visible[pc] = lowerVisibleAccess(ins, pc);
      deps[pc] = lowerAccessDeps(ins);
      hideable[pc] = isHideable(ins) ? 1 : 0;
    }
    if (ins.op === Op.Ret && fn.stackLocals.length) {
      visible[pc] = lowerVisibleReturn(ins);
      deps[pc] = lowerReturnDeps();
    }
    let impl: Builtin | undefined;
    if (ins.op === Op.Builtin) {
      impl = builtins[ins.name];
      if (!impl) throw new Error(`teardown: no implementation for built-in '${ins.name}'`);
      impls[pc] = impl;
      argRegs[pc] = ins.args;
      queryArgs[pc] = new Array<Value>(ins.args.length).fill(0);
    }
    if (ins.op === Op.Call || ins.op === Op.CallInd || ins.op === Op.Builtin) retDst[pc] = ins.dst;
    ops[pc] = lowerInstr(ins, pc, impl, visible[pc], instrKey(index, pc), allReturnsVisible);
  }
  return { ops, retDst, impls, kind, visible, hideable, deps, argRegs, queryArgs, stackName: stackBlockName(fn.name) };
}

/**
 * Lowered code of a program, per function, cached on the program object: the
 * machines of one program (one per scenario, per fault plan, per worker
 * call) share it, so a program is lowered once.
 */
const loweredByProgram = new WeakMap<object, LoweredFunction[]>();

/** The lowered functions of `prog` (lowered on first use). */
export function loweredProgram(
  prog: { functions: FunctionIR[] },
  builtins: Readonly<Record<string, Builtin>>,
): LoweredFunction[] {
  let l = loweredByProgram.get(prog);
  if (!l) {
    const all = everyReturnVisible.has(prog);
    l = prog.functions.map((f, i) => lowerFunction(f, builtins, i, all));
    loweredByProgram.set(prog, l);
  }
  return l;
}

/** Programs whose machines make every return of a frame with a stack block a step ({@link withEveryReturnVisible}). */
const everyReturnVisible = new WeakSet<object>();

/**
 * Make the machines of `prog` take every return of a frame with a stack
 * block as a visible step, escaped or not: the semantics before ./escape.ts,
 * which the property tests explore as the reference the escape analysis must
 * agree with (same final states, same findings). Returns `prog`. The mark is
 * on this program object in this thread: a split exploration's workers
 * (threads/split-worker.ts) get structured-cloned copies and do not see it.
 */
export function withEveryReturnVisible<P extends { functions: FunctionIR[] }>(prog: P): P {
  everyReturnVisible.add(prog);
  loweredByProgram.delete(prog);
  return prog;
}

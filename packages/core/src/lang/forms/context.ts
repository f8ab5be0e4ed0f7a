/**
 * What the kernel forms in this folder need from the function lowerer
 * ({@link LowerCtx}, implemented by `FnLowerer` in ../lower.ts), and the
 * shapes they exchange with it: values, lvalues, labels, guard cleanups and
 * loop contexts.
 */
import type { Syn } from '../syntax.js';
import type { CType } from '../types.js';
import type { BuiltinExtra, ConstValue, Op } from '../ir.js';
import type { Symbols } from '../declare.js';

/** A lowered rvalue: the register holding it and its static type. */
export interface Val {
  reg: number;
  type: CType;
}

/** An lvalue: a register, or memory at `base + off` bytes (`marked`: a READ_ONCE/WRITE_ONCE access). */
export type LV =
  | { k: 'reg'; reg: number; type: CType; text: string }
  | { k: 'mem'; base: number; off: number; type: CType; text: string; marked: boolean };

/** A jump target; `refs` are the jumps emitted before it was placed (pc -1). */
export interface Label {
  pc: number;
  refs: number[];
}

/** A lock taken by guard()/scoped_guard(), released when its scope ends (`reg` holds the lock pointer). */
export interface Cleanup {
  lockType: string;
  reg: number;
}

/**
 * An enclosing loop or switch: where `break` and `continue` (null in a
 * switch) go, the scope depth they unwind guards to, and the loop id of its
 * back edge (-1 for a switch).
 */
export interface LoopCtx {
  brk: Label;
  cont: Label | null;
  depth: number;
  loopId: number;
}

/** The function lowerer as the kernel forms see it. */
export interface LowerCtx {
  /** Program-wide symbol tables (structs, typedefs, ...). */
  readonly sym: Symbols;
  /** Set the source position of the next instructions to `n`. */
  at(n: Syn): void;
  /** Append an instruction at the current position; returns its pc. */
  emit(i: Record<string, unknown> & { op: Op }): number;
  /** A fresh register (`name`: the local it holds, for traces). */
  newReg(name: string | null): number;
  /** A fresh register loaded with a constant. */
  constReg(v: ConstValue): number;
  /** The int 0, the value of a form that failed to lower (after its diagnostic). */
  zero(): Val;
  newLabel(): Label;
  place(l: Label): void;
  jmp(l: Label): void;
  jz(src: number, l: Label): void;
  jnz(src: number, l: Label): void;
  /** Report an error at `n`. */
  err(n: Syn, msg: string): void;
  /** Source text of `n`, whitespace runs collapsed to one space. */
  text(n: Syn): string;
  /** Source text of `n` exactly as written. */
  rawText(n: Syn): string;
  /** Size in bytes of `t` (at least 1). */
  size(t: CType): number;
  /** Lower an expression for its value. */
  value(n: Syn): Val;
  /** Lower an expression for its location. */
  lvalue(n: Syn): LV;
  loadLV(lv: LV): number;
  storeLV(lv: LV, src: number): void;
  /** The address of a memory lvalue (an error for a register). */
  addrOf(lv: LV, n: Syn): number;
  /** Convert `v` for assignment to type `t`; returns the register holding the result. */
  convertTo(v: Val, t: CType, n: Syn): number;
  /** The static type of an expression, emitting no code. */
  typeOfNoCode(e: Syn): CType;
  /** Call the kernel built-in `name` with `args` (arity checked). */
  builtin(name: string, n: Syn, args: Syn[], extra: BuiltinExtra): Val;
  /** Run `f` with every access it lowers marked (READ_ONCE, WRITE_ONCE, smp_*). */
  marked<T>(f: () => T): T;
  /** Run `f` with every access it lowers unchecked by the race detector (data_race). */
  unchecked<T>(f: () => T): T;
  /** A slot in the frame's addressable-locals block for `name`; returns its byte offset. */
  stackSlot(name: string, type: CType): number;
  /** Declare `name` in the innermost scope as the stack slot at `off`. */
  declareStackLocal(name: string, off: number, type: CType): void;
  pushScope(): void;
  /** Close the innermost scope, releasing its guards. */
  popScope(): void;
  /** Number of open scopes. */
  scopeDepth(): number;
  /** Register a lock to release when the innermost scope ends. */
  addCleanup(c: Cleanup): void;
  /** A new program-wide loop id (for BackEdge). */
  newLoop(): number;
  /** Lower `body` as the body of `loop` (break and continue go to its labels). */
  loopBody(body: Syn, loop: LoopCtx): void;
}

/** Check that form `name` got exactly `k` arguments; reports and returns false otherwise. */
export function takes(cx: LowerCtx, name: string, n: Syn, args: Syn[], k: number): boolean {
  if (args.length === k) return true;
  cx.err(n, `${name}() takes ${k} argument${k === 1 ? '' : 's'}, ${args.length} given`);
  return false;
}

/** A special form: lowers the call `n` of `name` with its unevaluated `args`. */
export type SpecialForm = (cx: LowerCtx, name: string, n: Syn, args: Syn[]) => Val;

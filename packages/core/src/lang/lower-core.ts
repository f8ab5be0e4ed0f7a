/**
 * The function lowerer's plumbing: the instruction buffer, registers,
 * labels and jumps, lexical scopes with their guard cleanups, the frame's
 * addressable-locals block, and struct member layout with its diagnostics.
 * {@link ExprLowerer} (./lower-expr.ts) and {@link FnLowerer} (./lower.ts)
 * build on it.
 */
import type { KernelApi } from './kernel-api.js';
import type { Syn } from './syntax.js';
import { type CType, UNKNOWN, alignOf, layoutOf, sizeOf, typeName } from './types.js';
import { type ConstValue, type Instr, type IntConv, type Loc, Op } from './ir.js';
import { primFields } from './kernel-api.js';
import type { Declarer, Symbols } from './declare.js';
import type { LoopMacro } from './prepass.js';
import type { Cleanup, Label, LoopCtx, LowerCtx } from './forms/context.js';
import { guardUnlockFn } from './forms/guard.js';

/** What the function lowerer needs from the program-level pass. */
export interface ProgramContext {
  sym: Symbols;
  decl: Declarer;
  fileIndex: number;
  fileText: string;
  loops: Map<number, LoopMacro>;
  /** The signature (params, ret, variadic) of the function a name means in the current file (its unit first), if any. */
  fnSig: (name: string) => { ret: CType; params: CType[]; variadic: boolean } | undefined;
  globals: { name: string; type: CType }[];
  /** The kernel's built-ins (signatures) and DEFINE_* macros. */
  kernel: KernelApi;
  report: (n: Syn, message: string) => void;
  /** Record a call to a function that must be defined somewhere (link check). */
  noteCall: (name: string, n: Syn) => void;
  /** Allocate a program-wide loop id. */
  newLoop: () => number;
  /** Declare a function-scope `static` local as a global; returns its global index. */
  staticLocal: (fn: string, name: string, type: CType, init: Syn | undefined) => number;
}

/** Where a local lives: a register, a slot of the addressable-locals block, or a global (`static`). */
export type LocalVar =
  | { k: 'reg'; reg: number; type: CType }
  | { k: 'stack'; off: number; type: CType }
  | { k: 'static'; g: number; type: CType };

/** A lexical scope: its locals and the guards taken in it (released in reverse order when it ends). */
export interface Scope {
  id: number;
  vars: Map<string, LocalVar>;
  cleanups: Cleanup[];
}

/** State and plumbing shared by expression and statement lowering; its public members implement {@link LowerCtx}. */
export abstract class LowerCore {
  code: Instr[] = [];
  nregs = 0;
  regNames: (string | null)[] = [];
  stackLocals: { name: string; type: CType; off: number }[] = [];
  protected stackSize = 0;
  protected scopes: Scope[] = [];
  /** Enclosing loops and switches, innermost last. */
  protected loops: LoopCtx[] = [];
  protected scopeSeq = 0;
  protected cur: Loc;
  /** Inside READ_ONCE/WRITE_ONCE/smp_*(): accesses are marked. */
  protected markedDepth = 0;
  /** Inside data_race(): accesses KCSAN does not check at all. */
  protected uncheckedDepth = 0;
  /** Every scope's cleanups by scope id (kept after the scope is popped, for goto trampolines). */
  protected allCleanups = new Map<number, Cleanup[]>();

  constructor(
    protected readonly P: ProgramContext,
    protected readonly fnName: string,
  ) {
    this.cur = { file: P.fileIndex, line: 0, column: 0 };
  }

  get sym(): Symbols {
    return this.P.sym;
  }

  at(n: Syn): void {
    this.cur = { file: this.P.fileIndex, line: n.start.line, column: n.start.column };
  }

  emit(i: Record<string, unknown> & { op: Op }): number {
    const ins = { ...i, file: this.cur.file, line: this.cur.line, column: this.cur.column } as Instr;
    this.code.push(ins);
    return this.code.length - 1;
  }

  newReg(name: string | null): number {
    this.regNames.push(name);
    return this.nregs++;
  }

  constReg(v: ConstValue): number {
    const r = this.newReg(null);
    this.emit({ op: Op.Const, dst: r, value: v });
    return r;
  }

  newLabel(): Label {
    return { pc: -1, refs: [] };
  }

  place(l: Label): void {
    l.pc = this.code.length;
    for (const r of l.refs) (this.code[r] as { target: number }).target = l.pc;
  }

  jmp(l: Label): void {
    const at = this.emit({ op: Op.Jmp, target: l.pc });
    if (l.pc < 0) l.refs.push(at);
  }

  jz(src: number, l: Label): void {
    const at = this.emit({ op: Op.Jz, src, target: l.pc });
    if (l.pc < 0) l.refs.push(at);
  }

  jnz(src: number, l: Label): void {
    const at = this.emit({ op: Op.Jnz, src, target: l.pc });
    if (l.pc < 0) l.refs.push(at);
  }

  err(n: Syn, msg: string): void {
    this.P.report(n, msg);
  }

  text(n: Syn): string {
    return this.rawText(n).replace(/\s+/g, ' ');
  }

  rawText(n: Syn): string {
    return this.P.fileText.slice(n.startIndex, n.endIndex);
  }

  protected top(): Scope {
    return this.scopes[this.scopes.length - 1]!;
  }

  scopeDepth(): number {
    return this.scopes.length;
  }

  pushScope(): void {
    this.scopes.push({ id: ++this.scopeSeq, vars: new Map(), cleanups: [] });
  }

  popScope(): void {
    const s = this.scopes[this.scopes.length - 1]!;
    for (let i = s.cleanups.length - 1; i >= 0; i--) this.emitUnlock(s.cleanups[i]!);
    this.scopes.pop();
  }

  protected popScopeNoEmit(): void {
    this.scopes.pop();
  }

  protected emitUnlock(c: Cleanup): void {
    const unlock = guardUnlockFn(c.lockType);
    const extra = { argText: [`guard(${c.lockType})`] };
    this.emit({ op: Op.Builtin, dst: this.newReg(null), name: unlock, args: [c.reg], extra });
  }

  /** Emit the cleanups (guard unlocks) of every scope deeper than `depth`, innermost first. */
  protected emitCleanups(depth: number): void {
    for (let s = this.scopes.length - 1; s >= depth; s--) {
      const sc = this.scopes[s]!;
      for (let i = sc.cleanups.length - 1; i >= 0; i--) this.emitUnlock(sc.cleanups[i]!);
    }
  }

  addCleanup(c: Cleanup): void {
    this.top().cleanups.push(c);
    this.allCleanups.set(this.top().id, this.top().cleanups);
  }

  declareStackLocal(name: string, off: number, type: CType): void {
    this.top().vars.set(name, { k: 'stack', off, type });
  }

  newLoop(): number {
    return this.P.newLoop();
  }

  marked<T>(f: () => T): T {
    this.markedDepth++;
    try {
      return f();
    } finally {
      this.markedDepth--;
    }
  }

  unchecked<T>(f: () => T): T {
    this.uncheckedDepth++;
    try {
      return f();
    } finally {
      this.uncheckedDepth--;
    }
  }

  /** The scope chain as (scope id, guards taken so far) pairs, innermost last: where a goto or label stands. */
  protected chain(): { id: number; n: number }[] {
    return this.scopes.map((s) => ({ id: s.id, n: s.cleanups.length }));
  }

  /** A slot in this frame's addressable-locals block; returns its byte offset. */
  stackSlot(name: string, type: CType): number {
    const st = this.P.sym.structs;
    const a = alignOf(type, st);
    const off = Math.ceil(this.stackSize / a) * a;
    this.stackSize = off + Math.max(1, sizeOf(type, st));
    this.stackLocals.push({ name, type, off });
    return off;
  }

  size(t: CType): number {
    return Math.max(1, sizeOf(t, this.P.sym.structs));
  }

  /** Element size of pointer arithmetic on a value of type `t` (GNU: void * steps by 1). */
  protected elemSize(t: CType): number {
    if (t.k !== 'ptr') return 1;
    return t.to.k === 'void' ? 1 : this.size(t.to);
  }

  /** Layout of a member: its offset and type, with a diagnostic when it does not exist. */
  protected member(st: CType, fname: string, n: Syn): { offset: number; type: CType } {
    if (st.k === 'struct') {
      const l = layoutOf(st.name, this.P.sym.structs);
      if (!l) {
        this.err(n, `dereferencing pointer to incomplete type 'struct ${st.name}': define the struct`);
        return { offset: 0, type: UNKNOWN };
      }
      const f = l.fields.find((x) => x.name === fname);
      if (!f) {
        this.err(n, `'struct ${st.name}' has no member named '${fname}'`);
        return { offset: 0, type: UNKNOWN };
      }
      return { offset: f.offset, type: f.type };
    }
    if (st.k === 'prim') {
      const f = primFields(st.name)?.find((x) => x.name === fname);
      if (f) return { offset: f.offset, type: f.type };
      this.err(n, `'${typeName(st)}' is a kernel primitive; use its API instead of the member '${fname}'`);
      return { offset: 0, type: UNKNOWN };
    }
    if (st.k === 'unknown') this.err(n, `member '${fname}' of a value whose type is unknown; give it a struct type`);
    else this.err(n, `member '${fname}' requested in something that is not a struct (${typeName(st)})`);
    return { offset: 0, type: UNKNOWN };
  }

  protected lookupVar(name: string): LocalVar | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i]!.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }
}

/** Integer conversion for stores to a variable of type `t`. */
export function convOf(t: CType): IntConv | undefined {
  if (t.k === 'bool') return { bits: 1, signed: false, bool: true };
  if (t.k === 'int' && t.bits < 64) return { bits: t.bits, signed: t.signed };
  return undefined;
}

/** Wrap-around of 32-bit arithmetic (wider results are not narrowed). */
export function arithConv(t: CType): IntConv | undefined {
  if (t.k === 'int' && t.bits === 32) return { bits: 32, signed: t.signed };
  return undefined;
}

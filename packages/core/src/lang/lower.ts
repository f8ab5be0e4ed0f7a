/**
 * Lowering: kernel-C syntax trees to the register IR of ./ir.ts.
 *
 * One {@link FnLowerer} per function body. Expressions become register
 * instructions; every memory access becomes a LOAD or STORE, and every kernel
 * primitive a BUILTIN, so the VM can make each of them a visible step.
 * Kernel macros that need their arguments unevaluated (READ_ONCE, wait_event,
 * container_of, guard, ...) are expanded here.
 */
import { type Syn, field, named } from './syntax.js';
import {
  type CType, BOOL, INT, LONG, ULONG, UNKNOWN, VOID, VOIDP, CHARP, alignOf, builtinTypeName, isIntegral, isPtrType,
  layoutOf, memberOffset, sizeOf, typeName,
} from './types.js';
import { type BinOp, type BuiltinExtra, type ConstValue, type FunctionIR, type Instr, type IntConv, type Loc, Op } from './ir.js';
import { builtinSig, callableBuiltinSig, primFields } from './kernel-api.js';
import { CONSTANTS } from './constants.js';
import { type Declarer, type Macro, type Symbols, parseChar, parseNumber, parseString } from './declare.js';
import type { LoopMacro } from './prepass.js';

/** What the function lowerer needs from the program-level pass. */
export interface ProgramContext {
  sym: Symbols;
  decl: Declarer;
  fileIndex: number;
  fileText: string;
  loops: Map<number, LoopMacro>;
  /** Declared functions: name -> signature (params, ret, variadic). */
  fnSigs: Map<string, { ret: CType; params: CType[]; variadic: boolean }>;
  globals: { name: string; type: CType }[];
  report: (n: Syn, message: string) => void;
  /** Record a call to a function that must be defined somewhere (link check). */
  noteCall: (name: string, n: Syn) => void;
  /** Allocate a program-wide loop id. */
  newLoop: () => number;
  /** Declare a function-scope `static` local as a global; returns its global index. */
  staticLocal: (fn: string, name: string, type: CType, init: Syn | undefined) => number;
}

type LocalVar =
  | { k: 'reg'; reg: number; type: CType }
  | { k: 'stack'; off: number; type: CType }
  | { k: 'static'; g: number; type: CType };

/** An lvalue: a register, or memory at `base + off` bytes. */
type LV =
  | { k: 'reg'; reg: number; type: CType; text: string }
  | { k: 'mem'; base: number; off: number; type: CType; text: string; marked: boolean };

interface Val { reg: number; type: CType }

interface Label { pc: number; refs: number[] }

interface Cleanup { lockType: string; reg: number; node: Syn }

interface Scope {
  id: number;
  vars: Map<string, LocalVar>;
  cleanups: Cleanup[];
}

interface LoopCtx {
  brk: Label;
  cont: Label | null;
  depth: number;
  loopId: number;
}

interface GotoRec { at: number; chain: { id: number; n: number }[]; label: string; node: Syn }

const LOCK_FNS: Record<string, [string, string]> = {
  mutex: ['mutex_lock', 'mutex_unlock'],
  spinlock: ['spin_lock', 'spin_unlock'],
  spinlock_irq: ['spin_lock_irq', 'spin_unlock_irq'],
  spinlock_irqsave: ['spin_lock', 'spin_unlock'],
  spinlock_bh: ['spin_lock_bh', 'spin_unlock_bh'],
  raw_spinlock: ['spin_lock', 'spin_unlock'],
  raw_spinlock_irqsave: ['spin_lock', 'spin_unlock'],
  xa_lock: ['xa_lock', 'xa_unlock'],
};

const WAIT_FORMS: Record<string, { state: 'uninterruptible' | 'interruptible'; timed: boolean; ret: CType }> = {
  wait_event: { state: 'uninterruptible', timed: false, ret: VOID },
  wait_event_timeout: { state: 'uninterruptible', timed: true, ret: LONG },
  wait_event_interruptible: { state: 'interruptible', timed: false, ret: INT },
  wait_event_interruptible_timeout: { state: 'interruptible', timed: true, ret: LONG },
  wait_event_killable: { state: 'uninterruptible', timed: false, ret: INT },
};

export class FnLowerer {
  code: Instr[] = [];
  nregs = 0;
  regNames: (string | null)[] = [];
  stackLocals: { name: string; type: CType; off: number }[] = [];
  private stackSize = 0;
  private scopes: Scope[] = [];
  private loops: LoopCtx[] = [];
  private labels = new Map<string, { pc: number; chain: { id: number; n: number }[]; node: Syn }>();
  private gotos: GotoRec[] = [];
  private scopeSeq = 0;
  private addressable = new Set<string>();
  private cur: Loc;
  private marked = 0;
  /** Inside data_race(): accesses KCSAN does not check at all. */
  private unchecked = 0;
  private retType: CType = VOID;
  private macroArgs: Map<string, Syn>[] = [];

  /** `fnKey`: the function's index key (its name, or its unit-qualified name). */
  constructor(private readonly P: ProgramContext, private readonly fnName: string, private readonly fnKey: string = fnName) {
    this.cur = { file: P.fileIndex, line: 0, column: 0 };
  }

  /** Lower a whole function definition. */
  lowerFunction(def: Syn, params: { name: string; type: CType; node: Syn }[], ret: CType): FunctionIR {
    this.retType = ret;
    const body = field(def, 'body')!;
    this.scanAddressable(body);
    this.at(def);
    this.pushScope();
    // parameters occupy the first registers
    for (const p of params) {
      const r = this.newReg(p.name || null);
      if (!p.name) continue;
      if (this.addressable.has(p.name)) {
        const off = this.stackSlot(p.name, p.type);
        this.top().vars.set(p.name, { k: 'stack', off, type: p.type });
        const sp = this.newReg(null);
        this.emit({ op: Op.SAddr, dst: sp });
        this.emit({ op: Op.Store, base: sp, off, size: this.size(p.type), src: r, marked: false, what: p.name });
      } else {
        this.top().vars.set(p.name, { k: 'reg', reg: r, type: p.type });
      }
    }
    this.statement(body, true);
    // falling off the end returns 0 (void functions ignore the value)
    this.at(lastToken(body));
    this.emitCleanups(0);
    this.popScopeNoEmit();
    const z = this.constReg(0);
    this.emit({ op: Op.Ret, src: z });
    this.resolveGotos();
    return {
      name: this.fnName,
      file: this.P.fileIndex,
      line: def.start.line,
      params: params.map((p) => ({ name: p.name, type: p.type })),
      ret,
      nregs: this.nregs,
      regNames: this.regNames,
      stackLocals: this.stackLocals,
      stackSize: this.stackSize,
      code: this.code,
    };
  }

  // ---------------------------------------------------------------- plumbing

  private at(n: Syn): void {
    this.cur = { file: this.P.fileIndex, line: n.start.line, column: n.start.column };
  }

  private emit(i: Record<string, unknown> & { op: Op }): number {
    const ins = { ...i, file: this.cur.file, line: this.cur.line, column: this.cur.column } as Instr;
    this.code.push(ins);
    return this.code.length - 1;
  }

  private newReg(name: string | null): number {
    this.regNames.push(name);
    return this.nregs++;
  }

  private constReg(v: ConstValue): number {
    const r = this.newReg(null);
    this.emit({ op: Op.Const, dst: r, value: v });
    return r;
  }

  private newLabel(): Label { return { pc: -1, refs: [] }; }

  private place(l: Label): void {
    l.pc = this.code.length;
    for (const r of l.refs) (this.code[r] as { target: number }).target = l.pc;
  }

  private jmp(l: Label): void {
    const at = this.emit({ op: Op.Jmp, target: l.pc });
    if (l.pc < 0) l.refs.push(at);
  }

  private jz(src: number, l: Label): void {
    const at = this.emit({ op: Op.Jz, src, target: l.pc });
    if (l.pc < 0) l.refs.push(at);
  }

  private jnz(src: number, l: Label): void {
    const at = this.emit({ op: Op.Jnz, src, target: l.pc });
    if (l.pc < 0) l.refs.push(at);
  }

  private err(n: Syn, msg: string): void { this.P.report(n, msg); }

  private text(n: Syn): string { return this.P.fileText.slice(n.startIndex, n.endIndex).replace(/\s+/g, ' '); }

  private top(): Scope { return this.scopes[this.scopes.length - 1]!; }

  private pushScope(): void { this.scopes.push({ id: ++this.scopeSeq, vars: new Map(), cleanups: [] }); }

  private popScope(): void {
    const s = this.scopes[this.scopes.length - 1]!;
    for (let i = s.cleanups.length - 1; i >= 0; i--) this.emitUnlock(s.cleanups[i]!);
    this.scopes.pop();
  }

  private popScopeNoEmit(): void { this.scopes.pop(); }

  private emitUnlock(c: Cleanup): void {
    const fns = LOCK_FNS[c.lockType]!;
    this.emit({ op: Op.Builtin, dst: this.newReg(null), name: fns[1], args: [c.reg], extra: { argText: [`guard(${c.lockType})`] } });
  }

  /** Emit the cleanups (guard unlocks) of every scope deeper than `depth`, innermost first. */
  private emitCleanups(depth: number): void {
    for (let s = this.scopes.length - 1; s >= depth; s--) {
      const sc = this.scopes[s]!;
      for (let i = sc.cleanups.length - 1; i >= 0; i--) this.emitUnlock(sc.cleanups[i]!);
    }
  }

  private chain(): { id: number; n: number }[] {
    return this.scopes.map((s) => ({ id: s.id, n: s.cleanups.length }));
  }

  /** A slot in this frame's addressable-locals block; returns its byte offset. */
  private stackSlot(name: string, type: CType): number {
    const st = this.P.sym.structs;
    const a = alignOf(type, st);
    const off = Math.ceil(this.stackSize / a) * a;
    this.stackSize = off + Math.max(1, sizeOf(type, st));
    this.stackLocals.push({ name, type, off });
    return off;
  }

  private size(t: CType): number {
    return Math.max(1, sizeOf(t, this.P.sym.structs));
  }

  /** Element size of pointer arithmetic on a value of type `t` (GNU: void * steps by 1). */
  private elemSize(t: CType): number {
    if (t.k !== 'ptr') return 1;
    return t.to.k === 'void' ? 1 : this.size(t.to);
  }

  /** Layout of a member: its offset and type, with a diagnostic when it does not exist. */
  private member(st: CType, fname: string, n: Syn): { offset: number; type: CType } {
    if (st.k === 'struct') {
      const l = layoutOf(st.name, this.P.sym.structs);
      if (!l) { this.err(n, `dereferencing pointer to incomplete type 'struct ${st.name}': define the struct`); return { offset: 0, type: UNKNOWN }; }
      const f = l.fields.find((x) => x.name === fname);
      if (!f) { this.err(n, `'struct ${st.name}' has no member named '${fname}'`); return { offset: 0, type: UNKNOWN }; }
      return { offset: f.offset, type: f.type };
    }
    if (st.k === 'prim') {
      const f = primFields(st.name)?.find((x) => x.name === fname);
      if (f) return { offset: f.offset, type: f.type };
      this.err(n, `'${typeName(st)}' is a kernel primitive; use its API instead of the member '${fname}'`);
      return { offset: 0, type: UNKNOWN };
    }
    if (st.k === 'unknown') { this.err(n, `member '${fname}' of a value whose type is unknown; give it a struct type`); return { offset: 0, type: UNKNOWN }; }
    this.err(n, `member '${fname}' requested in something that is not a struct (${typeName(st)})`);
    return { offset: 0, type: UNKNOWN };
  }

  private lookupVar(name: string): LocalVar | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i]!.vars.get(name);
      if (v) return v;
    }
    return undefined;
  }

  /** Names whose address is taken (`&x`, `&x.f`, `&x[i]`) must live in addressable stack memory. */
  private scanAddressable(n: Syn): void {
    if (n.type === 'pointer_expression' && n.children[0]?.type === '&') {
      let a = field(n, 'argument');
      while (a && (a.type === 'parenthesized_expression' || (a.type === 'field_expression' && a.children.some((c) => c.type === '.')) || a.type === 'subscript_expression')) {
        a = a.type === 'parenthesized_expression' ? named(a)[0] : field(a, 'argument');
      }
      if (a?.type === 'identifier') this.addressable.add(a.text);
    }
    for (const c of n.children) this.scanAddressable(c);
  }

  // ---------------------------------------------------------------- statements

  private statement(n: Syn, fnBody = false): void {
    switch (n.type) {
      case 'compound_statement': {
        if (!fnBody) this.pushScope();
        for (const c of n.children) if (c.named) this.statement(c);
        if (!fnBody) { this.at(lastToken(n)); this.popScope(); }
        return;
      }
      case 'comment':
        return;
      case 'declaration':
        this.localDeclaration(n);
        return;
      case 'expression_statement': {
        const e = named(n)[0];
        if (!e) return;
        this.at(e);
        this.emit({ op: Op.Nop });
        if (this.guardStatement(e)) return;
        if (this.xaStateStatement(e)) return;
        this.expr(e, true);
        return;
      }
      case 'if_statement': {
        this.at(n);
        const c = this.cond(field(n, 'condition')!);
        const elseL = this.newLabel();
        const endL = this.newLabel();
        this.jz(c, elseL);
        this.statement(field(n, 'consequence')!);
        const alt = field(n, 'alternative');
        if (alt) {
          this.jmp(endL);
          this.place(elseL);
          const a = alt.type === 'else_clause' ? named(alt)[0]! : alt;
          this.statement(a);
        } else {
          this.place(elseL);
        }
        this.place(endL);
        return;
      }
      case 'while_statement': {
        this.at(n);
        const loopId = this.P.newLoop();
        const head = this.newLabel();
        const end = this.newLabel();
        this.place(head);
        const c = this.cond(field(n, 'condition')!);
        this.jz(c, end);
        const cont = this.newLabel();
        this.loops.push({ brk: end, cont, depth: this.scopes.length, loopId });
        this.statement(field(n, 'body')!);
        this.loops.pop();
        this.place(cont);
        this.at(n);
        this.emit({ op: Op.BackEdge, loop: loopId });
        this.jmp(head);
        this.place(end);
        return;
      }
      case 'do_statement': {
        this.at(n);
        const loopId = this.P.newLoop();
        const head = this.newLabel();
        const end = this.newLabel();
        const cont = this.newLabel();
        this.place(head);
        this.loops.push({ brk: end, cont, depth: this.scopes.length, loopId });
        this.statement(field(n, 'body')!);
        this.loops.pop();
        this.place(cont);
        const condNode = field(n, 'condition')!;
        this.at(condNode);
        const c = this.cond(condNode);
        const out = this.newLabel();
        this.jz(c, out);
        this.emit({ op: Op.BackEdge, loop: loopId });
        this.jmp(head);
        this.place(out);
        this.place(end);
        return;
      }
      case 'for_statement': {
        const mac = this.P.loops.get(n.startIndex);
        if (mac) { this.loopMacro(n, mac); return; }
        this.at(n);
        this.pushScope();
        const init = field(n, 'initializer');
        if (init) {
          if (init.type === 'declaration') this.localDeclaration(init);
          else this.expr(init, true);
        }
        const loopId = this.P.newLoop();
        const head = this.newLabel();
        const end = this.newLabel();
        const cont = this.newLabel();
        this.place(head);
        const cn = field(n, 'condition');
        if (cn) {
          const c = this.cond(cn);
          this.jz(c, end);
        }
        this.loops.push({ brk: end, cont, depth: this.scopes.length, loopId });
        this.statement(field(n, 'body')!);
        this.loops.pop();
        this.place(cont);
        const upd = field(n, 'update');
        if (upd) { this.at(upd); this.expr(upd, true); }
        this.emit({ op: Op.BackEdge, loop: loopId });
        this.jmp(head);
        this.place(end);
        this.popScope();
        return;
      }
      case 'switch_statement': {
        this.at(n);
        const v = this.value(field(n, 'condition')!);
        const body = field(n, 'body')!;
        const end = this.newLabel();
        const cases = named(body).filter((c) => c.type === 'case_statement');
        const labels = cases.map(() => this.newLabel());
        let dflt: Label | null = null;
        cases.forEach((cs, i) => {
          const val = field(cs, 'value');
          if (!val) { dflt = labels[i]!; return; }
          const k = this.P.decl.constInt(val);
          if (k === undefined) this.err(val, 'case label is not an integer constant');
          const kr = this.constReg(k ?? 0);
          const t = this.newReg(null);
          this.emit({ op: Op.Bin, dst: t, bop: '==', a: v.reg, b: kr });
          this.jnz(t, labels[i]!);
        });
        this.jmp(dflt ?? end);
        this.pushScope();
        this.loops.push({ brk: end, cont: null, depth: this.scopes.length, loopId: -1 });
        for (const c of named(body)) {
          if (c.type !== 'case_statement') { this.statement(c); continue; }
          this.place(labels[cases.indexOf(c)]!);
          for (const s of c.children.filter((x, i) => x.named && c.fields[i] !== 'value')) this.statement(s);
        }
        this.loops.pop();
        this.popScope();
        this.place(end);
        return;
      }
      case 'break_statement': {
        this.at(n);
        const l = this.loops[this.loops.length - 1];
        if (!l) { this.err(n, "'break' outside a loop or switch"); return; }
        this.emitCleanups(l.depth);
        this.jmp(l.brk);
        return;
      }
      case 'continue_statement': {
        this.at(n);
        let i = this.loops.length - 1;
        while (i >= 0 && this.loops[i]!.cont === null) i--;
        const l = this.loops[i];
        if (!l) { this.err(n, "'continue' outside a loop"); return; }
        this.emitCleanups(l.depth);
        this.jmp(l.cont!);
        return;
      }
      case 'return_statement': {
        this.at(n);
        const e = named(n)[0];
        let r: number;
        if (e) {
          const v = this.value(e);
          r = this.convertTo(v, this.retType, e);
        } else {
          if (this.retType.k !== 'void') this.err(n, `non-void function '${this.fnName}' should return a value`);
          r = this.constReg(0);
        }
        this.emitCleanups(0);
        this.emit({ op: Op.Ret, src: r });
        return;
      }
      case 'goto_statement': {
        this.at(n);
        const lab = field(n, 'label')!.text;
        const at = this.emit({ op: Op.Jmp, target: -1 });
        this.gotos.push({ at, chain: this.chain(), label: lab, node: n });
        return;
      }
      case 'labeled_statement': {
        const lab = field(n, 'label')!.text;
        if (this.labels.has(lab)) this.err(n, `duplicate label '${lab}'`);
        this.labels.set(lab, { pc: this.code.length, chain: this.chain(), node: n });
        for (const c of n.children) if (c.named && c.type !== 'statement_identifier') this.statement(c);
        return;
      }
      case 'case_statement':
        this.err(n, "'case' label not within a switch statement");
        return;
      case 'type_definition':
      case 'struct_specifier':
      case 'enum_specifier':
        this.P.decl.specifier(n.type === 'type_definition' ? field(n, 'type')! : n);
        return;
      case 'preproc_call':
      case 'preproc_def':
        return;
      default:
        this.err(n, `unsupported statement (${n.type.replace(/_/g, ' ')})`);
    }
  }

  private resolveGotos(): void {
    for (const g of this.gotos) {
      const lab = this.labels.get(g.label);
      if (!lab) { this.err(g.node, `label '${g.label}' used but not defined`); continue; }
      // common prefix of the two scope chains
      let k = 0;
      while (k < g.chain.length && k < lab.chain.length && g.chain[k]!.id === lab.chain[k]!.id) k++;
      // jumping into a scope past a guard, or forward over a guard in the same scope
      const into = lab.chain.slice(k).some((s) => s.n > 0);
      const over = k > 0 && k <= g.chain.length && k <= lab.chain.length && lab.chain[k - 1]!.n > g.chain[k - 1]!.n;
      if (into || over) {
        this.err(g.node, `goto '${g.label}' jumps into the scope of a guard(); the lock would be released without being taken`);
      }
      const exits: { id: number; n: number }[] = g.chain.slice(k);
      const sameScopeRelease = k > 0 && lab.chain[k - 1]!.n < g.chain[k - 1]!.n;
      if (exits.every((s) => s.n === 0) && !sameScopeRelease) {
        (this.code[g.at] as { target: number }).target = lab.pc;
        continue;
      }
      // trampoline: the guards released by leaving their scopes, then the jump
      const tramp = this.code.length;
      (this.code[g.at] as { target: number }).target = tramp;
      this.cur = { file: this.P.fileIndex, line: g.node.start.line, column: g.node.start.column };
      const toRelease: Cleanup[] = [];
      const scopesById = this.allCleanups;
      for (let i = exits.length - 1; i >= 0; i--) {
        const cl = scopesById.get(exits[i]!.id) ?? [];
        for (let j = exits[i]!.n - 1; j >= 0; j--) toRelease.push(cl[j]!);
      }
      if (sameScopeRelease) {
        const cl = scopesById.get(g.chain[k - 1]!.id) ?? [];
        for (let j = g.chain[k - 1]!.n - 1; j >= lab.chain[k - 1]!.n; j--) toRelease.push(cl[j]!);
      }
      for (const c of toRelease) this.emitUnlock(c);
      this.emit({ op: Op.Jmp, target: lab.pc });
    }
  }

  /** Every scope's cleanups by scope id (kept after the scope is popped, for goto trampolines). */
  private allCleanups = new Map<number, Cleanup[]>();

  private localDeclaration(n: Syn): void {
    this.at(n);
    const isStatic = n.children.some((c) => c.type === 'storage_class_specifier' && c.text === 'static')
      || n.children.some((c) => c.type === 'storage_class_specifier' && c.children.some((k) => k.type === 'static'));
    const base = this.P.decl.baseType(n);
    const decls = n.children.filter((_, i) => n.fields[i] === 'declarator');
    for (const d of decls) {
      const dd = this.P.decl.declarator(base, d);
      if (!dd || !dd.name) continue;
      const init = d.type === 'init_declarator' ? field(d, 'value') : undefined;
      if (dd.type.k === 'fn') { this.err(d, 'local function declarations are not supported; declare functions at file scope'); continue; }
      if (isStatic) {
        const g = this.P.staticLocal(this.fnKey, dd.name, dd.type, init);
        this.top().vars.set(dd.name, { k: 'static', g, type: dd.type });
        continue;
      }
      this.at(d);
      const needsStack = this.addressable.has(dd.name) || dd.type.k === 'struct' || dd.type.k === 'array' || dd.type.k === 'prim';
      if (needsStack) {
        const off = this.stackSlot(dd.name, dd.type);
        const sp = this.newReg(null);
        this.emit({ op: Op.SAddr, dst: sp });
        // the slot reads as zero until written (C leaves it uninitialised; the model gives a defined zero)
        this.top().vars.set(dd.name, { k: 'stack', off, type: dd.type });
        if (init) this.initMemory({ k: 'mem', base: sp, off, type: dd.type, text: dd.name, marked: false }, init);
        continue;
      }
      const r = this.newReg(dd.name);
      // the name is in scope in its own initializer (sizeof(*p) in `T *p = kzalloc(sizeof(*p), ...)`)
      this.top().vars.set(dd.name, { k: 'reg', reg: r, type: dd.type });
      if (init) {
        if (init.type === 'initializer_list') { this.err(init, 'an initializer list needs a struct or array variable'); continue; }
        const v = this.value(init);
        const c = this.convertTo(v, dd.type, init);
        this.emit({ op: Op.Mov, dst: r, src: c });
      } else {
        this.emit({ op: Op.Const, dst: r, value: 0 });
      }
    }
  }

  /** Initialise memory (a struct or array local) from an initializer or an expression. */
  private initMemory(lv: Extract<LV, { k: 'mem' }>, init: Syn): void {
    if (init.type !== 'initializer_list') {
      if (lv.type.k === 'struct' || lv.type.k === 'array') { this.err(init, 'struct and array assignment is not supported; assign the fields one by one'); return; }
      const v = this.value(init);
      this.emit({ op: Op.Store, base: lv.base, off: lv.off, size: this.size(lv.type), src: this.convertTo(v, lv.type, init), marked: false, what: lv.text });
      return;
    }
    let idx = 0;
    for (const item of named(init)) {
      if (item.type === 'comment') continue;
      let target: Extract<LV, { k: 'mem' }> | undefined;
      let valueNode = item;
      if (item.type === 'initializer_pair') {
        const des = fieldAllDesignators(item);
        valueNode = field(item, 'value')!;
        let t: CType = lv.type;
        let off = lv.off;
        for (const d of des) {
          if (d.type === 'field_designator') {
            const m = this.member(t, named(d)[0]!.text, d);
            off += m.offset;
            t = m.type;
          } else if (d.type === 'subscript_designator') {
            const k = this.P.decl.constInt(named(d)[0]!) ?? 0;
            if (t.k !== 'array') { this.err(d, 'array designator for a non-array'); return; }
            off += k * this.size(t.of);
            t = t.of;
            idx = k + 1;
          }
        }
        target = { ...lv, off, type: t };
      } else if (lv.type.k === 'array') {
        target = { ...lv, off: lv.off + idx * this.size(lv.type.of), type: lv.type.of };
        idx++;
      } else if (lv.type.k === 'struct') {
        const f = layoutOf(lv.type.name, this.P.sym.structs)?.fields[idx];
        if (!f) { this.err(item, 'too many initializers'); return; }
        target = { ...lv, off: lv.off + f.offset, type: f.type };
        idx++;
      } else {
        this.err(item, 'braced initializer for a scalar');
        return;
      }
      this.initMemory(target, valueNode);
    }
  }

  /** `guard(mutex)(&lock);` takes the lock until the end of the enclosing scope. */
  private guardStatement(e: Syn): boolean {
    if (e.type !== 'call_expression') return false;
    const f = field(e, 'function')!;
    if (f.type !== 'call_expression') return false;
    const g = field(f, 'function')!;
    if (g.type !== 'identifier' || g.text !== 'guard') return false;
    const kind = named(field(f, 'arguments')!)[0];
    const args = named(field(e, 'arguments')!);
    const lockType = kind?.text ?? '';
    if (!LOCK_FNS[lockType]) {
      this.err(kind ?? g, `guard(${lockType}) is not supported; use guard(mutex), guard(spinlock), guard(spinlock_irqsave) or guard(xa_lock)`);
      return true;
    }
    if (args.length !== 1) { this.err(e, `guard(${lockType}) takes one lock pointer`); return true; }
    this.at(e);
    const p = this.value(args[0]!);
    const keep = this.newReg(null);
    this.emit({ op: Op.Mov, dst: keep, src: p.reg });
    this.emit({ op: Op.Builtin, dst: this.newReg(null), name: LOCK_FNS[lockType]![0], args: [keep], extra: { argText: [this.text(args[0]!)] } });
    const c: Cleanup = { lockType, reg: keep, node: e };
    this.top().cleanups.push(c);
    this.allCleanups.set(this.top().id, this.top().cleanups);
    return true;
  }

  /** `XA_STATE(xas, &xa, index);` declares an on-stack xa_state. */
  private xaStateStatement(e: Syn): boolean {
    if (e.type !== 'call_expression') return false;
    const f = field(e, 'function')!;
    if (f.type !== 'identifier' || f.text !== 'XA_STATE') return false;
    const args = named(field(e, 'arguments')!);
    if (args.length !== 3 || args[0]!.type !== 'identifier') { this.err(e, 'XA_STATE(name, xa, index) expects a name, an xarray pointer and an index'); return true; }
    const name = args[0]!.text;
    const type: CType = { k: 'prim', name: 'xa_state' };
    const off = this.stackSlot(name, type);
    const sp = this.newReg(null);
    this.emit({ op: Op.SAddr, dst: sp });
    const xa = this.value(args[1]!);
    const idx = this.value(args[2]!);
    this.emit({ op: Op.Store, base: sp, off, size: 8, src: xa.reg, marked: false, what: `${name}.xa` });
    this.emit({ op: Op.Store, base: sp, off: off + 8, size: 8, src: idx.reg, marked: false, what: `${name}.xa_index` });
    this.top().vars.set(name, { k: 'stack', off, type });
    return true;
  }

  /** xa_for_each, list_for_each_entry[_safe], scoped_guard. */
  private loopMacro(n: Syn, mac: LoopMacro): void {
    this.at(n);
    const init = field(n, 'initializer');
    const cond = field(n, 'condition');
    const upd = field(n, 'update');
    const args: Syn[] = [];
    if (mac.argc === 2) { if (cond) args.push(cond); if (upd) args.push(upd); }
    else {
      if (init) args.push(init);
      if (cond) args.push(cond);
      if (upd) args.push(...flattenComma(upd));
    }
    const body = field(n, 'body')!;
    if (args.length !== mac.argc) { this.err(n, `${mac.name} expects ${mac.argc} arguments`); return; }
    this.pushScope();
    const loopId = this.P.newLoop();
    const head = this.newLabel();
    const end = this.newLabel();
    const cont = this.newLabel();
    switch (mac.name) {
      case 'scoped_guard': {
        const lockType = args[0]!.text;
        if (!LOCK_FNS[lockType]) { this.err(args[0]!, `scoped_guard(${lockType}, ...) is not supported; use mutex or spinlock`); break; }
        const p = this.value(args[1]!);
        const keep = this.newReg(null);
        this.emit({ op: Op.Mov, dst: keep, src: p.reg });
        this.emit({ op: Op.Builtin, dst: this.newReg(null), name: LOCK_FNS[lockType]![0], args: [keep], extra: { argText: [this.text(args[1]!)] } });
        this.top().cleanups.push({ lockType, reg: keep, node: n });
        this.allCleanups.set(this.top().id, this.top().cleanups);
        // break and continue leave a scoped_guard (it is a for loop in the kernel)
        this.loops.push({ brk: end, cont: end, depth: this.scopes.length - 1, loopId });
        this.statement(body);
        this.loops.pop();
        this.at(lastToken(body));
        this.popScope();
        this.place(end);
        return;
      }
      case 'xa_for_each':
      case 'xa_for_each_start': {
        const xa = this.value(args[0]!);
        const xaKeep = this.newReg(null);
        this.emit({ op: Op.Mov, dst: xaKeep, src: xa.reg });
        const idxLv = this.lvalue(args[1]!);
        const entLv = this.lvalue(args[2]!);
        const start = mac.name === 'xa_for_each_start' ? this.value(args[3]!).reg : this.constReg(0);
        const after = this.newReg(null);
        this.emit({ op: Op.Const, dst: after, value: 0 });
        const idx = this.newReg(null);
        this.emit({ op: Op.Mov, dst: idx, src: start });
        this.place(head);
        const ent = this.newReg(null);
        const found = this.newReg(null);
        this.emit({ op: Op.Builtin, dst: ent, dst2: found, name: '__xa_find', args: [xaKeep, idx, after], extra: { argText: [this.text(args[0]!)] } });
        this.storeLV(idxLv, found);
        this.storeLV(entLv, ent);
        this.jz(ent, end);
        this.loops.push({ brk: end, cont, depth: this.scopes.length, loopId });
        this.statement(body);
        this.loops.pop();
        this.place(cont);
        this.at(n);
        const cur = this.loadLV(idxLv);
        this.emit({ op: Op.Mov, dst: idx, src: cur });
        this.emit({ op: Op.Const, dst: after, value: 1 });
        this.emit({ op: Op.BackEdge, loop: loopId });
        this.jmp(head);
        break;
      }
      case 'list_for_each_entry':
      case 'list_for_each_entry_safe': {
        const safe = mac.name === 'list_for_each_entry_safe';
        const posLv = this.lvalue(args[0]!);
        const nLv = safe ? this.lvalue(args[1]!) : null;
        const headV = this.value(args[safe ? 2 : 1]!);
        const head = this.newReg(null);
        this.emit({ op: Op.Mov, dst: head, src: headV.reg });
        const member = args[safe ? 3 : 2]!.text.replace(/\s+/g, '');
        const posType = posLv.type;
        const entryType: CType = posType.k === 'ptr' ? posType.to : UNKNOWN;
        const mo = memberOffset(entryType, member, this.P.sym.structs);
        if (!mo) { this.err(args[safe ? 3 : 2]!, `${typeName(entryType)} has no list_head member '${member}'`); break; }
        const nextOff = mo.offset + (memberOffset({ k: 'struct', name: 'list_head' }, 'next', this.P.sym.structs)?.offset ?? 0);
        const entryOf = (listPtr: number): number => {
          const r = this.newReg(null);
          this.emit({ op: Op.Builtin, dst: r, name: '__container_of', args: [listPtr], extra: { text: member, offset: mo.offset } });
          return r;
        };
        const nextOf = (entry: number): number => {
          const r = this.newReg(null);
          this.emit({ op: Op.Load, dst: r, base: entry, off: nextOff, size: 8, marked: false, what: `${this.text(args[0]!)}->${member}.next` });
          return r;
        };
        const firstNext = this.newReg(null);
        this.emit({ op: Op.Load, dst: firstNext, base: head, off: 0, size: 8, marked: false, what: `${this.text(args[safe ? 2 : 1]!)}->next` });
        this.storeLV(posLv, entryOf(firstNext));
        if (nLv) this.storeLV(nLv, entryOf(nextOf(this.loadLV(posLv))));
        const loopHead = this.newLabel();
        this.place(loopHead);
        const pos = this.loadLV(posLv);
        const memberAddr = this.newReg(null);
        this.emit({ op: Op.Addr, dst: memberAddr, base: pos, off: mo.offset });
        const ne = this.newReg(null);
        this.emit({ op: Op.Bin, dst: ne, bop: '!=', a: memberAddr, b: head });
        this.jz(ne, end);
        this.loops.push({ brk: end, cont, depth: this.scopes.length, loopId });
        this.statement(body);
        this.loops.pop();
        this.place(cont);
        this.at(n);
        if (nLv) {
          const nv = this.loadLV(nLv);
          this.storeLV(posLv, nv);
          this.storeLV(nLv, entryOf(nextOf(nv)));
        } else {
          this.storeLV(posLv, entryOf(nextOf(this.loadLV(posLv))));
        }
        this.emit({ op: Op.BackEdge, loop: loopId });
        this.jmp(loopHead);
        break;
      }
      default:
        this.err(n, `unsupported loop macro ${mac.name}`);
    }
    this.place(end);
    this.popScope();
  }

  // ---------------------------------------------------------------- expressions

  /** Lower an expression used as a condition; returns a register holding a truth value. */
  private cond(n: Syn): number {
    return this.value(n).reg;
  }

  private value(n: Syn): Val {
    return this.expr(n, false);
  }

  /** Lower an expression. `discard`: the value is not used. */
  private expr(n: Syn, discard: boolean): Val {
    switch (n.type) {
      case 'parenthesized_expression': {
        const inner = named(n)[0];
        if (!inner) { this.err(n, 'empty parentheses'); return this.zero(); }
        if (inner.type === 'compound_statement') { this.err(n, 'GNU statement expressions ({ ... }) are not supported'); return this.zero(); }
        return this.expr(inner, discard);
      }
      case 'number_literal': {
        const v = parseNumber(n.text);
        if (Number.isNaN(v)) { this.err(n, `bad number '${n.text}'`); return this.zero(); }
        return { reg: this.constReg(v), type: /[uU]/.test(n.text) ? ULONG : INT };
      }
      case 'char_literal':
        return { reg: this.constReg(parseChar(n.text)), type: INT };
      case 'string_literal':
        return { reg: this.constReg({ t: 'str', s: parseString(n) }), type: CHARP };
      case 'concatenated_string':
        return { reg: this.constReg({ t: 'str', s: named(n).map((c) => (c.type === 'string_literal' ? parseString(c) : '')).join('') }), type: CHARP };
      case 'true':
        return { reg: this.constReg(1), type: BOOL };
      case 'false':
        return { reg: this.constReg(0), type: BOOL };
      case 'null':
        return { reg: this.constReg(0), type: VOIDP };
      case 'identifier':
        return this.identifier(n);
      case 'field_expression':
      case 'subscript_expression':
        return this.rvalueOfLV(this.lvalue(n), n);
      case 'pointer_expression': {
        const op = n.children[0]!.type;
        const arg = field(n, 'argument')!;
        if (op === '*') return this.rvalueOfLV(this.lvalue(n), n);
        // &x
        if (arg.type === 'identifier' && !this.lookupVar(arg.text) && this.P.sym.fnIndex.has(arg.text)) {
          return { reg: this.constReg({ t: 'fn', fn: this.P.sym.fnIndex.get(arg.text)! }), type: { k: 'ptr', to: this.P.fnSigs.has(arg.text) ? { k: 'fn', ...this.P.fnSigs.get(arg.text)! } : UNKNOWN } };
        }
        const lv = this.lvalue(arg);
        return { reg: this.addrOf(lv, arg), type: { k: 'ptr', to: lv.type } };
      }
      case 'unary_expression': {
        const op = n.children[0]!.type as '-' | '!' | '~' | '+';
        const a = this.value(field(n, 'argument')!);
        const r = this.newReg(null);
        this.emit({ op: Op.Un, dst: r, uop: op, a: a.reg });
        return { reg: r, type: op === '!' ? INT : a.type.k === 'int' ? a.type : INT };
      }
      case 'binary_expression':
        return this.binary(n);
      case 'update_expression': {
        const arg = field(n, 'argument')!;
        const opTok = n.children.find((c) => c.type === '++' || c.type === '--')!;
        const prefix = n.children[0]!.type === '++' || n.children[0]!.type === '--';
        const lv = this.lvalue(arg);
        const old = this.loadLV(lv);
        const one = this.constReg(1);
        const nv = this.newReg(null);
        if (isPtrType(lv.type)) this.emit({ op: Op.PtrAdd, dst: nv, base: old, n: one, neg: opTok.type === '--', elem: this.elemSize(lv.type) });
        else this.emit({ op: Op.Bin, dst: nv, bop: opTok.type === '++' ? '+' : '-', a: old, b: one, conv: convOf(lv.type) });
        this.storeLV(lv, nv);
        return { reg: prefix ? nv : old, type: lv.type };
      }
      case 'assignment_expression':
        return this.assignment(n);
      case 'conditional_expression': {
        const c = field(n, 'condition')!;
        const cons = field(n, 'consequence');
        const alt = field(n, 'alternative')!;
        const r = this.newReg(null);
        const elseL = this.newLabel();
        const endL = this.newLabel();
        const cv = this.value(c);
        if (!cons) {
          // GNU a ?: b
          this.emit({ op: Op.Mov, dst: r, src: cv.reg });
          this.jnz(cv.reg, endL);
          const b = this.value(alt);
          this.emit({ op: Op.Mov, dst: r, src: b.reg });
          this.place(endL);
          return { reg: r, type: cv.type };
        }
        this.jz(cv.reg, elseL);
        const a = this.value(cons);
        this.emit({ op: Op.Mov, dst: r, src: a.reg });
        this.jmp(endL);
        this.place(elseL);
        const b = this.value(alt);
        this.emit({ op: Op.Mov, dst: r, src: b.reg });
        this.place(endL);
        return { reg: r, type: a.type.k === 'unknown' ? b.type : a.type };
      }
      case 'comma_expression': {
        this.expr(field(n, 'left')!, true);
        return this.expr(field(n, 'right')!, discard);
      }
      case 'cast_expression': {
        const t = this.P.decl.typeDescriptor(field(n, 'type')!);
        const v = this.value(field(n, 'value')!);
        if (t.k === 'void') return v;
        const r = this.newReg(null);
        const tag = t.k === 'ptr' && t.to.k === 'struct' ? t.to.name : undefined;
        this.emit({ op: Op.Cast, dst: r, src: v.reg, conv: convOf(t), tag });
        return { reg: r, type: t };
      }
      case 'sizeof_expression':
        return { reg: this.constReg(this.sizeofNode(n)), type: ULONG };
      case 'call_expression':
        return this.call(n, discard);
      case 'initializer_list':
        this.err(n, 'an initializer list can only initialise a struct or array variable');
        return this.zero();
      case 'compound_literal_expression':
        this.err(n, 'compound literals are not supported; declare a local struct and fill it');
        return this.zero();
      case 'offsetof_expression':
        this.err(n, 'offsetof is not supported; the model has no byte layout. Use container_of.');
        return this.zero();
      case 'gnu_asm_expression':
        this.err(n, 'inline assembly is not supported');
        return this.zero();
      default:
        this.err(n, `unsupported expression (${n.type.replace(/_/g, ' ')})`);
        return this.zero();
    }
  }

  private zero(): Val { return { reg: this.constReg(0), type: INT }; }

  private identifier(n: Syn): Val {
    const name = n.text;
    const arg = this.inMacroArg(name, (a) => this.value(a));
    if (arg) return arg;
    const v = this.lookupVar(name);
    if (v) {
      if (v.k === 'reg') return { reg: v.reg, type: v.type };
      return this.rvalueOfLV(this.lvalue(n), n);
    }
    const g = this.P.sym.globalIndex.get(name);
    if (g !== undefined) return this.rvalueOfLV(this.lvalue(n), n);
    if (this.P.sym.enumConsts.has(name)) return { reg: this.constReg(this.P.sym.enumConsts.get(name)!), type: INT };
    const m = this.P.sym.macros.get(name);
    if (m && m.params === null) return this.expandMacro(m, [], n);
    if (this.P.sym.fnIndex.has(name)) {
      const sig = this.P.fnSigs.get(name);
      return { reg: this.constReg({ t: 'fn', fn: this.P.sym.fnIndex.get(name)! }), type: { k: 'ptr', to: sig ? { k: 'fn', ...sig } : UNKNOWN } };
    }
    if (name === 'XA_ZERO_ENTRY') return { reg: this.constReg({ t: 'zero' }), type: VOIDP };
    if (name === 'jiffies') {
      const r = this.newReg(null);
      this.emit({ op: Op.Builtin, dst: r, name: '__jiffies', args: [] });
      return { reg: r, type: ULONG };
    }
    if (name in CONSTANTS) return { reg: this.constReg(CONSTANTS[name]!), type: name === 'NULL' ? VOIDP : INT };
    if (name.startsWith('struct_')) {
      this.err(n, `'struct ${name.slice(7)}' used as a value`);
      return this.zero();
    }
    this.err(n, `'${name}' undeclared`);
    return this.zero();
  }

  private binary(n: Syn): Val {
    const op = n.children.find((_, i) => n.fields[i] === 'operator')!.type;
    const L = field(n, 'left')!;
    const R = field(n, 'right')!;
    const castTo = this.castTypeOf(L);
    if (castTo && (op === '-' || op === '+' || op === '*' || op === '&')) {
      // `(u32)-1`: tree-sitter cannot know u32 is a type and parses a subtraction
      let v: Val;
      if (op === '*' || op === '&') {
        v = op === '*' ? this.rvalueOfLV(this.lvalue({ ...n, type: 'pointer_expression', children: [{ ...n.children[1]!, type: '*' }, R], fields: [null, 'argument'] }), R) : this.value({ ...n, type: 'pointer_expression', children: [{ ...n.children[1]!, type: '&' }, R], fields: [null, 'argument'] });
      } else {
        const a = this.value(R);
        const u = this.newReg(null);
        this.emit({ op: Op.Un, dst: u, uop: op as '-' | '+', a: a.reg });
        v = { reg: u, type: a.type };
      }
      if (castTo.k === 'void') return v;
      const r = this.newReg(null);
      this.emit({ op: Op.Cast, dst: r, src: v.reg, conv: convOf(castTo) });
      return { reg: r, type: castTo };
    }
    if (op === '&&' || op === '||') {
      const r = this.newReg(null);
      const end = this.newLabel();
      const a = this.value(L);
      const t = this.newReg(null);
      this.emit({ op: Op.Un, dst: t, uop: '!', a: a.reg });
      this.emit({ op: Op.Un, dst: r, uop: '!', a: t });
      if (op === '&&') this.jz(r, end); else this.jnz(r, end);
      const b = this.value(R);
      const t2 = this.newReg(null);
      this.emit({ op: Op.Un, dst: t2, uop: '!', a: b.reg });
      this.emit({ op: Op.Un, dst: r, uop: '!', a: t2 });
      this.place(end);
      return { reg: r, type: INT };
    }
    const a = this.value(L);
    const b = this.value(R);
    const r = this.newReg(null);
    if ((op === '+' || op === '-') && isPtrType(a.type) && isIntegral(b.type)) {
      this.emit({ op: Op.PtrAdd, dst: r, base: a.reg, n: b.reg, neg: op === '-', elem: this.elemSize(a.type) });
      return { reg: r, type: a.type };
    }
    if (op === '+' && isIntegral(a.type) && isPtrType(b.type)) {
      this.emit({ op: Op.PtrAdd, dst: r, base: b.reg, n: a.reg, neg: false, elem: this.elemSize(b.type) });
      return { reg: r, type: b.type };
    }
    const unsigned = (a.type.k === 'int' && !a.type.signed && a.type.bits >= 32) || (b.type.k === 'int' && !b.type.signed && b.type.bits >= 32);
    const cmp = ['==', '!=', '<', '>', '<=', '>='].includes(op);
    const type: CType = cmp ? INT : a.type.k === 'int' && b.type.k === 'int' ? (a.type.bits >= b.type.bits ? a.type : b.type) : a.type.k === 'int' ? a.type : b.type.k === 'int' ? b.type : INT;
    const ptrDiff = op === '-' && isPtrType(a.type) && isPtrType(b.type);
    this.emit({ op: Op.Bin, dst: r, bop: op as BinOp, a: a.reg, b: b.reg, unsigned, conv: cmp || ptrDiff ? undefined : arithConv(type), elem: ptrDiff ? this.elemSize(a.type) : undefined });
    if (ptrDiff) return { reg: r, type: LONG };
    return { reg: r, type };
  }

  private assignment(n: Syn): Val {
    const opTok = n.children.find((_, i) => n.fields[i] === 'operator')!.type;
    const lv = this.lvalue(field(n, 'left')!);
    const R = field(n, 'right')!;
    if (lv.type.k === 'struct' || lv.type.k === 'array') {
      this.err(n, `assigning a whole ${typeName(lv.type)} is not supported; assign its fields`);
      return this.zero();
    }
    let v: number;
    if (opTok === '=') {
      v = this.convertTo(this.value(R), lv.type, R);
    } else {
      const bop = opTok.slice(0, -1) as BinOp;
      const old = this.loadLV(lv);
      const b = this.value(R);
      v = this.newReg(null);
      if ((bop === '+' || bop === '-') && isPtrType(lv.type)) this.emit({ op: Op.PtrAdd, dst: v, base: old, n: b.reg, neg: bop === '-', elem: this.elemSize(lv.type) });
      else this.emit({ op: Op.Bin, dst: v, bop, a: old, b: b.reg, conv: convOf(lv.type), unsigned: lv.type.k === 'int' && !lv.type.signed });
    }
    this.storeLV(lv, v);
    return { reg: v, type: lv.type };
  }

  /** Convert a value for assignment to a variable of type `t` (integer width, bool). */
  private convertTo(v: Val, t: CType, n: Syn): number {
    if (t.k === 'struct' || t.k === 'array') { this.err(n, `cannot use a value as ${typeName(t)}`); return v.reg; }
    const c = convOf(t);
    if (!c) return v.reg;
    if (v.type.k === 'int' && t.k === 'int' && v.type.bits <= t.bits && (v.type.signed === t.signed || v.type.bits < t.bits)) return v.reg;
    if (v.type.k === 'bool' && t.k !== 'bool') return v.reg;
    const r = this.newReg(null);
    this.emit({ op: Op.Cast, dst: r, src: v.reg, conv: c });
    return r;
  }

  private sizeofNode(n: Syn): number {
    const ty = field(n, 'type');
    if (ty) return sizeOf(this.P.decl.typeDescriptor(ty), this.P.sym.structs);
    const e = field(n, 'value') ?? named(n)[0]!;
    return sizeOf(this.typeOfNoCode(e), this.P.sym.structs);
  }

  /** The static type of an expression, without keeping any code for it. */
  private typeOfNoCode(e: Syn): CType {
    const save = this.code.length;
    const saveRegs = this.nregs;
    let x = e;
    while (x.type === 'parenthesized_expression' && named(x)[0]) x = named(x)[0]!;
    const lvalueShaped = x.type === 'field_expression' || x.type === 'subscript_expression' ||
      (x.type === 'pointer_expression' && x.children[0]?.type === '*') ||
      (x.type === 'identifier' && (this.lookupVar(x.text) !== undefined || this.P.sym.globalIndex.has(x.text)));
    const t = lvalueShaped ? this.lvalue(x).type : this.expr(x, false).type;
    this.code.length = save;
    this.nregs = saveRegs;
    this.regNames.length = saveRegs;
    return t;
  }

  // ---------------------------------------------------------------- lvalues

  private lvalue(n: Syn): LV {
    switch (n.type) {
      case 'parenthesized_expression': return this.lvalue(named(n)[0]!);
      case 'identifier': {
        const name = n.text;
        const arg = this.inMacroArg(name, (a) => this.lvalue(a));
        if (arg) return arg;
        const v = this.lookupVar(name);
        if (v?.k === 'reg') return { k: 'reg', reg: v.reg, type: v.type, text: name };
        if (v?.k === 'static') {
          const r = this.newReg(null);
          this.emit({ op: Op.GAddr, dst: r, g: v.g });
          return { k: 'mem', base: r, off: 0, type: v.type, text: name, marked: this.marked > 0 };
        }
        if (v?.k === 'stack') {
          const r = this.newReg(null);
          this.emit({ op: Op.SAddr, dst: r });
          return { k: 'mem', base: r, off: v.off, type: v.type, text: name, marked: this.marked > 0 };
        }
        const g = this.P.sym.globalIndex.get(name);
        if (g !== undefined) {
          const r = this.newReg(null);
          this.emit({ op: Op.GAddr, dst: r, g });
          return { k: 'mem', base: r, off: 0, type: this.P.globals[g]!.type, text: name, marked: this.marked > 0 };
        }
        this.err(n, `'${name}' undeclared (not a variable)`);
        return { k: 'reg', reg: this.newReg(null), type: INT, text: name };
      }
      case 'field_expression': {
        const arrow = n.children.some((c) => c.type === '->');
        const fname = field(n, 'field')!.text;
        const arg = field(n, 'argument')!;
        if (arrow) {
          const p = this.value(arg);
          let st: CType = UNKNOWN;
          if (p.type.k === 'ptr') st = p.type.to;
          else if (p.type.k !== 'unknown') this.err(arg, `'->' on a value of type ${typeName(p.type)}; it needs a pointer to a struct`);
          const m = this.member(st, fname, field(n, 'field')!);
          return { k: 'mem', base: p.reg, off: m.offset, type: m.type, text: this.text(n), marked: this.marked > 0 };
        }
        const inner = this.lvalue(arg);
        if (inner.k === 'reg') {
          this.err(arg, `'.' on '${inner.text}', which is not a struct; use '->' for pointers`);
          return inner;
        }
        const m = this.member(inner.type, fname, field(n, 'field')!);
        return { k: 'mem', base: inner.base, off: inner.off + m.offset, type: m.type, text: this.text(n), marked: this.marked > 0 };
      }
      case 'pointer_expression': {
        if (n.children[0]!.type !== '*') break;
        const p = this.value(field(n, 'argument')!);
        const t = p.type.k === 'ptr' ? p.type.to : UNKNOWN;
        return { k: 'mem', base: p.reg, off: 0, type: t, text: this.text(n), marked: this.marked > 0 };
      }
      case 'subscript_expression': {
        const arg = field(n, 'argument')!;
        const idxN = field(n, 'index') ?? named(n)[1]!;
        const at = this.typeOfNoCode(arg);
        if (at.k === 'array') {
          const inner = this.lvalue(arg);
          if (inner.k !== 'mem') break;
          const base = this.addrOf(inner, arg);
          const i = this.value(idxN);
          const r = this.newReg(null);
          this.emit({ op: Op.Index, dst: r, base, idx: i.reg, n: at.n, elem: this.size(at.of) });
          return { k: 'mem', base: r, off: 0, type: at.of, text: this.text(n), marked: this.marked > 0 };
        }
        const p = this.value(arg);
        const i = this.value(idxN);
        const r = this.newReg(null);
        const et = p.type.k === 'ptr' ? p.type.to : UNKNOWN;
        this.emit({ op: Op.PtrAdd, dst: r, base: p.reg, n: i.reg, neg: false, elem: et.k === 'void' ? 1 : this.size(et) });
        return { k: 'mem', base: r, off: 0, type: et, text: this.text(n), marked: this.marked > 0 };
      }
      case 'call_expression': {
        const f = field(n, 'function');
        if (f?.type === 'identifier' && (f.text === 'READ_ONCE' || f.text === 'data_race')) {
          this.marked++;
          try { return this.lvalue(named(field(n, 'arguments')!)[0]!); } finally { this.marked--; }
        }
        break;
      }
    }
    this.err(n, `expression is not assignable (not an lvalue): ${this.text(n)}`);
    return { k: 'reg', reg: this.newReg(null), type: INT, text: this.text(n) };
  }

  private rvalueOfLV(lv: LV, n: Syn): Val {
    if (lv.k === 'reg') return { reg: lv.reg, type: lv.type };
    if (lv.type.k === 'array') {
      // array decays to a pointer to its first element
      const a = this.addrOf(lv, n);
      const z = this.constReg(0);
      const r = this.newReg(null);
      this.emit({ op: Op.Index, dst: r, base: a, idx: z, n: lv.type.n, elem: this.size(lv.type.of) });
      return { reg: r, type: { k: 'ptr', to: lv.type.of } };
    }
    if (lv.type.k === 'struct') {
      this.err(n, `'${lv.text}' is a whole struct; the model has no struct values. Use a pointer (&${lv.text}) or a member.`);
      return this.zero();
    }
    if (lv.type.k === 'prim') {
      this.err(n, `'${lv.text}' is a ${typeName(lv.type)}; pass its address (&${lv.text}) to the kernel API`);
      return this.zero();
    }
    return { reg: this.loadLV(lv), type: lv.type };
  }

  private loadLV(lv: LV): number {
    if (lv.k === 'reg') return lv.reg;
    const r = this.newReg(null);
    this.emit({ op: Op.Load, dst: r, base: lv.base, off: lv.off, size: this.size(lv.type), marked: lv.marked || this.marked > 0, what: lv.text, unchecked: this.unchecked > 0 || undefined });
    return r;
  }

  private storeLV(lv: LV, src: number): void {
    if (lv.k === 'reg') {
      const c = convOf(lv.type);
      if (c) this.emit({ op: Op.Cast, dst: lv.reg, src, conv: c });
      else this.emit({ op: Op.Mov, dst: lv.reg, src });
      return;
    }
    this.emit({ op: Op.Store, base: lv.base, off: lv.off, size: this.size(lv.type), src, marked: lv.marked || this.marked > 0, what: lv.text, conv: convOf(lv.type), unchecked: this.unchecked > 0 || undefined });
  }

  private addrOf(lv: LV, n: Syn): number {
    if (lv.k === 'reg') {
      this.err(n, `cannot take the address of '${lv.text}' here`);
      return this.constReg(0);
    }
    if (!lv.off) return lv.base;
    const r = this.newReg(null);
    this.emit({ op: Op.Addr, dst: r, base: lv.base, off: lv.off });
    return r;
  }

  /** `(name)` where `name` is a type and not a variable: the left side of a misparsed cast. */
  private castTypeOf(L: Syn): CType | undefined {
    if (L.type !== 'parenthesized_expression') return undefined;
    const inner = named(L)[0];
    if (inner?.type !== 'identifier') return undefined;
    const name = inner.text;
    if (this.lookupVar(name) || this.P.sym.globalIndex.has(name) || this.P.sym.enumConsts.has(name) || this.P.sym.macros.has(name)) return undefined;
    return this.P.sym.typedefs.get(name) ?? builtinTypeName(name);
  }

  // ---------------------------------------------------------------- calls

  private args(n: Syn): Syn[] {
    return named(field(n, 'arguments')!).filter((a) => a.type !== 'comment');
  }

  private call(n: Syn, discard: boolean): Val {
    this.at(n);
    const f = field(n, 'function')!;
    const args = this.args(n);
    if (f.type === 'identifier') {
      const name = f.text;
      if (!this.lookupVar(name) && !this.P.sym.globalIndex.has(name)) {
        const m = this.P.sym.macros.get(name);
        if (m && m.params !== null) return this.expandMacro(m, args, n);
        const sp = this.special(name, n, args, discard);
        if (sp) return sp;
        const sig = this.P.fnSigs.get(name);
        if (sig) {
          this.checkArity(n, name, args.length, sig.params.length, sig.variadic ? 99 : sig.params.length);
          const regs = args.map((a, i) => (sig.params[i] ? this.convertTo(this.value(a), sig.params[i]!, a) : this.value(a).reg));
          const dst = this.newReg(null);
          this.P.noteCall(name, f);
          this.at(n);
          this.emit({ op: Op.Call, dst, fn: this.P.sym.fnIndex.get(name)!, args: regs });
          return { reg: dst, type: sig.ret };
        }
        if (callableBuiltinSig(name)) return this.builtin(name, n, args, {});
        this.err(f, `implicit declaration of function '${name}': it is neither defined in this program nor a kernel function the model provides`);
        for (const a of args) this.value(a);
        return this.zero();
      }
    }
    if (f.type === 'call_expression' && field(f, 'function')?.text === 'guard') {
      this.err(n, 'guard(...)(...) must be a statement of its own');
      return this.zero();
    }
    // indirect call through a function pointer
    const fv = this.value(f);
    let ft: CType = UNKNOWN;
    if (fv.type.k === 'ptr' && fv.type.to.k === 'fn') ft = fv.type.to;
    else if (fv.type.k === 'fn') ft = fv.type;
    const regs = args.map((a) => this.value(a).reg);
    const dst = this.newReg(null);
    this.at(n);
    this.emit({ op: Op.CallInd, dst, fnReg: fv.reg, args: regs, what: this.text(f) });
    return { reg: dst, type: ft.k === 'fn' ? ft.ret : UNKNOWN };
  }

  private checkArity(n: Syn, name: string, got: number, min: number, max: number): void {
    if (got < min || got > max) {
      const want = min === max ? `${min}` : max >= 99 ? `at least ${min}` : `${min} to ${max}`;
      this.err(n, `${name}() takes ${want} argument${want === '1' ? '' : 's'}, ${got} given`);
    }
  }

  private builtin(name: string, n: Syn, args: Syn[], extra: BuiltinExtra): Val {
    const sig = builtinSig(name)!;
    this.checkArity(n, name, args.length, sig.min, sig.max);
    const regs = args.map((a) => this.value(a).reg);
    const dst = this.newReg(null);
    this.at(n);
    const ex: BuiltinExtra = { ...extra, argText: args.map((a) => this.text(a)) };
    if ((name === 'kmalloc' || name === 'kzalloc' || name === 'kvzalloc' || name === 'kvmalloc') && args[0]) this.allocType(args[0], ex);
    if ((name === 'kcalloc' || name === 'kmalloc_array') && args[1]) this.allocType(args[1], ex);
    this.emit({ op: Op.Builtin, dst, name, args: regs, extra: ex });
    return { reg: dst, type: sig.ret };
  }

  /** `kzalloc(sizeof(*p), ...)` and `kzalloc(sizeof(struct t), ...)` give a typed allocation. */
  private allocType(sz: Syn, ex: BuiltinExtra): void {
    let s = sz;
    while (s.type === 'parenthesized_expression') s = named(s)[0]!;
    if (s.type !== 'sizeof_expression') return;
    const ty = field(s, 'type');
    const t = ty ? this.P.decl.typeDescriptor(ty) : this.typeOfNoCode(field(s, 'value') ?? named(s)[0]!);
    if (t.k === 'struct') ex.typeName = t.name;
    ex.bytes = sizeOf(t, this.P.sym.structs);
  }

  /**
   * If `name` is a parameter of a macro being expanded, lower the argument it
   * stands for with `lower`, in the caller's context (only the expansions
   * outside the one that bound it in scope); undefined if it is not one.
   */
  private inMacroArg<T>(name: string, lower: (arg: Syn) => T): T | undefined {
    for (let i = this.macroArgs.length - 1; i >= 0; i--) {
      const a = this.macroArgs[i]!.get(name);
      if (!a) continue;
      const saved = this.macroArgs;
      this.macroArgs = this.macroArgs.slice(0, i);
      try { return lower(a); } finally { this.macroArgs = saved; }
    }
    return undefined;
  }

  private expandMacro(m: Macro, args: Syn[], n: Syn): Val {
    if (m.params && m.params.length !== args.length && !(m.params.length === 0 && args.length === 0)) {
      this.err(n, `macro '${m.name}' takes ${m.params.length} arguments, ${args.length} given`);
      return this.zero();
    }
    if (this.macroArgs.length > 16) { this.err(n, `macro '${m.name}' expands too deeply`); return this.zero(); }
    if (!m.expr) { this.err(n, `macro '${m.name}' is not an expression; only expression macros are supported`); return this.zero(); }
    const env = new Map<string, Syn>();
    (m.params ?? []).forEach((p, i) => env.set(p, args[i]!));
    this.macroArgs.push(env);
    const saveText = this.P.fileText;
    try {
      (this.P as { fileText: string }).fileText = m.text;
      return this.value(m.expr);
    } finally {
      (this.P as { fileText: string }).fileText = saveText;
      this.macroArgs.pop();
    }
  }

  /** Kernel macros that need their arguments unevaluated. Returns undefined if `name` is not one. */
  private special(name: string, n: Syn, args: Syn[], discard: boolean): Val | undefined {
    const need = (k: number): boolean => {
      if (args.length !== k) { this.err(n, `${name}() takes ${k} argument${k === 1 ? '' : 's'}, ${args.length} given`); return false; }
      return true;
    };
    switch (name) {
      case 'likely':
      case 'unlikely':
        if (!need(1)) return this.zero();
        return this.value(args[0]!);
      case 'READ_ONCE': {
        if (!need(1)) return this.zero();
        this.marked++;
        try { return this.value(args[0]!); } finally { this.marked--; }
      }
      case 'data_race': {
        if (!need(1)) return this.zero();
        this.unchecked++;
        try { return this.value(args[0]!); } finally { this.unchecked--; }
      }
      case 'smp_load_acquire': {
        if (!need(1)) return this.zero();
        this.marked++;
        try {
          const p = this.value(args[0]!);
          const r = this.newReg(null);
          this.emit({ op: Op.Load, dst: r, base: p.reg, off: 0, size: p.type.k === 'ptr' ? this.size(p.type.to) : 8, marked: true, what: `*${this.text(args[0]!)}`, acquire: true });
          return { reg: r, type: p.type.k === 'ptr' ? p.type.to : UNKNOWN };
        } finally { this.marked--; }
      }
      case 'WRITE_ONCE': {
        if (!need(2)) return this.zero();
        this.marked++;
        try {
          const lv = this.lvalue(args[0]!);
          const v = this.convertTo(this.value(args[1]!), lv.type, args[1]!);
          this.storeLV(lv, v);
          return { reg: v, type: VOID };
        } finally { this.marked--; }
      }
      case 'smp_store_release': {
        if (!need(2)) return this.zero();
        this.marked++;
        try {
          const p = this.value(args[0]!);
          const v = this.value(args[1]!);
          this.emit({ op: Op.Store, base: p.reg, off: 0, size: p.type.k === 'ptr' ? this.size(p.type.to) : 8, src: v.reg, marked: true, what: `*${this.text(args[0]!)}`, release: true });
          return { reg: v.reg, type: VOID };
        } finally { this.marked--; }
      }
      case 'smp_mb': case 'smp_rmb': case 'smp_wmb': case 'barrier':
        return this.zero();
      case 'container_of':
      case 'container_of_const':
      case 'list_entry': {
        if (!need(3)) return this.zero();
        const p = this.value(args[0]!);
        return this.containerOf(p.reg, args[1]!, args[2]!);
      }
      case 'list_first_entry':
      case 'list_last_entry': {
        if (!need(3)) return this.zero();
        const h = this.value(args[0]!);
        const r = this.newReg(null);
        this.emit({ op: Op.Load, dst: r, base: h.reg, off: name === 'list_first_entry' ? 0 : 8, size: 8, marked: false, what: `${this.text(args[0]!)}->${name === 'list_first_entry' ? 'next' : 'prev'}` });
        return this.containerOf(r, args[1]!, args[2]!);
      }
      case 'WARN_ON':
      case 'WARN_ON_ONCE':
      case 'WARN':
      case 'WARN_ONCE': {
        const withMsg = name === 'WARN' || name === 'WARN_ONCE';
        if (withMsg ? args.length < 2 : !need(1)) { if (withMsg) this.err(n, `${name}() takes a condition and a format`); return this.zero(); }
        const c = this.value(args[0]!);
        for (const a of args.slice(1)) this.value(a);
        const r = this.newReg(null);
        const fmt = withMsg && args[1]!.type === 'string_literal' ? parseString(args[1]!) : undefined;
        this.at(n);
        this.emit({ op: Op.Builtin, dst: r, name: name.endsWith('ONCE') ? '__warn_once' : '__warn', args: [c.reg], extra: { text: fmt ?? this.text(args[0]!) } });
        return { reg: r, type: INT };
      }
      case 'BUG_ON': {
        if (!need(1)) return this.zero();
        const c = this.value(args[0]!);
        this.at(n);
        this.emit({ op: Op.Builtin, dst: this.newReg(null), name: '__bug_on', args: [c.reg], extra: { text: this.text(args[0]!) } });
        return this.zero();
      }
      case 'assert': {
        if (!need(1)) return this.zero();
        const c = this.value(args[0]!);
        this.at(n);
        this.emit({ op: Op.Builtin, dst: this.newReg(null), name: '__assert', args: [c.reg], extra: { text: this.text(args[0]!) } });
        return this.zero();
      }
      case 'INVARIANT': {
        if (args.length < 1 || args.length > 2) { this.err(n, 'INVARIANT(condition[, "message"]) takes a condition and an optional message'); return this.zero(); }
        const c = this.value(args[0]!);
        const msg = args[1]?.type === 'string_literal' ? parseString(args[1]) : this.text(args[0]!);
        this.at(n);
        this.emit({ op: Op.Builtin, dst: this.newReg(null), name: '__invariant', args: [c.reg], extra: { text: msg } });
        return this.zero();
      }
      case 'lockdep_assert_held':
      case 'lockdep_assert_not_held': {
        if (!need(1)) return this.zero();
        const p = this.value(args[0]!);
        this.at(n);
        this.emit({ op: Op.Builtin, dst: this.newReg(null), name: `__${name}`, args: [p.reg], extra: { text: this.text(args[0]!) } });
        return this.zero();
      }
      case 'BIT':
      case 'BIT_ULL': {
        if (!need(1)) return this.zero();
        const a = this.value(args[0]!);
        const one = this.constReg(1);
        const r = this.newReg(null);
        this.emit({ op: Op.Bin, dst: r, bop: '<<', a: one, b: a.reg });
        return { reg: r, type: ULONG };
      }
      case 'min':
      case 'max':
      case 'min_t':
      case 'max_t': {
        const typed = name.endsWith('_t');
        if (!need(typed ? 3 : 2)) return this.zero();
        const a = this.value(args[typed ? 1 : 0]!);
        const b = this.value(args[typed ? 2 : 1]!);
        const c = this.newReg(null);
        this.emit({ op: Op.Bin, dst: c, bop: name.startsWith('min') ? '<' : '>', a: a.reg, b: b.reg });
        const r = this.newReg(null);
        const end = this.newLabel();
        this.emit({ op: Op.Mov, dst: r, src: a.reg });
        this.jnz(c, end);
        this.emit({ op: Op.Mov, dst: r, src: b.reg });
        this.place(end);
        return { reg: r, type: a.type };
      }
      case 'ARRAY_SIZE': {
        if (!need(1)) return this.zero();
        const t = this.typeOfNoCode(args[0]!);
        if (t.k !== 'array') { this.err(n, 'ARRAY_SIZE() needs an array'); return this.zero(); }
        return { reg: this.constReg(t.n), type: ULONG };
      }
      case 'typeof':
        this.err(n, 'typeof is not supported; name the type');
        return this.zero();
      case 'offsetof':
        this.err(n, 'offsetof is not supported; the model has no byte layout. Use container_of.');
        return this.zero();
      case 'guard':
        this.err(n, 'guard(type) must be followed by (lock pointer), as in guard(mutex)(&lock);');
        return this.zero();
      case 'XA_STATE':
        this.err(n, 'XA_STATE(...) declares a variable; write it as a statement of its own');
        return this.zero();
      case 'spin_lock_irqsave':
      case 'spin_unlock_irqrestore': {
        // the flags argument is an lvalue the macro assigns; there are no interrupts in the model
        if (!need(2)) return this.zero();
        return this.builtin(name === 'spin_lock_irqsave' ? 'spin_lock' : 'spin_unlock', n, [args[0]!], {});
      }
    }
    const w = WAIT_FORMS[name];
    if (w) return this.waitEvent(name, n, args, w, discard);
    return undefined;
  }

  private containerOf(ptrReg: number, typeArg: Syn, memberArg: Syn): Val {
    let tname = typeArg.text;
    if (typeArg.type === 'identifier' && tname.startsWith('struct_')) tname = tname.replace(/^struct_+/, '');
    else if (typeArg.type === 'identifier') {
      const td = this.P.sym.typedefs.get(tname);
      if (td?.k === 'struct') tname = td.name;
      else this.err(typeArg, `container_of needs a struct type as its second argument, like 'struct ${tname}'`);
    } else {
      this.err(typeArg, 'container_of needs a struct type as its second argument');
    }
    const member = this.P.fileText.slice(memberArg.startIndex, memberArg.endIndex).replace(/\s+/g, '');
    const t: CType = { k: 'struct', name: tname };
    let offset = 0;
    if (!layoutOf(tname, this.P.sym.structs)) this.err(typeArg, `container_of of incomplete type 'struct ${tname}': define the struct`);
    else {
      const mo = memberOffset(t, member, this.P.sym.structs);
      if (!mo) this.err(memberArg, `'struct ${tname}' has no member '${member}'`);
      else offset = mo.offset;
    }
    const r = this.newReg(null);
    this.emit({ op: Op.Builtin, dst: r, name: '__container_of', args: [ptrReg], extra: { text: member, offset, typeName: tname } });
    return { reg: r, type: { k: 'ptr', to: t } };
  }

  /**
   * wait_event family, as include/linux/wait.h expands it: a fast-path check,
   * then prepare_to_wait_event / re-check / schedule[_timeout] until the
   * condition holds (or the time runs out), then finish_wait.
   */
  private waitEvent(name: string, n: Syn, args: Syn[], w: { state: 'uninterruptible' | 'interruptible'; timed: boolean; ret: CType }, _discard: boolean): Val {
    const want = w.timed ? 3 : 2;
    if (args.length !== want) { this.err(n, `${name}(wq_head, condition${w.timed ? ', timeout' : ''}) takes ${want} arguments, ${args.length} given`); return this.zero(); }
    const [wqN, condN, toN] = args as [Syn, Syn, Syn | undefined];
    this.at(n);
    const rem = this.newReg(null);
    if (toN) this.emit({ op: Op.Mov, dst: rem, src: this.value(toN).reg });
    else this.emit({ op: Op.Const, dst: rem, value: 0 });
    this.emit({ op: Op.Builtin, dst: this.newReg(null), name: 'might_sleep', args: [] });
    const res = this.newReg(null);
    const fast = this.newLabel();
    const done = this.newLabel();
    const finish = this.newLabel();
    const loop = this.newLabel();
    this.at(condN);
    const c0 = this.value(condN);
    const cr = this.newReg(null);
    this.emit({ op: Op.Mov, dst: cr, src: c0.reg });
    this.jnz(cr, fast);
    this.place(loop);
    this.at(wqN);
    const wqLv = this.lvalue(wqN);
    const wq = this.addrOf(wqLv, wqN);
    this.at(n);
    const extra: BuiltinExtra = { taskState: w.state, timed: w.timed, text: `${name}(${this.text(wqN)}, ${this.text(condN)}${toN ? `, ${this.text(toN)}` : ''})` };
    this.emit({ op: Op.Builtin, dst: this.newReg(null), name: '__wait_prepare', args: [wq], extra });
    this.at(condN);
    const c1 = this.value(condN);
    this.emit({ op: Op.Mov, dst: cr, src: c1.reg });
    this.jnz(cr, finish);
    if (w.timed) this.jz(rem, finish);
    this.at(n);
    this.emit({ op: Op.Builtin, dst: rem, name: '__wait_schedule', args: [rem], extra });
    this.jmp(loop);
    this.place(finish);
    this.at(n);
    this.emit({ op: Op.Builtin, dst: this.newReg(null), name: '__wait_finish', args: [wq], extra });
    this.place(fast);
    if (w.timed) {
      // ___wait_cond_timeout: a true condition with no time left still returns 1
      const one = this.constReg(1);
      this.emit({ op: Op.Mov, dst: res, src: rem });
      const keep = this.newLabel();
      this.jnz(rem, keep);
      this.jz(cr, keep);
      this.emit({ op: Op.Mov, dst: res, src: one });
      this.place(keep);
    } else {
      this.emit({ op: Op.Const, dst: res, value: 0 });
    }
    this.place(done);
    return { reg: res, type: w.ret };
  }
}

/** Integer conversion for stores to a variable of type `t`. */
export function convOf(t: CType): IntConv | undefined {
  if (t.k === 'bool') return { bits: 1, signed: false, bool: true };
  if (t.k === 'int' && t.bits < 64) return { bits: t.bits, signed: t.signed };
  return undefined;
}

function arithConv(t: CType): IntConv | undefined {
  if (t.k === 'int' && t.bits === 32) return { bits: 32, signed: t.signed };
  return undefined;
}

function flattenComma(n: Syn): Syn[] {
  if (n.type === 'comma_expression') return [...flattenComma(field(n, 'left')!), ...flattenComma(field(n, 'right')!)];
  return [n];
}

function fieldAllDesignators(pair: Syn): Syn[] {
  return pair.children.filter((_, i) => pair.fields[i] === 'designator');
}

function lastToken(n: Syn): Syn {
  let c = n;
  while (c.children.length) c = c.children[c.children.length - 1]!;
  return c;
}

export { VOIDP };

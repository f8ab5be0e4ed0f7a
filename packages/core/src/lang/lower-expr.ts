/**
 * Expression lowering: rvalues, lvalues, calls (direct, indirect, kernel
 * built-ins, special forms from ./forms/) and expression macros. Every memory
 * access becomes a LOAD or STORE and every kernel primitive a BUILTIN, so the
 * VM can make each of them a visible step.
 */
import { type Syn, field, named } from './syntax.js';
import {
  type CType,
  BOOL,
  INT,
  LONG,
  ULONG,
  UNKNOWN,
  VOIDP,
  CHARP,
  isIntegral,
  isPtrType,
  sizeOf,
  typeName,
} from './types.js';
import { type BinOp, type BuiltinExtra, Op } from './ir.js';
import { CONSTANTS } from './constants.js';
import { MAX_NESTING } from './limits.js';
import { type Macro, parseChar, parseNumber, parseString } from './declare.js';
import { LvalueLowerer } from './lower-lvalue.js';
import { arithConv, convOf } from './lower-core.js';
import type { LoopCtx, LowerCtx, Val } from './forms/context.js';
import { lowerSpecialForm } from './forms/special.js';

/** Expression lowering over {@link LvalueLowerer}; statement lowering (./lower.ts) completes it. */
export abstract class ExprLowerer extends LvalueLowerer implements LowerCtx {
  abstract loopBody(body: Syn, loop: LoopCtx): void;

  /** Lower an expression used as a condition; returns a register holding a truth value. */
  protected cond(n: Syn): number {
    return this.value(n).reg;
  }

  /** How many value() calls are open: bounded, since macro expansion can nest deeper than the tree. */
  private valueDepth = 0;

  /** Lower an expression for its value (a diagnostic past {@link MAX_NESTING} open levels, macros included). */
  value(n: Syn): Val {
    if (this.valueDepth >= MAX_NESTING) {
      this.err(n, `expression nested deeper than ${MAX_NESTING} levels (macro expansions included); split it`);
      return this.zero();
    }
    this.valueDepth++;
    try {
      return this.expr(n);
    } finally {
      this.valueDepth--;
    }
  }

  /** Lower an expression. */
  protected expr(n: Syn): Val {
    switch (n.type) {
      case 'parenthesized_expression': {
        const inner = named(n)[0];
        if (!inner) {
          this.err(n, 'empty parentheses');
          return this.zero();
        }
        if (inner.type === 'compound_statement') {
          this.err(n, 'GNU statement expressions ({ ... }) are not supported');
          return this.zero();
        }
        return this.expr(inner);
      }
      case 'number_literal': {
        const v = parseNumber(n.text);
        if (Number.isNaN(v)) {
          this.err(n, `bad number '${n.text}'`);
          return this.zero();
        }
        return { reg: this.constReg(v), type: /[uU]/.test(n.text) ? ULONG : INT };
      }
      case 'char_literal':
        return { reg: this.constReg(parseChar(n.text)), type: INT };
      case 'string_literal':
        return { reg: this.constReg({ t: 'str', s: parseString(n) }), type: CHARP };
      case 'concatenated_string': {
        const s = named(n)
          .map((c) => (c.type === 'string_literal' ? parseString(c) : ''))
          .join('');
        return { reg: this.constReg({ t: 'str', s }), type: CHARP };
      }
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
      case 'pointer_expression':
        return this.pointerExpr(n);
      case 'unary_expression': {
        const op = n.children[0]!.type as '-' | '!' | '~' | '+';
        const arg = field(n, 'argument')!;
        const a = (op === '!' ? this.zeroTest(arg) : null) ?? this.value(arg);
        const r = this.newReg(null);
        this.emit({ op: Op.Un, dst: r, uop: op, a: a.reg });
        return { reg: r, type: op === '!' ? INT : a.type.k === 'int' ? a.type : INT };
      }
      case 'binary_expression':
        return this.binary(n);
      case 'update_expression':
        return this.updateExpr(n);
      case 'assignment_expression':
        return this.assignment(n);
      case 'conditional_expression':
        return this.conditionalExpr(n);
      case 'comma_expression': {
        this.expr(field(n, 'left')!);
        return this.expr(field(n, 'right')!);
      }
      case 'cast_expression':
        return this.castExpr(n);
      case 'sizeof_expression':
        return { reg: this.constReg(this.sizeofNode(n)), type: ULONG };
      case 'call_expression':
        return this.call(n);
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

  /** `*p` (a load) or `&x` (an address; `&fn` is the function's address). */
  private pointerExpr(n: Syn): Val {
    const op = n.children[0]!.type;
    const arg = field(n, 'argument')!;
    if (op === '*') return this.rvalueOfLV(this.lvalue(n), n);
    // &x
    if (arg.type === 'identifier' && !this.lookupVar(arg.text) && this.P.sym.fnIndex.has(arg.text)) {
      this.P.noteCall(arg.text, arg);
      const sig = this.P.fnSig(arg.text);
      const to: CType = sig ? { k: 'fn', ...sig } : UNKNOWN;
      return { reg: this.constReg({ t: 'fn', fn: this.P.sym.fnIndex.get(arg.text)! }), type: { k: 'ptr', to } };
    }
    const lv = this.lvalue(arg);
    return { reg: this.addrOf(lv, arg), type: { k: 'ptr', to: lv.type } };
  }

  /** `x++`, `--x`, ...: load, add or subtract one (an element for pointers), store. */
  private updateExpr(n: Syn): Val {
    const arg = field(n, 'argument')!;
    const opTok = n.children.find((c) => c.type === '++' || c.type === '--')!;
    const prefix = n.children[0]!.type === '++' || n.children[0]!.type === '--';
    const lv = this.lvalue(arg);
    const old = this.loadLV(lv);
    const one = this.constReg(1);
    const nv = this.newReg(null);
    if (isPtrType(lv.type)) {
      const elem = this.elemSize(lv.type);
      this.emit({ op: Op.PtrAdd, dst: nv, base: old, n: one, neg: opTok.type === '--', elem });
    } else {
      const bop = opTok.type === '++' ? '+' : '-';
      this.emit({ op: Op.Bin, dst: nv, bop, a: old, b: one, conv: convOf(lv.type) });
    }
    this.storeLV(lv, nv);
    return { reg: prefix ? nv : old, type: lv.type };
  }

  /** `c ? a : b` and GNU `c ?: b`: only the chosen operand is evaluated. */
  private conditionalExpr(n: Syn): Val {
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

  /** `(T)e`: a conversion to integer type `T`, or a retyping (`(void)e` is `e`). */
  private castExpr(n: Syn): Val {
    const t = this.P.decl.typeDescriptor(field(n, 'type')!);
    const v = this.value(field(n, 'value')!);
    if (t.k === 'void') return v;
    const r = this.newReg(null);
    const tag = t.k === 'ptr' && t.to.k === 'struct' ? t.to.name : undefined;
    this.emit({ op: Op.Cast, dst: r, src: v.reg, conv: convOf(t), tag });
    return { reg: r, type: t };
  }

  zero(): Val {
    return { reg: this.constReg(0), type: INT };
  }

  protected identifier(n: Syn): Val {
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
      const sig = this.P.fnSig(name);
      const to: CType = sig ? { k: 'fn', ...sig } : UNKNOWN;
      // a function used as a value must be defined too (the linker's check, as for a call)
      this.P.noteCall(name, n);
      return { reg: this.constReg({ t: 'fn', fn: this.P.sym.fnIndex.get(name)! }), type: { k: 'ptr', to } };
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

  protected binary(n: Syn): Val {
    const op = n.children.find((_, i) => n.fields[i] === 'operator')!.type;
    const L = field(n, 'left')!;
    const R = field(n, 'right')!;
    const castTo = this.castTypeOf(L);
    if (castTo && (op === '-' || op === '+' || op === '*' || op === '&')) {
      // `(u32)-1`: tree-sitter cannot know u32 is a type and parses a subtraction
      let v: Val;
      if (op === '*' || op === '&') {
        const ptrExpr = (tok: '*' | '&'): Syn => ({
          ...n,
          type: 'pointer_expression',
          children: [{ ...n.children[1]!, type: tok }, R],
          fields: [null, 'argument'],
        });
        v = op === '*' ? this.rvalueOfLV(this.lvalue(ptrExpr('*')), R) : this.value(ptrExpr('&'));
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
      if (op === '&&') this.jz(r, end);
      else this.jnz(r, end);
      const b = this.value(R);
      const t2 = this.newReg(null);
      this.emit({ op: Op.Un, dst: t2, uop: '!', a: b.reg });
      this.emit({ op: Op.Un, dst: r, uop: '!', a: t2 });
      this.place(end);
      return { reg: r, type: INT };
    }
    const eq = op === '==' || op === '!=';
    const a = (eq && isZeroLiteral(R) ? this.zeroTest(L) : null) ?? this.value(L);
    const b = (eq && isZeroLiteral(L) ? this.zeroTest(R) : null) ?? this.value(R);
    const r = this.newReg(null);
    if ((op === '+' || op === '-') && isPtrType(a.type) && isIntegral(b.type)) {
      this.emit({ op: Op.PtrAdd, dst: r, base: a.reg, n: b.reg, neg: op === '-', elem: this.elemSize(a.type) });
      return { reg: r, type: a.type };
    }
    if (op === '+' && isIntegral(a.type) && isPtrType(b.type)) {
      this.emit({ op: Op.PtrAdd, dst: r, base: b.reg, n: a.reg, neg: false, elem: this.elemSize(b.type) });
      return { reg: r, type: b.type };
    }
    const wideUnsigned = (t: CType) => t.k === 'int' && !t.signed && t.bits >= 32;
    const unsigned = wideUnsigned(a.type) || wideUnsigned(b.type);
    const cmp = ['==', '!=', '<', '>', '<=', '>='].includes(op);
    const type: CType = cmp
      ? INT
      : a.type.k === 'int' && b.type.k === 'int'
        ? a.type.bits >= b.type.bits
          ? a.type
          : b.type
        : a.type.k === 'int'
          ? a.type
          : b.type.k === 'int'
            ? b.type
            : INT;
    const ptrDiff = op === '-' && isPtrType(a.type) && isPtrType(b.type);
    this.emit({
      op: Op.Bin,
      dst: r,
      bop: op as BinOp,
      a: a.reg,
      b: b.reg,
      unsigned,
      conv: cmp || ptrDiff ? undefined : arithConv(type),
      elem: ptrDiff ? this.elemSize(a.type) : undefined,
    });
    if (ptrDiff) return { reg: r, type: LONG };
    return { reg: r, type };
  }

  protected assignment(n: Syn): Val {
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
      if ((bop === '+' || bop === '-') && isPtrType(lv.type)) {
        this.emit({ op: Op.PtrAdd, dst: v, base: old, n: b.reg, neg: bop === '-', elem: this.elemSize(lv.type) });
      } else {
        const unsigned = lv.type.k === 'int' && !lv.type.signed;
        this.emit({ op: Op.Bin, dst: v, bop, a: old, b: b.reg, conv: convOf(lv.type), unsigned });
      }
    }
    this.storeLV(lv, v);
    return { reg: v, type: lv.type };
  }

  /** Convert a value for assignment to a variable of type `t` (integer width, bool). */
  convertTo(v: Val, t: CType, n: Syn): number {
    if (t.k === 'struct' || t.k === 'array') {
      this.err(n, `cannot use a value as ${typeName(t)}`);
      return v.reg;
    }
    const c = convOf(t);
    if (!c) return v.reg;
    const widens = (f: CType & { k: 'int' }, to: CType & { k: 'int' }) =>
      f.bits <= to.bits && (f.signed === to.signed || f.bits < to.bits);
    if (v.type.k === 'int' && t.k === 'int' && widens(v.type, t)) return v.reg;
    if (v.type.k === 'bool' && t.k !== 'bool') return v.reg;
    const r = this.newReg(null);
    this.emit({ op: Op.Cast, dst: r, src: v.reg, conv: c });
    return r;
  }

  protected sizeofNode(n: Syn): number {
    const ty = field(n, 'type');
    if (ty) return sizeOf(this.P.decl.typeDescriptor(ty), this.P.sym.structs);
    const e = field(n, 'value') ?? named(n)[0]!;
    return sizeOf(this.typeOfNoCode(e), this.P.sym.structs);
  }

  /** The static type of an expression, without keeping any code for it. */
  typeOfNoCode(e: Syn): CType {
    const save = this.code.length;
    const saveRegs = this.nregs;
    let x = e;
    while (x.type === 'parenthesized_expression' && named(x)[0]) x = named(x)[0]!;
    const lvalueShaped =
      x.type === 'field_expression' ||
      x.type === 'subscript_expression' ||
      (x.type === 'pointer_expression' && x.children[0]?.type === '*') ||
      (x.type === 'identifier' && (this.lookupVar(x.text) !== undefined || this.P.sym.globalIndex.has(x.text)));
    const t = lvalueShaped ? this.lvalue(x).type : this.expr(x).type;
    this.code.length = save;
    this.nregs = saveRegs;
    this.regNames.length = saveRegs;
    return t;
  }

  // ---------------------------------------------------------------- calls

  protected args(n: Syn): Syn[] {
    return named(field(n, 'arguments')!).filter((a) => a.type !== 'comment');
  }

  protected call(n: Syn): Val {
    this.at(n);
    const f = field(n, 'function')!;
    const args = this.args(n);
    if (f.type === 'identifier') {
      const name = f.text;
      if (!this.lookupVar(name) && !this.P.sym.globalIndex.has(name)) {
        const m = this.P.sym.macros.get(name);
        if (m && m.params !== null) return this.expandMacro(m, args, n);
        const sp = lowerSpecialForm(this, name, n, args);
        if (sp) return sp;
        const sig = this.P.fnSig(name);
        if (sig) {
          this.checkArity(n, name, args.length, sig.params.length, sig.variadic ? 99 : sig.params.length);
          const arg = (a: Syn, i: number) => {
            const t = sig.params[i];
            return t ? this.convertTo(this.value(a), t, a) : this.value(a).reg;
          };
          const regs = args.map(arg);
          const dst = this.newReg(null);
          this.P.noteCall(name, f);
          this.at(n);
          this.emit({ op: Op.Call, dst, fn: this.P.sym.fnIndex.get(name)!, args: regs });
          return { reg: dst, type: sig.ret };
        }
        if (this.P.kernel.callableBuiltinSig(name)) return this.builtin(name, n, args, {});
        const why = 'it is neither defined in this program nor a kernel function the model provides';
        this.err(f, `implicit declaration of function '${name}': ${why}`);
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

  /**
   * `refcount_read(r)` as a zero test (BuiltinExtra.zeroTest), when `n` is
   * that call of the kernel's refcount_read() (not a program's function or
   * macro of the name) and its value is only compared with 0; null otherwise.
   */
  protected zeroTest(n: Syn): Val | null {
    let c = n;
    while (c.type === 'parenthesized_expression' && named(c).length === 1) c = named(c)[0]!;
    if (c.type !== 'call_expression') return null;
    const f = field(c, 'function');
    if (f?.type !== 'identifier' || f.text !== 'refcount_read') return null;
    if (this.lookupVar(f.text) || this.P.sym.globalIndex.has(f.text) || this.P.sym.macros.has(f.text)) return null;
    if (this.P.fnSig(f.text) || !this.P.kernel.callableBuiltinSig(f.text)) return null;
    this.at(c);
    return this.builtin(f.text, c, this.args(c), { zeroTest: true });
  }

  protected checkArity(n: Syn, name: string, got: number, min: number, max: number): void {
    if (got < min || got > max) {
      const want = min === max ? `${min}` : max >= 99 ? `at least ${min}` : `${min} to ${max}`;
      this.err(n, `${name}() takes ${want} argument${want === '1' ? '' : 's'}, ${got} given`);
    }
  }

  builtin(name: string, n: Syn, args: Syn[], extra: BuiltinExtra): Val {
    const sig = this.P.kernel.builtinSig(name)!;
    this.checkArity(n, name, args.length, sig.min, sig.max);
    const regs = args.map((a) => this.value(a).reg);
    const dst = this.newReg(null);
    this.at(n);
    const ex: BuiltinExtra = { ...extra, argText: args.map((a) => this.text(a)) };
    const sizeFirst = name === 'kmalloc' || name === 'kzalloc' || name === 'kvzalloc' || name === 'kvmalloc';
    if (sizeFirst && args[0]) this.allocType(args[0], ex);
    if ((name === 'kcalloc' || name === 'kmalloc_array') && args[1]) this.allocType(args[1], ex);
    this.emit({ op: Op.Builtin, dst, name, args: regs, extra: ex });
    return { reg: dst, type: sig.ret };
  }

  /** `kzalloc(sizeof(*p), ...)` and `kzalloc(sizeof(struct t), ...)` give a typed allocation. */
  protected allocType(sz: Syn, ex: BuiltinExtra): void {
    let s = sz;
    while (s.type === 'parenthesized_expression') s = named(s)[0]!;
    if (s.type !== 'sizeof_expression') return;
    const ty = field(s, 'type');
    const t = ty ? this.P.decl.typeDescriptor(ty) : this.typeOfNoCode(field(s, 'value') ?? named(s)[0]!);
    if (t.k === 'struct') ex.typeName = t.name;
    ex.bytes = sizeOf(t, this.P.sym.structs);
  }

  protected expandMacro(m: Macro, args: Syn[], n: Syn): Val {
    if (m.params && m.params.length !== args.length && !(m.params.length === 0 && args.length === 0)) {
      this.err(n, `macro '${m.name}' takes ${m.params.length} arguments, ${args.length} given`);
      return this.zero();
    }
    if (this.macroArgs.length > 16) {
      this.err(n, `macro '${m.name}' expands too deeply`);
      return this.zero();
    }
    if (!m.expr) {
      this.err(n, `macro '${m.name}' is not an expression; only expression macros are supported`);
      return this.zero();
    }
    const env = new Map<string, Syn>();
    (m.params ?? []).forEach((p, i) => {
      env.set(p, args[i]!);
    });
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
}

/** Is `n` the literal 0 (in parentheses or not)? */
function isZeroLiteral(n: Syn): boolean {
  let c = n;
  while (c.type === 'parenthesized_expression' && named(c).length === 1) c = named(c)[0]!;
  return c.type === 'number_literal' && /^0+[uUlL]*$/.test(c.text);
}

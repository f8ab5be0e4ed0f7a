/**
 * Lvalue lowering: the places an expression names (a local in a register or
 * on the stack, a global, a member through `.` or `->`, an array element, a
 * dereference) and their loads, stores and addresses; and the arguments of
 * the macros being expanded, which lvalues and rvalues both look up.
 */
import { type Syn, field, named } from './syntax.js';
import { type CType, INT, UNKNOWN, builtinTypeName, typeName } from './types.js';
import { Op } from './ir.js';
import { LowerCore, convOf } from './lower-core.js';
import type { LV, Val } from './forms/context.js';

/** Lvalues over {@link LowerCore}; expression lowering (./lower-expr.ts) builds on it. */
export abstract class LvalueLowerer extends LowerCore {
  /** Arguments of the macros being expanded, outermost first: parameter name -> argument. */
  protected macroArgs: Map<string, Syn>[] = [];

  /** Lower an expression for its value (./lower-expr.ts). */
  abstract value(n: Syn): Val;
  /** The constant 0, typed int. */
  abstract zero(): Val;
  /** The static type of an expression, without emitting code. */
  abstract typeOfNoCode(e: Syn): CType;

  lvalue(n: Syn): LV {
    switch (n.type) {
      case 'parenthesized_expression':
        return this.lvalue(named(n)[0]!);
      case 'identifier':
        return this.identifierLvalue(n);
      case 'field_expression':
        return this.fieldLvalue(n);
      case 'pointer_expression': {
        if (n.children[0]!.type !== '*') break;
        const p = this.value(field(n, 'argument')!);
        const t = p.type.k === 'ptr' ? p.type.to : UNKNOWN;
        return { k: 'mem', base: p.reg, off: 0, type: t, text: this.text(n), marked: this.markedDepth > 0 };
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
          return { k: 'mem', base: r, off: 0, type: at.of, text: this.text(n), marked: this.markedDepth > 0 };
        }
        const p = this.value(arg);
        const i = this.value(idxN);
        const r = this.newReg(null);
        const et = p.type.k === 'ptr' ? p.type.to : UNKNOWN;
        const elem = et.k === 'void' ? 1 : this.size(et);
        this.emit({ op: Op.PtrAdd, dst: r, base: p.reg, n: i.reg, neg: false, elem });
        return { k: 'mem', base: r, off: 0, type: et, text: this.text(n), marked: this.markedDepth > 0 };
      }
      case 'call_expression': {
        const f = field(n, 'function');
        if (f?.type === 'identifier' && (f.text === 'READ_ONCE' || f.text === 'data_race')) {
          return this.marked(() => this.lvalue(named(field(n, 'arguments')!)[0]!));
        }
        break;
      }
    }
    this.err(n, `expression is not assignable (not an lvalue): ${this.text(n)}`);
    return { k: 'reg', reg: this.newReg(null), type: INT, text: this.text(n) };
  }

  /** A named variable as an lvalue: a macro argument, a local (register, stack or static) or a global. */
  private identifierLvalue(n: Syn): LV {
    const name = n.text;
    const arg = this.inMacroArg(name, (a) => this.lvalue(a));
    if (arg) return arg;
    const v = this.lookupVar(name);
    if (v?.k === 'reg') return { k: 'reg', reg: v.reg, type: v.type, text: name };
    if (v?.k === 'static') {
      const r = this.newReg(null);
      this.emit({ op: Op.GAddr, dst: r, g: v.g });
      return { k: 'mem', base: r, off: 0, type: v.type, text: name, marked: this.markedDepth > 0 };
    }
    if (v?.k === 'stack') {
      const r = this.newReg(null);
      this.emit({ op: Op.SAddr, dst: r });
      return { k: 'mem', base: r, off: v.off, type: v.type, text: name, marked: this.markedDepth > 0 };
    }
    const g = this.P.sym.globalIndex.get(name);
    if (g !== undefined) {
      const r = this.newReg(null);
      this.emit({ op: Op.GAddr, dst: r, g });
      return { k: 'mem', base: r, off: 0, type: this.P.globals[g]!.type, text: name, marked: this.markedDepth > 0 };
    }
    this.err(n, `'${name}' undeclared (not a variable)`);
    return { k: 'reg', reg: this.newReg(null), type: INT, text: name };
  }

  /** `p->f` or `s.f` as an lvalue: memory at the member's offset. */
  private fieldLvalue(n: Syn): LV {
    const arrow = n.children.some((c) => c.type === '->');
    const fname = field(n, 'field')!.text;
    const arg = field(n, 'argument')!;
    if (arrow) {
      const p = this.value(arg);
      let st: CType = UNKNOWN;
      if (p.type.k === 'ptr') st = p.type.to;
      else if (p.type.k !== 'unknown') {
        this.err(arg, `'->' on a value of type ${typeName(p.type)}; it needs a pointer to a struct`);
      }
      const m = this.member(st, fname, field(n, 'field')!);
      const marked = this.markedDepth > 0;
      return { k: 'mem', base: p.reg, off: m.offset, type: m.type, text: this.text(n), marked };
    }
    const inner = this.lvalue(arg);
    if (inner.k === 'reg') {
      this.err(arg, `'.' on '${inner.text}', which is not a struct; use '->' for pointers`);
      return inner;
    }
    const m = this.member(inner.type, fname, field(n, 'field')!);
    const marked = this.markedDepth > 0;
    return { k: 'mem', base: inner.base, off: inner.off + m.offset, type: m.type, text: this.text(n), marked };
  }

  protected rvalueOfLV(lv: LV, n: Syn): Val {
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
      const instead = `Use a pointer (&${lv.text}) or a member.`;
      this.err(n, `'${lv.text}' is a whole struct; the model has no struct values. ${instead}`);
      return this.zero();
    }
    if (lv.type.k === 'prim') {
      this.err(n, `'${lv.text}' is a ${typeName(lv.type)}; pass its address (&${lv.text}) to the kernel API`);
      return this.zero();
    }
    return { reg: this.loadLV(lv), type: lv.type };
  }

  loadLV(lv: LV): number {
    if (lv.k === 'reg') return lv.reg;
    const r = this.newReg(null);
    this.emit({
      op: Op.Load,
      dst: r,
      base: lv.base,
      off: lv.off,
      size: this.size(lv.type),
      marked: lv.marked || this.markedDepth > 0,
      what: lv.text,
      unchecked: this.uncheckedDepth > 0 || undefined,
    });
    return r;
  }

  storeLV(lv: LV, src: number): void {
    if (lv.k === 'reg') {
      const c = convOf(lv.type);
      if (c) this.emit({ op: Op.Cast, dst: lv.reg, src, conv: c });
      else this.emit({ op: Op.Mov, dst: lv.reg, src });
      return;
    }
    this.emit({
      op: Op.Store,
      base: lv.base,
      off: lv.off,
      size: this.size(lv.type),
      src,
      marked: lv.marked || this.markedDepth > 0,
      what: lv.text,
      conv: convOf(lv.type),
      unchecked: this.uncheckedDepth > 0 || undefined,
    });
  }

  addrOf(lv: LV, n: Syn): number {
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
  protected castTypeOf(L: Syn): CType | undefined {
    if (L.type !== 'parenthesized_expression') return undefined;
    const inner = named(L)[0];
    if (inner?.type !== 'identifier') return undefined;
    const name = inner.text;
    const sym = this.P.sym;
    if (this.lookupVar(name) || sym.globalIndex.has(name)) return undefined;
    if (sym.enumConsts.has(name) || sym.macros.has(name)) return undefined;
    return this.P.sym.typedefs.get(name) ?? builtinTypeName(name);
  }

  /**
   * If `name` is a parameter of a macro being expanded, lower the argument it
   * stands for with `lower`, in the caller's context (only the expansions
   * outside the one that bound it in scope); undefined if it is not one.
   */
  protected inMacroArg<T>(name: string, lower: (arg: Syn) => T): T | undefined {
    for (let i = this.macroArgs.length - 1; i >= 0; i--) {
      const a = this.macroArgs[i]!.get(name);
      if (!a) continue;
      const saved = this.macroArgs;
      this.macroArgs = this.macroArgs.slice(0, i);
      try {
        return lower(a);
      } finally {
        this.macroArgs = saved;
      }
    }
    return undefined;
  }
}

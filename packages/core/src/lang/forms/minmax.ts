/**
 * Value macros that need their arguments unevaluated or typed, as
 * include/linux/compiler.h, bits.h, minmax.h and array_size.h define them:
 * likely/unlikely (the value itself), BIT/BIT_ULL, min/max/min_t/max_t (each
 * argument evaluated once), ARRAY_SIZE (a constant from the array's type).
 */
import type { Syn } from '../syntax.js';
import { ULONG } from '../types.js';
import { Op } from '../ir.js';
import { type LowerCtx, type SpecialForm, type Val, takes } from './context.js';

/** `likely(x)` / `unlikely(x)`: the value of `x`. */
function hint(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 1)) return cx.zero();
  return cx.value(args[0]!);
}

/** `BIT(n)` / `BIT_ULL(n)`: `1 << n` as an unsigned long. */
function bit(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 1)) return cx.zero();
  const a = cx.value(args[0]!);
  const one = cx.constReg(1);
  const r = cx.newReg(null);
  cx.emit({ op: Op.Bin, dst: r, bop: '<<', a: one, b: a.reg });
  return { reg: r, type: ULONG };
}

/**
 * `min(a, b)`, `max(a, b)`, `min_t(type, a, b)`, `max_t(type, a, b)`: each
 * argument evaluated once; the result has the type of `a`.
 */
function minMax(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  const typed = name.endsWith('_t');
  if (!takes(cx, name, n, args, typed ? 3 : 2)) return cx.zero();
  const a = cx.value(args[typed ? 1 : 0]!);
  const b = cx.value(args[typed ? 2 : 1]!);
  const c = cx.newReg(null);
  cx.emit({ op: Op.Bin, dst: c, bop: name.startsWith('min') ? '<' : '>', a: a.reg, b: b.reg });
  const r = cx.newReg(null);
  const end = cx.newLabel();
  cx.emit({ op: Op.Mov, dst: r, src: a.reg });
  cx.jnz(c, end);
  cx.emit({ op: Op.Mov, dst: r, src: b.reg });
  cx.place(end);
  return { reg: r, type: a.type };
}

/** `ARRAY_SIZE(arr)`: the element count of an array-typed expression, as a constant. */
function arraySize(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 1)) return cx.zero();
  const t = cx.typeOfNoCode(args[0]!);
  if (t.k !== 'array') {
    cx.err(n, 'ARRAY_SIZE() needs an array');
    return cx.zero();
  }
  return { reg: cx.constReg(t.n), type: ULONG };
}

/** The value forms by name. */
export const MINMAX_FORMS: Record<string, SpecialForm> = {
  likely: hint,
  unlikely: hint,
  BIT: bit,
  BIT_ULL: bit,
  min: minMax,
  max: minMax,
  min_t: minMax,
  max_t: minMax,
  ARRAY_SIZE: arraySize,
};

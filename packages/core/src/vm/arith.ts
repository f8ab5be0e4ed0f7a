/**
 * The interpreter's arithmetic: C's binary operators on the VM's values
 * (integers with the width and signedness of their C type, pointers within
 * one allocation), pointer offsets, and integer conversions.
 */
import type { Instr, Op } from '../lang/ir.js';
import { bitop, convInt } from '../lang/declare.js';
import { type Value, ptr, showValue, valEq } from '../state/values.js';

/** A BIN instruction. */
export type BinInstr = Extract<Instr, { op: Op.Bin }>;

/** An operation the model cannot do (the VM reports it as an oops). */
export interface Oops {
  oops: string;
}

/** Convert `v` to a C integer type (`bool`: 0 or 1). */
export function conv(v: number, c: { bits: number; signed: boolean; bool?: boolean }): number {
  if (c.bool) return v ? 1 : 0;
  return convInt(v, c.bits, c.signed);
}

/** `a op b` as C computes it, or the oops when the model cannot. */
export function binop(ins: BinInstr, a: Value, b: Value): Value | Oops {
  const op = ins.bop;
  if (typeof a === 'number' && typeof b === 'number') {
    let x = a,
      y = b;
    if (ins.unsigned) {
      if (x < 0) x += 2 ** 64;
      if (y < 0) y += 2 ** 64;
    }
    let r: number;
    switch (op) {
      case '+':
        r = a + b;
        break;
      case '-':
        r = a - b;
        break;
      case '*':
        r = a * b;
        break;
      case '/':
        if (b === 0) return { oops: 'divide error: 0000 [#1] (division by zero)' };
        r = Math.trunc(a / b);
        break;
      case '%':
        if (b === 0) return { oops: 'divide error: 0000 [#1] (modulo by zero)' };
        r = a % b;
        break;
      case '<<':
        r = a * 2 ** b;
        break;
      case '>>':
        r = Math.floor(x / 2 ** b);
        break;
      case '&':
        r = bitop(a, b, (p, q) => p & q);
        break;
      case '|':
        r = bitop(a, b, (p, q) => p | q);
        break;
      case '^':
        r = bitop(a, b, (p, q) => p ^ q);
        break;
      case '==':
        return a === b ? 1 : 0;
      case '!=':
        return a !== b ? 1 : 0;
      case '<':
        return x < y ? 1 : 0;
      case '>':
        return x > y ? 1 : 0;
      case '<=':
        return x <= y ? 1 : 0;
      case '>=':
        return x >= y ? 1 : 0;
    }
    return ins.conv ? conv(r, ins.conv) : r;
  }
  if (op === '==') return valEq(a, b) ? 1 : 0;
  if (op === '!=') return valEq(a, b) ? 0 : 1;
  if (typeof a === 'object' && typeof b === 'object' && a.t === 'p' && b.t === 'p' && a.a === b.a) {
    switch (op) {
      case '-':
        return (a.o - b.o) / (ins.elem ?? 1);
      case '<':
        return a.o < b.o ? 1 : 0;
      case '>':
        return a.o > b.o ? 1 : 0;
      case '<=':
        return a.o <= b.o ? 1 : 0;
      case '>=':
        return a.o >= b.o ? 1 : 0;
    }
  }
  if ((op === '&' || op === '|') && (typeof a === 'object' || typeof b === 'object')) {
    return { oops: 'bit operations on pointer values are not modelled' };
  }
  return {
    oops: `'${op}' on ${showValue(a)} and ${showValue(b)} is not modelled (pointer arithmetic outside an array)`,
  };
}

/** A pointer plus `n` bytes; arithmetic on what is not a pointer gives a pointer the model cannot follow. */
export function ptrAdd(b: Value, n: number): Value {
  if (n === 0) return b;
  if (typeof b === 'object' && b.t === 'p' && Number.isFinite(n)) return ptr(b.a, b.o + n);
  if (b === 0 && Number.isFinite(n)) return ptr(0, n);
  return { t: 'b', why: `${showValue(b)} + ${n}` };
}

/**
 * Run-time assertions, as include/asm-generic/bug.h and include/linux/lockdep.h
 * define them: WARN_ON, WARN_ON_ONCE, WARN, WARN_ONCE, BUG_ON, assert,
 * lockdep_assert_held, lockdep_assert_not_held, and the harness's
 * INVARIANT(cond[, "message"]). Each becomes an internal built-in
 * (`__warn`, `__bug_on`, ...) carrying the condition's text for reports.
 */
import type { Syn } from '../syntax.js';
import { INT } from '../types.js';
import { Op } from '../ir.js';
import { parseString } from '../declare.js';
import { type LowerCtx, type SpecialForm, type Val, takes } from './context.js';

/** `WARN_ON(cond)`, `WARN_ON_ONCE(cond)`, `WARN(cond, fmt, ...)`, `WARN_ONCE(cond, fmt, ...)`: the value of `cond`. */
function warn(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  const withMsg = name === 'WARN' || name === 'WARN_ONCE';
  if (withMsg ? args.length < 2 : !takes(cx, name, n, args, 1)) {
    if (withMsg) cx.err(n, `${name}() takes a condition and a format`);
    return cx.zero();
  }
  const c = cx.value(args[0]!);
  for (const a of args.slice(1)) cx.value(a);
  const r = cx.newReg(null);
  const fmt = withMsg && args[1]!.type === 'string_literal' ? parseString(args[1]!) : undefined;
  cx.at(n);
  const builtin = name.endsWith('ONCE') ? '__warn_once' : '__warn';
  cx.emit({ op: Op.Builtin, dst: r, name: builtin, args: [c.reg], extra: { text: fmt ?? cx.text(args[0]!) } });
  return { reg: r, type: INT };
}

/** A one-argument check lowered to the internal built-in `builtin(arg)`, with the argument's text. */
function check(builtin: (name: string) => string): SpecialForm {
  return (cx, name, n, args) => {
    if (!takes(cx, name, n, args, 1)) return cx.zero();
    const c = cx.value(args[0]!);
    cx.at(n);
    const extra = { text: cx.text(args[0]!) };
    cx.emit({ op: Op.Builtin, dst: cx.newReg(null), name: builtin(name), args: [c.reg], extra });
    return cx.zero();
  };
}

/** `INVARIANT(cond[, "message"])`: a scenario invariant, reported with the message (or the condition's text). */
function invariant(cx: LowerCtx, _name: string, n: Syn, args: Syn[]): Val {
  if (args.length < 1 || args.length > 2) {
    cx.err(n, 'INVARIANT(condition[, "message"]) takes a condition and an optional message');
    return cx.zero();
  }
  const c = cx.value(args[0]!);
  const msg = args[1]?.type === 'string_literal' ? parseString(args[1]) : cx.text(args[0]!);
  cx.at(n);
  cx.emit({ op: Op.Builtin, dst: cx.newReg(null), name: '__invariant', args: [c.reg], extra: { text: msg } });
  return cx.zero();
}

/** The assertion forms by name. */
export const WARN_FORMS: Record<string, SpecialForm> = {
  WARN_ON: warn,
  WARN_ON_ONCE: warn,
  WARN: warn,
  WARN_ONCE: warn,
  BUG_ON: check(() => '__bug_on'),
  assert: check(() => '__assert'),
  INVARIANT: invariant,
  lockdep_assert_held: check((name) => `__${name}`),
  lockdep_assert_not_held: check((name) => `__${name}`),
};

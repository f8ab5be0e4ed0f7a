/**
 * The wait_event family, as include/linux/wait.h expands it: wait_event,
 * wait_event_timeout, wait_event_interruptible,
 * wait_event_interruptible_timeout, wait_event_killable.
 */
import type { Syn } from '../syntax.js';
import { type CType, INT, LONG, VOID } from '../types.js';
import { type BuiltinExtra, Op } from '../ir.js';
import type { Label, LowerCtx, SpecialForm, Val } from './context.js';

/** How a wait_event variant sleeps, whether it takes a timeout, and what it returns. */
interface WaitForm {
  state: 'uninterruptible' | 'interruptible';
  timed: boolean;
  ret: CType;
}

const WAIT_FORMS: Record<string, WaitForm> = {
  wait_event: { state: 'uninterruptible', timed: false, ret: VOID },
  wait_event_timeout: { state: 'uninterruptible', timed: true, ret: LONG },
  wait_event_interruptible: { state: 'interruptible', timed: false, ret: INT },
  wait_event_interruptible_timeout: { state: 'interruptible', timed: true, ret: LONG },
  wait_event_killable: { state: 'uninterruptible', timed: false, ret: INT },
};

/**
 * The wait_event variant `name`, or undefined. (A plain object lookup, as
 * before the forms moved here: inherited names such as `constructor` match.)
 */
export function waitForm(name: string): SpecialForm | undefined {
  const w = WAIT_FORMS[name];
  return w ? (cx, nm, n, args) => waitEvent(cx, nm, n, args, w) : undefined;
}

/**
 * `wait_event*(wq_head, condition[, timeout])`: a fast-path check, then
 * prepare_to_wait_event / re-check / schedule[_timeout] until the condition
 * holds (or the time runs out), then finish_wait. The timed variants return
 * the remaining time (at least 1 when the condition held), the others 0.
 */
function waitEvent(cx: LowerCtx, name: string, n: Syn, args: Syn[], w: WaitForm): Val {
  const want = w.timed ? 3 : 2;
  if (args.length !== want) {
    const params = `wq_head, condition${w.timed ? ', timeout' : ''}`;
    cx.err(n, `${name}(${params}) takes ${want} arguments, ${args.length} given`);
    return cx.zero();
  }
  const [wqN, condN, toN] = args as [Syn, Syn, Syn | undefined];
  cx.at(n);
  const rem = cx.newReg(null);
  if (toN) cx.emit({ op: Op.Mov, dst: rem, src: cx.value(toN).reg });
  else cx.emit({ op: Op.Const, dst: rem, value: 0 });
  cx.emit({ op: Op.Builtin, dst: cx.newReg(null), name: 'might_sleep', args: [] });
  const res = cx.newReg(null);
  const fast = cx.newLabel();
  const finish = cx.newLabel();
  const loop = cx.newLabel();
  cx.at(condN);
  const c0 = cx.value(condN);
  const cr = cx.newReg(null);
  cx.emit({ op: Op.Mov, dst: cr, src: c0.reg });
  cx.jnz(cr, fast);
  cx.place(loop);
  cx.at(wqN);
  const wqLv = cx.lvalue(wqN);
  const wq = cx.addrOf(wqLv, wqN);
  cx.at(n);
  const text = `${name}(${cx.text(wqN)}, ${cx.text(condN)}${toN ? `, ${cx.text(toN)}` : ''})`;
  const extra: BuiltinExtra = { taskState: w.state, timed: w.timed, text };
  cx.emit({ op: Op.Builtin, dst: cx.newReg(null), name: '__wait_prepare', args: [wq], extra });
  cx.at(condN);
  const c1 = cx.value(condN);
  cx.emit({ op: Op.Mov, dst: cr, src: c1.reg });
  cx.jnz(cr, finish);
  if (w.timed) cx.jz(rem, finish);
  cx.at(n);
  cx.emit({ op: Op.Builtin, dst: rem, name: '__wait_schedule', args: [rem], extra });
  cx.jmp(loop);
  cx.place(finish);
  cx.at(n);
  cx.emit({ op: Op.Builtin, dst: cx.newReg(null), name: '__wait_finish', args: [wq], extra });
  cx.place(fast);
  waitResult(cx, w, res, rem, cr);
  return { reg: res, type: w.ret };
}

/**
 * The result into `res`: ___wait_cond_timeout for the timed variants (a
 * true condition with no time left still returns 1), else 0.
 */
function waitResult(cx: LowerCtx, w: WaitForm, res: number, rem: number, cr: number): void {
  if (!w.timed) {
    cx.emit({ op: Op.Const, dst: res, value: 0 });
    return;
  }
  const one = cx.constReg(1);
  cx.emit({ op: Op.Mov, dst: res, src: rem });
  const keep: Label = cx.newLabel();
  cx.jnz(rem, keep);
  cx.jz(cr, keep);
  cx.emit({ op: Op.Mov, dst: res, src: one });
  cx.place(keep);
}

/**
 * Loop macros, which the pre-pass has rewritten into `for` statements
 * (../prepass.ts records which): xa_for_each and xa_for_each_start
 * (include/linux/xarray.h), list_for_each_entry and list_for_each_entry_safe
 * (include/linux/list.h), and scoped_guard (./guard.ts).
 */
import { type Syn, field } from '../syntax.js';
import { type CType, UNKNOWN, memberOffset, typeName } from '../types.js';
import { Op } from '../ir.js';
import type { LoopMacro } from '../prepass.js';
import type { Label, LowerCtx } from './context.js';
import { scopedGuard } from './guard.js';

/** Labels and loop id of one loop-macro expansion. */
interface LoopLabels {
  head: Label;
  end: Label;
  cont: Label;
  loopId: number;
}

/**
 * Lower the `for` statement `n` that stands for loop macro `mac`: its
 * arguments are the `for`'s clauses (the update split at commas); reports a
 * wrong argument count or an unknown macro.
 */
export function loopMacro(cx: LowerCtx, n: Syn, mac: LoopMacro): void {
  cx.at(n);
  const init = field(n, 'initializer');
  const cond = field(n, 'condition');
  const upd = field(n, 'update');
  const args: Syn[] = [];
  if (mac.argc === 2) {
    if (cond) args.push(cond);
    if (upd) args.push(upd);
  } else {
    if (init) args.push(init);
    if (cond) args.push(cond);
    if (upd) args.push(...flattenComma(upd));
  }
  const body = field(n, 'body')!;
  if (args.length !== mac.argc) {
    cx.err(n, `${mac.name} expects ${mac.argc} arguments`);
    return;
  }
  cx.pushScope();
  const l: LoopLabels = { loopId: cx.newLoop(), head: cx.newLabel(), end: cx.newLabel(), cont: cx.newLabel() };
  switch (mac.name) {
    case 'scoped_guard':
      if (scopedGuard(cx, args, body, l.end, l.loopId)) return;
      break;
    case 'xa_for_each':
    case 'xa_for_each_start':
      xaForEach(cx, n, mac, args, body, l);
      break;
    case 'list_for_each_entry':
    case 'list_for_each_entry_safe':
      listForEachEntry(cx, n, mac, args, body, l);
      break;
    default:
      cx.err(n, `unsupported loop macro ${mac.name}`);
  }
  cx.place(l.end);
  cx.popScope();
}

/**
 * `xa_for_each(xa, index, entry)` / `xa_for_each_start(xa, index, entry, start)`:
 * `__xa_find` from the index (after it, from the second round on) until it finds nothing.
 */
function xaForEach(cx: LowerCtx, n: Syn, mac: LoopMacro, args: Syn[], body: Syn, l: LoopLabels): void {
  const xa = cx.value(args[0]!);
  const xaKeep = cx.newReg(null);
  cx.emit({ op: Op.Mov, dst: xaKeep, src: xa.reg });
  const idxLv = cx.lvalue(args[1]!);
  const entLv = cx.lvalue(args[2]!);
  const start = mac.name === 'xa_for_each_start' ? cx.value(args[3]!).reg : cx.constReg(0);
  const after = cx.newReg(null);
  cx.emit({ op: Op.Const, dst: after, value: 0 });
  const idx = cx.newReg(null);
  cx.emit({ op: Op.Mov, dst: idx, src: start });
  cx.place(l.head);
  const ent = cx.newReg(null);
  const found = cx.newReg(null);
  const extra = { argText: [cx.text(args[0]!)] };
  cx.emit({ op: Op.Builtin, dst: ent, dst2: found, name: '__xa_find', args: [xaKeep, idx, after], extra });
  cx.storeLV(idxLv, found);
  cx.storeLV(entLv, ent);
  cx.jz(ent, l.end);
  cx.loopBody(body, { brk: l.end, cont: l.cont, depth: cx.scopeDepth(), loopId: l.loopId });
  cx.place(l.cont);
  cx.at(n);
  const cur = cx.loadLV(idxLv);
  cx.emit({ op: Op.Mov, dst: idx, src: cur });
  cx.emit({ op: Op.Const, dst: after, value: 1 });
  cx.emit({ op: Op.BackEdge, loop: l.loopId });
  cx.jmp(l.head);
}

/**
 * `list_for_each_entry(pos, head, member)` / `list_for_each_entry_safe(pos, n, head, member)`:
 * walks `member.next` from `head` until it is back at `head`; the safe
 * variant fetches the next entry before the body runs.
 */
function listForEachEntry(cx: LowerCtx, n: Syn, mac: LoopMacro, args: Syn[], body: Syn, l: LoopLabels): void {
  const safe = mac.name === 'list_for_each_entry_safe';
  const headArg = args[safe ? 2 : 1]!;
  const memberArg = args[safe ? 3 : 2]!;
  const posLv = cx.lvalue(args[0]!);
  const nLv = safe ? cx.lvalue(args[1]!) : null;
  const headV = cx.value(headArg);
  const head = cx.newReg(null);
  cx.emit({ op: Op.Mov, dst: head, src: headV.reg });
  const member = memberArg.text.replace(/\s+/g, '');
  const posType = posLv.type;
  const entryType: CType = posType.k === 'ptr' ? posType.to : UNKNOWN;
  const mo = memberOffset(entryType, member, cx.sym.structs);
  if (!mo) {
    cx.err(memberArg, `${typeName(entryType)} has no list_head member '${member}'`);
    return;
  }
  const nextOff = mo.offset + (memberOffset({ k: 'struct', name: 'list_head' }, 'next', cx.sym.structs)?.offset ?? 0);
  const entryOf = (listPtr: number): number => {
    const r = cx.newReg(null);
    const extra = { text: member, offset: mo.offset };
    cx.emit({ op: Op.Builtin, dst: r, name: '__container_of', args: [listPtr], extra });
    return r;
  };
  const nextOf = (entry: number): number => {
    const r = cx.newReg(null);
    const what = `${cx.text(args[0]!)}->${member}.next`;
    cx.emit({ op: Op.Load, dst: r, base: entry, off: nextOff, size: 8, marked: false, what });
    return r;
  };
  const firstNext = cx.newReg(null);
  const what = `${cx.text(headArg)}->next`;
  cx.emit({ op: Op.Load, dst: firstNext, base: head, off: 0, size: 8, marked: false, what });
  cx.storeLV(posLv, entryOf(firstNext));
  if (nLv) cx.storeLV(nLv, entryOf(nextOf(cx.loadLV(posLv))));
  const loopHead = cx.newLabel();
  cx.place(loopHead);
  const pos = cx.loadLV(posLv);
  const memberAddr = cx.newReg(null);
  cx.emit({ op: Op.Addr, dst: memberAddr, base: pos, off: mo.offset });
  const ne = cx.newReg(null);
  cx.emit({ op: Op.Bin, dst: ne, bop: '!=', a: memberAddr, b: head });
  cx.jz(ne, l.end);
  cx.loopBody(body, { brk: l.end, cont: l.cont, depth: cx.scopeDepth(), loopId: l.loopId });
  cx.place(l.cont);
  cx.at(n);
  if (nLv) {
    const nv = cx.loadLV(nLv);
    cx.storeLV(posLv, nv);
    cx.storeLV(nLv, entryOf(nextOf(nv)));
  } else {
    cx.storeLV(posLv, entryOf(nextOf(cx.loadLV(posLv))));
  }
  cx.emit({ op: Op.BackEdge, loop: l.loopId });
  cx.jmp(loopHead);
}

/** The operands of a comma expression, left to right. */
function flattenComma(n: Syn): Syn[] {
  if (n.type === 'comma_expression') return [...flattenComma(field(n, 'left')!), ...flattenComma(field(n, 'right')!)];
  return [n];
}

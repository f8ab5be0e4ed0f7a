/**
 * container_of and the list_head forms built on it, as include/linux/container_of.h
 * and include/linux/list.h define them: container_of, container_of_const,
 * list_entry, list_first_entry, list_last_entry. The pre-pass has turned a
 * `struct T` type argument into the identifier `struct_T`.
 */
import type { Syn } from '../syntax.js';
import { type CType, layoutOf, memberOffset } from '../types.js';
import { Op } from '../ir.js';
import { type LowerCtx, type SpecialForm, type Val, takes } from './context.js';

/**
 * `container_of(ptr, type, member)` on a pointer already in `ptrReg`: a
 * `__container_of` built-in with the member's offset, typed `struct T *`.
 */
export function containerOf(cx: LowerCtx, ptrReg: number, typeArg: Syn, memberArg: Syn): Val {
  let tname = typeArg.text;
  if (typeArg.type === 'identifier' && tname.startsWith('struct_')) tname = tname.replace(/^struct_+/, '');
  else if (typeArg.type === 'identifier') {
    const td = cx.sym.typedefs.get(tname);
    if (td?.k === 'struct') tname = td.name;
    else cx.err(typeArg, `container_of needs a struct type as its second argument, like 'struct ${tname}'`);
  } else {
    cx.err(typeArg, 'container_of needs a struct type as its second argument');
  }
  const member = cx.rawText(memberArg).replace(/\s+/g, '');
  const t: CType = { k: 'struct', name: tname };
  let offset = 0;
  if (!layoutOf(tname, cx.sym.structs)) {
    cx.err(typeArg, `container_of of incomplete type 'struct ${tname}': define the struct`);
  } else {
    const mo = memberOffset(t, member, cx.sym.structs);
    if (!mo) cx.err(memberArg, `'struct ${tname}' has no member '${member}'`);
    else offset = mo.offset;
  }
  const r = cx.newReg(null);
  const extra = { text: member, offset, typeName: tname };
  cx.emit({ op: Op.Builtin, dst: r, name: '__container_of', args: [ptrReg], extra });
  return { reg: r, type: { k: 'ptr', to: t } };
}

/** `container_of(ptr, type, member)`, `container_of_const(...)`, `list_entry(ptr, type, member)`. */
function containerOfForm(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 3)) return cx.zero();
  const p = cx.value(args[0]!);
  return containerOf(cx, p.reg, args[1]!, args[2]!);
}

/** `list_first_entry(head, type, member)` / `list_last_entry(...)`: container_of of head->next / head->prev. */
function listEndEntry(cx: LowerCtx, name: string, n: Syn, args: Syn[]): Val {
  if (!takes(cx, name, n, args, 3)) return cx.zero();
  const first = name === 'list_first_entry';
  const h = cx.value(args[0]!);
  const r = cx.newReg(null);
  const what = `${cx.text(args[0]!)}->${first ? 'next' : 'prev'}`;
  cx.emit({ op: Op.Load, dst: r, base: h.reg, off: first ? 0 : 8, size: 8, marked: false, what });
  return containerOf(cx, r, args[1]!, args[2]!);
}

/** The container_of forms by name. */
export const CONTAINER_OF_FORMS: Record<string, SpecialForm> = {
  container_of: containerOfForm,
  container_of_const: containerOfForm,
  list_entry: containerOfForm,
  list_first_entry: listEndEntry,
  list_last_entry: listEndEntry,
};

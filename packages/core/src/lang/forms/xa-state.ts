/** `XA_STATE(name, xa, index)`, as include/linux/xarray.h defines it: an on-stack `struct xa_state`. */
import { type Syn, field, named } from '../syntax.js';
import type { CType } from '../types.js';
import { Op } from '../ir.js';
import type { LowerCtx } from './context.js';

/**
 * Lower the statement `XA_STATE(xas, &xa, index);`: declares `xas` as a stack
 * slot holding `.xa` and `.xa_index`. Returns false if `e` is not an XA_STATE call.
 */
export function xaStateStatement(cx: LowerCtx, e: Syn): boolean {
  if (e.type !== 'call_expression') return false;
  const f = field(e, 'function')!;
  if (f.type !== 'identifier' || f.text !== 'XA_STATE') return false;
  const args = named(field(e, 'arguments')!);
  if (args.length !== 3 || args[0]!.type !== 'identifier') {
    cx.err(e, 'XA_STATE(name, xa, index) expects a name, an xarray pointer and an index');
    return true;
  }
  const name = args[0]!.text;
  const type: CType = { k: 'prim', name: 'xa_state' };
  const off = cx.stackSlot(name, type);
  const sp = cx.newReg(null);
  cx.emit({ op: Op.SAddr, dst: sp });
  const xa = cx.value(args[1]!);
  const idx = cx.value(args[2]!);
  cx.emit({ op: Op.Store, base: sp, off, size: 8, src: xa.reg, marked: false, what: `${name}.xa` });
  cx.emit({ op: Op.Store, base: sp, off: off + 8, size: 8, src: idx.reg, marked: false, what: `${name}.xa_index` });
  cx.declareStackLocal(name, off, type);
  return true;
}
